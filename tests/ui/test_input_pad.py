"""Your own input in the window: drawing on the pad, dropping an image on an input node, and
the inspector's "Use image..."."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton

from graphlab.predict import class_probabilities
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401

pytestmark = pytest.mark.usefixtures("isolated_settings")


def draw(pad, points):
    """One stroke through ``points`` given in cells of the pad (its grid side)."""
    side, width = pad.pixels.shape[0], pad.square().width()
    where = [
        QPoint(int((x + 0.5) * width / side), int((y + 0.5) * width / side)) for x, y in points
    ]
    QTest.mousePress(pad, Qt.LeftButton, Qt.NoModifier, where[0])
    for point in where[1:]:
        QTest.mouseMove(pad, point)
    QTest.mouseRelease(pad, Qt.LeftButton, Qt.NoModifier, where[-1])


def ring(cx, cy, rx, ry, count=24):
    angles = np.linspace(0, 2 * np.pi, count)
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


def shown_class(panel):
    text = panel.prediction.text()
    assert text.startswith("<b>predicted: ")
    return text.removeprefix("<b>predicted: ").split("</b>")[0]


def test_a_drawn_digit_changes_the_predicted_class(trained_digits, qtbot):
    window = make_window(qtbot, str(trained_digits))
    panel = window.input_panel
    assert panel.nid == "x" and panel.pad.pixels.shape == (28, 28) and panel.pad.isEnabled()
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert window.docks["input"].toggleViewAction() in view_menu.actions()
    window.stepper.model.run_forward()
    draw(panel.pad, [(14, 3), (14, 10), (14, 17), (14, 24)])  # a "1"
    qtbot.waitUntil(lambda: panel.predicted != "")
    one = shown_class(panel)
    stored = np.asarray(window.doc.inputs["x"], dtype=np.float32)
    assert stored.shape == (1, 1, 8, 8)
    probabilities = class_probabilities(window.doc, stored, "x")
    assert one == str(probabilities.argmax()) == "1"
    # the stepper now walks the drawing: its forward pass starts from the stored value
    first = window.stepper.model.events[0]
    assert first.node == "x" and np.allclose(first.output, stored)
    assert window.stack.undoText() == "Draw on x"
    panel.clear_button.click()
    assert "x" not in window.doc.inputs and not panel.pad.pixels.any()
    draw(panel.pad, ring(14, 14, 7, 10))  # a "0"
    qtbot.waitUntil(lambda: panel.predicted != one)
    assert shown_class(panel) == "0"


def drop_file(window, path, nid):
    """Drag ``path`` onto node ``nid`` of the canvas (enter, then drop); (accepted, dropped)."""
    view = window.view
    point = view.mapFromScene(window.scene.nodes[nid].sceneBoundingRect().center())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(point, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), enter)
    drop = QDropEvent(QPointF(point), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(view.viewport(), drop)
    return enter.isAccepted(), drop.isAccepted()


def test_a_dropped_png_becomes_the_input_value(trained_digits, qtbot, tmp_path):
    window = make_window(qtbot, str(trained_digits))
    digit = np.zeros((32, 32), dtype=np.uint8)
    digit[4:28, 14:18] = 255
    Image.fromarray(digit).save(tmp_path / "one.png")
    assert drop_file(window, tmp_path / "one.png", "x") == (True, True)
    value = np.asarray(window.doc.inputs["x"])
    assert value.shape == (1, 1, 8, 8)
    assert window.statusBar().currentMessage() == "one.png is now the value of x"
    window.stack.undo()
    assert "x" not in window.doc.inputs
    (tmp_path / "bad.png").write_bytes(b"not a png")
    assert drop_file(window, tmp_path / "bad.png", "x") == (True, True)
    assert "x" not in window.doc.inputs
    assert window.statusBar().currentMessage() == "bad.png: not a readable image"


def test_use_image_in_the_inspector(trained_digits, qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot, str(trained_digits))
    Image.fromarray(np.full((20, 20, 3), 200, dtype=np.uint8)).save(tmp_path / "grey.jpg")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: (str(tmp_path / "grey.jpg"), ""))
    window.select_node("y")
    assert window.inspector.findChild(QPushButton, "use image") is None  # labels take no image
    window.select_node("x")
    window.inspector.findChild(QPushButton, "use image").click()
    assert np.asarray(window.doc.inputs["x"]).shape == (1, 1, 8, 8)
    assert window.stack.undoText() == "Use grey.jpg for x"


def test_the_pad_says_why_a_graph_without_an_image_input_cannot_be_drawn_on(qtbot):
    window = make_window(qtbot, "circuit-add-mul")
    panel = window.input_panel
    assert not panel.pad.isEnabled() and panel.nid is None
    assert "has 3 float inputs (x, y, z)" in panel.status.text()
    window.select_node("x")  # a number, not an image
    assert window.inspector.nid == "x"
    assert window.inspector.findChild(QPushButton, "use image") is None
