"""File > Export and Import from the window."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401


@pytest.fixture
def window(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    """The window on cnn-digits; an error dialog fails the test instead of waiting for a click,
    and unsaved changes are discarded on close."""

    def fail(parent, title, text):
        raise AssertionError(f"{title}: {text}")

    monkeypatch.setattr(QMessageBox, "critical", fail)
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    return make_window(qtbot, "cnn-digits")


def test_the_file_menu_has_every_export(window):
    file_menu = window.menuBar().actions()[0].menu()
    titles = [a.text() for a in file_menu.actions()]
    assert "E&xport" in titles and "&Import" in titles
    export = next(a.menu() for a in file_menu.actions() if a.text() == "E&xport")
    assert [a.text() for a in export.actions()] == [
        "ONNX model...",
        "PyTorch module...",
        "Picture (PNG)...",
        "Picture with parameters (PNG)...",
        "Picture (SVG)...",
    ]


def test_exports_write_files(window, tmp_path):
    menu = window.export_menu
    assert menu.export("Picture (PNG)...", str(tmp_path / "g.png"))
    assert not QImage(str(tmp_path / "g.png")).isNull()
    assert menu.export("Picture (SVG)...", str(tmp_path / "g.svg"))
    ET.parse(tmp_path / "g.svg")
    assert menu.export("PyTorch module...", str(tmp_path / "g.py"))
    assert "nn.Module" in (tmp_path / "g.py").read_text()
    pytest.importorskip("onnx", reason="onnx is not installed (pip install '.[export]')")
    assert menu.export("ONNX model...", str(tmp_path / "g.onnx"))
    assert menu.import_onnx(str(tmp_path / "g.onnx"))
    assert "conv1" in window.doc.nodes and window.files.is_modified()
    np.testing.assert_array_equal(window.doc.params["conv1_W"].shape, (16, 1, 3, 3))


def test_an_export_that_fails_says_why(window, tmp_path, monkeypatch):  # replaces the dialog
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert not window.export_menu.export("PyTorch module...", str(tmp_path / "missing" / "g.py"))
    assert shown and "missing/g." in shown[0] and "could not save" in shown[0]


def test_a_png_exported_from_the_window_opens_as_the_graph_dropped_or_opened(window, tmp_path):
    """Export a picture (with parameters), then drop it on the canvas: the same graph opens,
    unnamed (saving asks for a .graphlab file), parameters included."""
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    from graphlab.fileformat import document_to_dict

    png = tmp_path / "g.png"
    assert window.export_menu.export("Picture with parameters (PNG)...", str(png))
    before = document_to_dict(window.doc)
    window.files.new()
    assert document_to_dict(window.doc) != before
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(png))])
    corner = QPoint(5, 5)  # empty canvas, not an input node
    enter = QDragEnterEvent(corner, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window.view.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(corner), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window.view.viewport(), drop)
    assert drop.isAccepted()
    assert document_to_dict(window.doc) == before and window.files.path is None
