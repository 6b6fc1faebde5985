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
