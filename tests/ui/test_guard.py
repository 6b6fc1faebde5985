"""The window's action guard: an exception in an action leaves the document as it was and shows
a message; expected problems (a missing folder, labels that are not integers) a plain one."""

import sys

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QUndoCommand
from PySide6.QtWidgets import QDialog, QDockWidget, QFileDialog, QMessageBox

from engine.errors import GraphError
from graphlab.document import DocEdge, DocNode, GraphDocument
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.canvas.editing import Editor
from ui.commands import SetLabel
from ui.guard import same_document
from ui.keyboard_settings import KeyboardDialog
from ui.preferences import UNDO_LIMIT, UNDO_LIMIT_KEY


@pytest.fixture
def window(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    return make_window(qtbot, "two-layer-net-spiral")


class HalfDone(QUndoCommand):
    """Renames a node, then fails: a command with a bug in its redo."""

    def __init__(self, doc, nid):
        super().__init__("half done")
        self.doc, self.nid = doc, nid

    def redo(self):
        self.doc.set_label(self.nid, "half")
        raise KeyError("bug in redo")


def shown(window) -> QMessageBox:
    box = window.guard.dialog
    assert box is not None and box.isVisible()
    return box


def test_an_action_that_raises_keeps_the_document_and_shows_the_details(
    window, monkeypatch, crash_log
):
    window.stack.push(SetLabel(window.doc, "fc1_W", "weights"))
    before, count = window.doc.snapshot(), window.stack.count()
    add = Editor._add

    def broken_duplicate(editor, *args):
        add(editor, *args)  # the copies are added (one undo step) ...
        window.doc.params["stray"] = np.ones(3)  # ... a change outside the undo stack ...
        raise ZeroDivisionError("bug in duplicate")  # ... and then a bug

    monkeypatch.setattr(Editor, "_add", broken_duplicate)
    window.scene.select_ids(["fc1_W", "fc1"])
    window.canvas_actions["duplicate"].trigger()
    box = shown(window)
    assert box.icon() == QMessageBox.Critical
    assert box.text().startswith("Duplicate failed unexpectedly")
    assert "ZeroDivisionError: bug in duplicate" in box.informativeText()
    assert str(crash_log) in box.informativeText()
    assert "Traceback" in box.detailedText() and "broken_duplicate" in box.detailedText()
    assert "bug in duplicate" in crash_log.read_text()
    assert same_document(window.doc, before)
    assert window.stack.count() == count and window.stack.index() == count
    # the window is still usable: undo reaches the rename made before the failure
    window.actions["undo"].trigger()
    assert window.doc.nodes["fc1_W"].label == ""


def test_a_command_failing_in_redo_leaves_no_step_behind(window, crash_log):
    before = window.doc.snapshot()
    window.guard.run("Rename", window.stack.push, HalfDone(window.doc, "fc1_W"))
    assert same_document(window.doc, before)
    assert window.stack.count() == 0 and not window.actions["undo"].isEnabled()
    assert "KeyError" in shown(window).informativeText()


def test_a_slot_failing_inside_an_action_is_caught_too(window, crash_log):
    """A slot Qt calls (not Python) reports to sys.excepthook; the guard catches that too."""
    before = window.doc.snapshot()

    def rename_then_fail():
        window.stack.push(SetLabel(window.doc, "fc1_W", "renamed"))
        raise RuntimeError("bug in a slot")

    relay = QAction("relay", window)
    relay.triggered.connect(rename_then_fail)  # called by Qt: its exception goes to excepthook
    window.guard.run("Relay", relay.trigger)
    assert same_document(window.doc, before) and window.stack.count() == 0
    assert "RuntimeError: bug in a slot" in shown(window).informativeText()


def test_a_failed_open_keeps_the_file_the_document_belongs_to(window, tmp_path, crash_log):
    """Opening succeeded, then a slot of the window failed: the old document and its file."""
    window.files.adopt(window.doc.snapshot(), tmp_path / "mine.graphlab")
    window.stack.push(SetLabel(window.doc, "fc1_W", "weights"))
    before = window.doc.snapshot()
    window.files.opened.connect(lambda: 1 / 0)  # a follower of 'opened' with a bug
    window.guard.run("Open example", window.files.open_example, "cnn-digits")
    assert same_document(window.doc, before)
    assert window.files.path == (tmp_path / "mine.graphlab").resolve()
    assert window.windowTitle() == "mine.graphlab* - GraphLab"
    assert "ZeroDivisionError" in shown(window).informativeText()


def test_an_expected_problem_is_its_own_sentence_without_details(window):
    def refuse():
        raise GraphError("the graph has no loss")

    window.guard.run("Train", refuse)
    box = shown(window)
    assert box.icon() == QMessageBox.Warning and box.windowTitle() == "Train"
    assert box.text() == "the graph has no loss" and box.detailedText() == ""


def test_the_safety_net_shows_slots_outside_the_guard(window, crash_log):
    def unguarded():
        raise ValueError("outside any guard")

    window.toolbar_redo.triggered.connect(unguarded)
    window.toolbar_redo.setEnabled(True)
    previous, sys.excepthook = sys.excepthook, window.guard.excepthook
    try:
        window.toolbar_redo.trigger()
    finally:
        sys.excepthook = previous
    box = shown(window)
    assert "ValueError: outside any guard" in box.informativeText()
    assert box.text() == "An action failed unexpectedly. Undo may be needed."


def test_export_csv_into_a_missing_folder_is_a_message(window, qtbot, tmp_path, monkeypatch):
    from ui.training import show_dashboard

    show_dashboard(window)
    assert window.training.start_training(2)
    qtbot.waitUntil(lambda: not window.training.running, timeout=60_000)
    target = tmp_path / "no such folder" / "metrics.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.training.live.csv_button.click()
    box = shown(window)
    assert box.text() == f"{target}: could not save: the folder {target.parent} does not exist"
    assert not target.parent.exists()
    window.training.shutdown()


def float_labels_document() -> GraphDocument:
    """Scores (2, 3) and labels stored as floats into a softmax loss."""
    doc = GraphDocument("float-labels")
    doc.add_node(DocNode("scores", "input", {"shape": [2, 3]}, (0, 0)))
    doc.add_node(DocNode("labels", "input", {"shape": [2], "dtype": "float"}, (0, 120)))
    doc.add_node(DocNode("loss", "softmax_cross_entropy", {}, (240, 60)))
    doc.add_edge(DocEdge("scores", "loss", "scores"))
    doc.add_edge(DocEdge("labels", "loss", "labels"))
    doc.inputs = {"scores": [[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]], "labels": [0.0, 2.0]}
    return doc


def test_stepping_float_labels_says_they_must_be_integers(window):
    window.files.adopt(float_labels_document(), None)
    window.stepper.toolbar.actions_by_name["step_forward"].trigger()
    message = window.statusBar().currentMessage()
    assert "labels must be integers" in message and "dtype to int" in message
    assert window.guard.dialog is None  # a status line, not an error dialog
    # with the labels input made int, the same values step through
    window.doc.set_attrs("labels", {"shape": [2], "dtype": "int"})
    window.stepper.toolbar.actions_by_name["run_forward"].trigger()
    assert window.stepper.model.error == "" and window.stepper.model.position > 0


def test_undo_history_is_capped_by_the_setting(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    assert make_window(qtbot).stack.undoLimit() == UNDO_LIMIT == 500
    QSettings().setValue(UNDO_LIMIT_KEY, 5)
    window = make_window(qtbot)
    for i in range(8):
        window.stack.push(SetLabel(window.doc, "q", f"name {i}"))
    assert window.stack.count() == 5
    while window.stack.canUndo():
        window.stack.undo()
    assert window.doc.nodes["q"].label == "name 2"  # the three oldest steps were dropped


def menu_actions(menu):
    for action in menu.actions():
        if action.menu():
            yield from menu_actions(action.menu())
        elif action.text() and not action.isSeparator():
            yield action


def test_every_menu_action_of_the_window_runs_through_the_guard(window, monkeypatch):
    """File, Edit, View and Backprop (dock toggles and Quit aside): each action snapshots the
    document first, and with every dialog cancelled none raises."""
    for name in ("getOpenFileName", "getSaveFileName"):
        monkeypatch.setattr(QFileDialog, name, lambda *a, **k: ("", ""))
    monkeypatch.setattr(KeyboardDialog, "exec", lambda self: QDialog.Rejected)  # Settings
    snapshots = []
    snapshot = GraphDocument.snapshot
    monkeypatch.setattr(GraphDocument, "snapshot", lambda doc: snapshots.append(1) or snapshot(doc))
    docks = {dock.toggleViewAction() for dock in window.findChildren(QDockWidget)}
    menus = [a.menu() for a in window.menuBar().actions() if a.text() != "&Training"]
    actions = [a for m in menus for a in menu_actions(m) if a not in docks]
    actions.remove(window.actions["quit"])
    assert len(actions) > 35
    for action in actions:
        if action is window.actions["undo"]:  # something to undo (then to redo)
            window.stack.push(SetLabel(window.doc, next(iter(window.doc.nodes)), "renamed"))
        before = len(snapshots)
        assert action.isEnabled(), action.text()
        action.trigger()
        assert len(snapshots) > before, action.text()
    assert window.guard.dialog is None  # nothing failed
