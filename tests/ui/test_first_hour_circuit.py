"""A student's first exercise, in the window with mouse and keyboard: build (x + y) z from
the palette, type the values into the inspector, rename the nodes, run forward and backward
with the keyboard, read the numbers and the explanation in their own names, step back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QTreeWidget

from graphlab.fragments import PALETTE_MIME
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401

IDS = ("input1", "input2", "input3", "add1", "multiply1")
LABELS = ("x", "y", "z", "q", "f")


def screenshot_dir(tmp_path: Path) -> Path:
    """Where the suite writes its screenshots: $GRAPHLAB_SCREENSHOT_DIR, else tmp_path."""
    folder = Path(os.environ.get("GRAPHLAB_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def drop(window, payload: str, scene_pos: QPointF) -> None:
    """A palette drag delivered to the canvas (enter, move, drop) at ``scene_pos``."""
    viewport, pos = window.view.viewport(), window.view.mapFromScene(scene_pos)
    mime = QMimeData()
    mime.setData(PALETTE_MIME, QByteArray(payload.encode()))
    for event in (
        QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
        QDragMoveEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
        QDropEvent(QPointF(pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
    ):
        QApplication.sendEvent(viewport, event)
    assert event.isAccepted()


def drag(window, start: QPointF, end: QPointF) -> None:
    viewport = window.view.viewport()
    a, b = window.view.mapFromScene(start), window.view.mapFromScene(end)
    QTest.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, a)
    for i in range(1, 5):
        QTest.mouseMove(viewport, a + (b - a) * i / 4)
    QTest.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, b)


def click_node(window, nid: str) -> None:
    item = window.scene.nodes[nid]
    centre = item.sceneBoundingRect().center()
    QTest.mouseClick(
        window.view.viewport(), Qt.LeftButton, Qt.NoModifier, window.view.mapFromScene(centre)
    )


def retype(qtbot, edit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key_Return)


@pytest.fixture
def built(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    """The window after the student built, valued and renamed the circuit by hand."""
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot)
    window.resize(1280, 800)
    window.files.new()
    assert not window.doc.nodes
    for y in (-110, 0, 110):
        drop(window, "op:input", QPointF(80, y))
    drop(window, "op:add", QPointF(330, 0))
    drop(window, "op:multiply", QPointF(580, 0))
    assert list(window.doc.nodes) == list(IDS)
    # new scalar inputs start at 1.0: the circuit runs before any value is typed
    assert [window.doc.inputs[n] for n in IDS[:3]] == [1.0, 1.0, 1.0]
    nodes = window.scene.nodes
    x, y, z, q, f = (nodes[n] for n in IDS)
    for src, dst, port in ((x, q, "a"), (y, q, "b"), (q, f, "a"), (z, f, "b")):
        drag(window, src.output_pos(), dst.input_pos(port))
    assert len(window.doc.edges) == 4
    for nid, value in zip(IDS[:3], ("-2", "5", "-4"), strict=True):
        click_node(window, nid)
        assert window.inspector.nid == nid
        retype(qtbot, window.inspector.value_editor.edit, value)
    assert [window.doc.inputs[n] for n in IDS[:3]] == [-2.0, 5.0, -4.0]
    for nid, label in zip(IDS, LABELS, strict=True):
        click_node(window, nid)
        retype(qtbot, window.inspector.label_edit, label)
        # the renamed node stays selected and inspected
        assert window.scene.selected_ids() == [nid] and window.inspector.nid == nid
    assert [window.doc.nodes[n].label for n in IDS] == list(LABELS)
    window.view.setFocus()
    return window


def test_the_circuit_built_by_hand_runs_with_the_students_names(built, qtbot, tmp_path):
    window, stepper = built, built.stepper
    qtbot.keyClick(window.view, Qt.Key_Right, Qt.ShiftModifier)  # Run forward
    assert stepper.model.position == stepper.model.forward_count
    qtbot.keyClick(window.view, Qt.Key_Right, Qt.ShiftModifier)  # Run backward
    assert stepper.model.position == len(stepper.model.events)
    texts = stepper.overlay.visible_texts()
    assert texts["add1->multiply1.a:value"] == "3" and texts["multiply1:value"] == "-12"
    assert texts["input1->add1.a:grad"] == "-4" and texts["input2->add1.b:grad"] == "-4"
    assert texts["input3->multiply1.b:grad"] == "3"
    panel = stepper.panel
    shown = "\n".join([panel.title.text(), panel.rule.text(), *panel.displayed_lines()])
    for label in LABELS:
        assert f"dL/d{label} " in shown
    assert not any(nid in shown for nid in IDS)
    stepper.pulses.stop()
    toolbar = stepper.toolbar  # the whole "10 / 10 backward" fits at 1280x800, clear of Animate
    label, animate = toolbar.tick_label, toolbar.widgetForAction(toolbar.actions_by_name["animate"])
    assert label.text().split() == ["10", "/", "10", "backward"]
    qtbot.waitUntil(lambda: label.geometry().right() < animate.geometry().left())
    assert label.width() >= label.sizeHint().width()
    width = label.width()
    qtbot.keyClick(window.view, Qt.Key_Home)  # back to the start: the timeline keeps its size
    qtbot.wait(20)
    assert label.text().split() == ["0", "/", "10"] and label.width() == width
    for _ in range(2):  # Run forward, Run backward again for the screenshot
        qtbot.keyClick(window.view, Qt.Key_Right, Qt.ShiftModifier)
    stepper.pulses.stop()
    qtbot.wait(20)
    window.grab().save(str(screenshot_dir(tmp_path) / "first-circuit-after-backward.png"))


def test_step_back_from_the_end_of_backward_visits_backward_nodes_in_reverse(built, qtbot):
    window, model = built, built.stepper.model
    keys = [Qt.Key_Right] * 3 + [Qt.Key_Left]  # three steps on, one back
    for key in keys:
        qtbot.keyClick(window.view, key)
    assert model.position == 2 and model.current.phase == "forward"
    for _ in range(2):
        qtbot.keyClick(window.view, Qt.Key_Right, Qt.ShiftModifier)  # Run forward, backward
    backward = [e.node for e in model.events if e.phase == "backward"]
    assert model.current.node == backward[-1]
    visited = []
    for _ in backward[:-1]:
        qtbot.keyClick(window.view, Qt.Key_Left)  # Step back: one node back
        visited.append(model.current.node)
    assert visited == list(reversed(backward[:-1]))
    qtbot.keyClick(window.view, Qt.Key_Left)  # the first backward node undone
    assert model.position == model.forward_count and model.current.phase == "forward"
    qtbot.keyClick(window.view, Qt.Key_Right)
    qtbot.keyClick(window.view, Qt.Key_Left, Qt.ShiftModifier)  # back to the start of backward
    assert model.position == model.forward_count
    qtbot.keyClick(window.view, Qt.Key_Left, Qt.ShiftModifier)  # back to the start
    assert model.position == 0
    qtbot.keyClick(window.view, Qt.Key_Right, Qt.ShiftModifier)
    qtbot.keyClick(window.view, Qt.Key_Home)
    assert model.position == 0


def test_selecting_a_node_shows_its_numbers_and_explanation(built, qtbot):
    window, stepper = built, built.stepper
    click_node(window, "add1")
    assert window.inspector.numbers.displayed()["value"].startswith("not computed")
    assert stepper.panel.title.text().startswith("<b>q (add)</b>")  # its rule before the run
    assert "Run forward" in stepper.panel.displayed_lines()[0]
    for _ in range(2):
        qtbot.keyClick(window.view, Qt.Key_Right, Qt.ShiftModifier)  # Run forward, backward
    # the inspected node's numbers follow the run; the explanation shows the last step
    assert window.inspector.numbers.displayed() == {"value": "3", "gradient": "-4"}
    assert stepper.panel.displayed_lines()[0] == "dL/dx = -4"
    click_node(window, "input3")
    click_node(window, "add1")  # the explanation follows the selection
    lines = stepper.panel.displayed_lines()
    assert lines[0] == "q = x + y = -2 + 5 = 3"
    assert "dL/dx = dL/dq * dq/dx = -4 * 1 = -4" in lines
    click_node(window, "multiply1")
    assert window.inspector.numbers.displayed() == {"value": "-12", "gradient": "1"}


def test_a_missing_value_is_a_problem_with_a_set_value_link(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot)
    window.files.new()
    drop(window, "op:input", QPointF(0, 0))
    drop(window, "op:sum", QPointF(300, 0))
    x, total = window.scene.nodes["input1"], window.scene.nodes["sum1"]
    drag(window, x.output_pos(), total.input_pos("x"))
    click_node(window, "input1")
    retype(qtbot, window.inspector.editors["shape"].edit, "[3]")  # a vector: 1.0 no longer fits
    assert window.doc.nodes["input1"].attrs["shape"] == [3], window.doc.nodes["input1"].attrs
    assert "input1" not in window.doc.inputs
    qtbot.waitUntil(lambda: window.problems.count() == 1)
    item = window.problems.item(0)
    assert item.text().startswith("input1: no value") and "set it" in item.text()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_Right, Qt.ShiftModifier)  # Run forward: not silent
    assert window.stepper.model.position == 0
    assert "inputs without values: input1" in window.statusBar().currentMessage()
    assert window.docks["problems"].isVisible()
    rect = window.problems.visualItemRect(item)
    qtbot.mouseClick(window.problems.viewport(), Qt.LeftButton, pos=rect.center())
    editor = window.inspector.input_editor
    assert window.inspector.nid == "input1" and editor.table is not None
    assert editor.table.hasFocus()
    editor.table.item(0, 1).setText("-2")  # typed into the table's second cell
    assert window.doc.inputs["input1"] == [0.0, -2.0, 0.0]
    qtbot.waitUntil(lambda: window.problems.count() == 0)
    window.stack.undo()
    assert "input1" not in window.doc.inputs
    window.stack.redo()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_Right, Qt.ShiftModifier)
    model = window.stepper.model
    assert model.position == model.forward_count == 2, model.error
    texts = window.stepper.overlay.visible_texts()
    assert texts["input1->sum1.x:value"] == "(3,) |2|" and texts["sum1:value"] == "-2"


def test_arrow_keys_in_the_palette_do_not_step(built, qtbot):
    window, model = built, built.stepper.model
    tree = window.palette_panel.findChild(QTreeWidget)
    tree.setFocus()
    qtbot.waitUntil(tree.hasFocus)
    qtbot.keyClick(tree, Qt.Key_Right)
    assert model.position == 0
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_Right)
    assert model.position == 1
