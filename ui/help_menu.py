"""The Help menu: Keyboard shortcuts (a table generated from the window's actions, so an
action added later appears by itself), Getting started, and About (versions)."""

from __future__ import annotations

import platform
from importlib import metadata

import numpy as np
import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

GETTING_STARTED = """<h2>Getting started</h2>
<ol>
<li><b>Open the first circuit</b>: File &gt; Examples &gt; circuit-add-mul (marked "start
here" in the Examples gallery), f = (x + y) z.</li>
<li><b>Run forward</b> (Shift+Right), then <b>Run backward</b> (Shift+Right again): green
numbers are values, red ones gradients. Right steps one node on, Left one node back,
Shift+Left runs back to the start of the pass, Home resets. The Explanation panel shows each
node's rule with its numbers.</li>
<li><b>Click a node</b>: the Inspector shows its value and gradient; an input's value is typed
there.</li>
<li><b>Build your own</b>: File &gt; New, drag ops from the Palette onto the canvas, drag
from an output dot (right) to an input dot (left) to wire, double-click a node to name it.</li>
<li><b>Train</b> a network from the examples (two-layer-net-spiral, cnn-digits) in the
Training dashboard.</li>
</ol>
<p>Help &gt; Keyboard shortcuts lists every shortcut.</p>"""


def versions() -> dict[str, str]:
    """The versions About shows: GraphLab, Python, Qt, PySide6, numpy."""
    try:
        graphlab = metadata.version("graphlab")
    except metadata.PackageNotFoundError:
        graphlab = "development copy"
    return {
        "GraphLab": graphlab,
        "Python": platform.python_version(),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
        "numpy": np.__version__,
    }


def _menu_paths(window) -> dict[int, str]:
    """id(action) -> the menu path it is in ("Edit", "Backprop"), through submenus."""
    paths: dict[int, str] = {}

    def visit(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                visit(action.menu(), f"{path} > {action.menu().title().replace('&', '')}")
            else:
                paths.setdefault(id(action), path)

    for top in window.menuBar().actions():
        if top.menu() is not None:
            visit(top.menu(), top.menu().title().replace("&", ""))
    return paths


def shortcut_rows(window) -> list[tuple[str, str, str]]:
    """(command, shortcuts, menu) of every action of ``window`` that has a shortcut: those in
    its menus and every QAction it owns, found when asked (none listed by hand)."""
    paths = _menu_paths(window)
    rows, seen = [], set()
    for action in window.findChildren(QAction):
        keys = [k for k in action.shortcuts() if not k.isEmpty()]
        if not keys or id(action) in seen:
            continue
        seen.add(id(action))
        text = action.text().replace("&", "").rstrip(".…") or action.toolTip()
        shown = ", ".join(k.toString(QKeySequence.NativeText) for k in keys)
        rows.append((text, shown, paths.get(id(action), "")))
    return sorted(rows, key=lambda row: (row[2] or "~", row[0]))


class ShortcutsDialog(QDialog):
    """A table of every shortcut of ``window``: command, keys, menu."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(window)
        self.table = QTableWidget(len(self.rows), 3)
        self.table.setHorizontalHeaderLabels(["Command", "Shortcut", "Menu"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        for row, cells in enumerate(self.rows):
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 520)


def text_dialog(window: QWidget, title: str, html: str) -> QDialog:
    """A dialog with rich text and a Close button."""
    dialog = QDialog(window)
    dialog.setWindowTitle(title)
    label = QLabel(html, wordWrap=True, textFormat=Qt.RichText)
    label.setOpenExternalLinks(False)
    buttons = QDialogButtonBox(QDialogButtonBox.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(label)
    layout.addWidget(buttons)
    dialog.label = label
    dialog.resize(520, 0)
    return dialog


def about_html() -> str:
    rows = "".join(f"<tr><td>{name}</td><td>{v}</td></tr>" for name, v in versions().items())
    return (
        "<h2>GraphLab</h2><p>Build, step through and train computational graphs along "
        f"CS231n.</p><table cellspacing='6'>{rows}</table>"
    )


def install_help(window) -> QMenu:
    """Add the Help menu to ``window`` (``window.help_menu``); its dialogs open non-modal and
    are kept as ``window.help_dialog`` (the latest)."""
    menu = window.menuBar().addMenu("&Help")

    def show(make) -> None:
        window.help_dialog = make()
        window.help_dialog.setAttribute(Qt.WA_DeleteOnClose)
        window.help_dialog.show()

    for text, keys, make in (
        ("&Keyboard shortcuts", ["F1", "Ctrl+/"], lambda: ShortcutsDialog(window)),
        ("&Getting started", [], lambda: text_dialog(window, "Getting started", GETTING_STARTED)),
        ("&About GraphLab", [], lambda: text_dialog(window, "About GraphLab", about_html())),
    ):
        action = menu.addAction(text)
        action.setShortcuts([QKeySequence(k) for k in keys])
        window.guard.trigger(action, lambda m=make: show(m))
    window.help_menu = menu
    return menu
