"""Settings > Keyboard (issue 29 item 8): every canvas action rebindable, saved in QSettings
and applied to the next window; a shortcut two actions would share is refused."""

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.keyboard_settings import KeyboardDialog, bindable_actions

NEW_ACTIONS = ("group", "ungroup", "enter_group", "leave_group", "rename", "bypass", "frame",
               "note", "find_in_graph", "align_left", "distribute_x", "wires_angled")  # fmt: skip


def test_every_new_action_is_in_a_menu_with_its_shortcut(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot)
    in_menus = set()
    for top in window.menuBar().actions():
        in_menus.update(a for a in top.menu().actions())
    for name in NEW_ACTIONS:
        action = window.canvas_actions[name]
        assert action in in_menus, name
        assert name.startswith("wires") or not action.shortcut().isEmpty(), name
    keys = bindable_actions(window)
    assert {f"canvas.{n}" for n in NEW_ACTIONS} <= set(keys)


def test_a_rebound_shortcut_is_saved_and_works_in_the_next_window(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot, "sigmoid-neuron")
    dialog = KeyboardDialog(window)
    dialog.edits["canvas.group"].setKeySequence(QKeySequence("Ctrl+Alt+G"))
    dialog.accept()
    assert QSettings().value("keyboard/canvas.group") == "Ctrl+Alt+G"
    again = make_window(qtbot, "sigmoid-neuron")
    assert again.canvas_actions["group"].shortcut().toString() == "Ctrl+Alt+G"
    again.scene.select_ids(["neg", "e"])
    again.view.setFocus()
    QTest.keyClick(again.view, Qt.Key_G, Qt.ControlModifier | Qt.AltModifier)
    assert len(again.doc.groups) == 1
    dialog = KeyboardDialog(again)
    dialog.restore_defaults()
    dialog.accept()
    assert QSettings().value("keyboard/canvas.group") is None
    assert again.canvas_actions["group"].shortcut().toString() == "Ctrl+G"


def test_a_shortcut_two_actions_would_share_is_refused(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot)
    dialog = KeyboardDialog(window)
    dialog.edits["canvas.group"].setKeySequence(QKeySequence("Ctrl+B"))
    dialog.accept()
    assert "Ctrl+B is the shortcut of both" in dialog.problem.text()
    assert "Bypass" in dialog.problem.text() and "Group" in dialog.problem.text()
    assert window.canvas_actions["group"].shortcut().toString() == "Ctrl+G"
    assert QSettings().value("keyboard/canvas.group") is None
