"""The way in: the first start's welcome page, the empty-canvas hint, the Help menu with its
generated shortcuts list, About's versions, and later starts opening the last file."""

from __future__ import annotations

import platform

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from graphlab.examples import START_HERE, open_graph
from graphlab.fileformat import save_document
from tests.ui.test_first_hour_circuit import drop, screenshot_dir
from tests.ui.test_main_window import isolated_settings  # noqa: F401
from ui.app import start_window
from ui.help_menu import ShortcutsDialog
from ui.lessons.gallery import TITLE as LESSONS_ENTRY


@pytest.fixture
def start(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    """Factory: a window as a start without a GRAPH opens it, shown at 1280x800."""
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)

    def make():
        window = start_window(theme="light")
        qtbot.addWidget(window, before_close_func=lambda w: w.files.stack.setClean())
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def top_menu(window, title: str) -> QMenu:
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    return next(m for m in menus if m.title().replace("&", "") == title)


def menu_action(window, *path: str) -> QAction:
    """The action at menu ``path`` ("Help", "Keyboard shortcuts") of the window's menu bar."""
    menu = top_menu(window, path[0])
    for name in path[1:]:
        action = next(a for a in menu.actions() if a.text().replace("&", "") == name)
        menu = action.menu() or menu
    return action


def test_first_start_welcomes_and_its_first_button_opens_the_first_circuit(start, qtbot, tmp_path):
    window = start()
    assert window.welcome.welcoming and window.welcome.page.isVisible()
    qtbot.wait(50)  # the docks settle before the picture
    window.grab().save(str(screenshot_dir(tmp_path) / "first-welcome.png"))
    qtbot.mouseClick(window.welcome.page.buttons["first"], Qt.LeftButton)
    assert not window.welcome.welcoming and window.view.isVisible()
    expected = open_graph(START_HERE)
    assert set(window.doc.nodes) == set(expected.nodes) and window.doc.inputs == expected.inputs
    assert window.windowTitle() == f"{START_HERE} - GraphLab"
    window.close()
    again = start()  # a later start: no welcome
    assert not again.welcome.welcoming and set(again.doc.nodes) == set(expected.nodes)


def test_later_starts_open_the_last_file(start, qtbot, tmp_path):
    start().close()  # the first start, welcomed
    path = tmp_path / "mine.graphlab"
    save_document(open_graph("sigmoid-neuron"), path)
    window = start()
    assert window.files.open_path(path)
    window.close()
    again = start()
    assert again.files.path == path.resolve() and not again.welcome.welcoming


def test_new_graph_shows_the_hint_until_a_node_is_dropped(start, qtbot):
    window = start()
    hint = window.empty_hint.label
    assert not hint.isVisible()  # the first circuit is open under the page
    qtbot.mouseClick(window.welcome.page.buttons["new"], Qt.LeftButton)
    assert not window.doc.nodes and hint.isVisible() and "output dot" in hint.text()
    assert hint.geometry() == window.view.viewport().rect()
    drop(window, "op:relu", QPointF(0, 0))
    assert window.doc.nodes and not hint.isVisible()
    window.stack.undo()
    assert hint.isVisible()


def test_open_an_example_shows_the_gallery(start, qtbot):
    window = start()
    qtbot.mouseClick(window.welcome.page.buttons["example"], Qt.LeftButton)
    assert not window.welcome.welcoming and window.docks["examples"].isVisible()
    # the guided lessons come first, then the course's first exercise
    assert window.examples.names()[:2] == [LESSONS_ENTRY, START_HERE]


def every_menu_shortcut(window) -> set[tuple[str, str]]:
    """(text, keys) of every menu action with a shortcut, found by walking the menus."""
    found = set()

    def visit(menu: QMenu) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                visit(action.menu())
            elif not action.shortcut().isEmpty():
                found.add((action.text().replace("&", "").rstrip(".…"), action.shortcut()))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            visit(top.menu())
    return found


def test_the_shortcuts_dialog_lists_every_action_with_a_shortcut(start, qtbot):
    window = start()
    late = QAction("Late helper command", window)  # as a later install adds one
    late.setShortcut(QKeySequence("Ctrl+Alt+J"))
    window.addAction(late)
    menu_action(window, "Help", "Keyboard shortcuts").trigger()
    dialog = window.help_dialog
    assert isinstance(dialog, ShortcutsDialog) and dialog.isVisible()
    table = dialog.table
    rows = {(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())}
    listed = {text for text, _ in rows}
    for text, keys in every_menu_shortcut(window):
        assert text in listed, text
        assert any(
            keys.toString(QKeySequence.NativeText) in shown for t, shown in rows if t == text
        )
    assert ("Late helper command", "Ctrl+Alt+J") in rows
    for text in ("Next step", "Run this pass", "Step back", "Reset", "Undo", "Fit to view"):
        assert text in listed
    keys = {t: shown for t, shown in rows}
    assert keys["Next step"] == "Right" and keys["Step back"] == "Left"
    assert keys["Run this pass"] == "Shift+Right" and keys["Run back"] == "Shift+Left"
    every_owned = [a for a in window.findChildren(QAction) if not a.shortcut().isEmpty()]
    assert len(rows) >= len({id(a) for a in every_owned}) > 20


def test_the_backprop_menu_has_no_blank_rows_and_one_gradient_check(start):
    window = start()
    menu = top_menu(window, "Backprop")
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert all(texts) and texts.count("Gradient check") == 1
    shortcuts = {a.text(): a.shortcut().toString() for a in menu.actions()}
    assert shortcuts["Step back"] == "Left" and shortcuts["Reset"] == "Home"


def test_about_names_the_versions_and_getting_started_the_first_steps(start):
    window = start()
    menu_action(window, "Help", "About GraphLab").trigger()
    text = window.help_dialog.label.text()
    for version in (platform.python_version(), np.__version__):
        assert version in text
    assert "PySide6" in text and "Qt" in text
    menu_action(window, "Help", "Getting started").trigger()
    assert "circuit-add-mul" in window.help_dialog.label.text()


def test_the_welcome_page_takes_no_room_from_the_docks(start):
    window = start()
    area = window.welcome
    assert area.sizeHint().width() <= window.view.sizeHint().width()
    assert area.minimumSizeHint().width() <= max(window.view.minimumSizeHint().width(), 0)
