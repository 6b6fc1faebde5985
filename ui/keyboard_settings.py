"""Settings > Keyboard: every window and canvas action's shortcut, rebindable and kept in
QSettings (``keyboard/<window|canvas>.<name>``), applied when the window opens. A shortcut
that another action already uses is refused with a sentence naming that action."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QKeySequenceEdit,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

PREFIX = "keyboard/"
DEFAULT = "defaultShortcut"


def bindable_actions(window) -> dict[str, QAction]:
    """key -> action: ``window.<name>`` for the window's actions, ``canvas.<name>`` for the
    canvas's (edit, group, tools)."""
    found = {f"window.{n}": a for n, a in window.actions.items()}
    found.update({f"canvas.{n}": a for n, a in window.canvas_actions.items()})
    return found


def apply_saved(window) -> None:
    """Remember each action's default shortcut, then apply the saved ones."""
    settings = QSettings()
    for key, action in bindable_actions(window).items():
        if action.property(DEFAULT) is None:
            action.setProperty(DEFAULT, action.shortcut().toString())
        saved = settings.value(PREFIX + key)
        if saved is not None:
            action.setShortcut(QKeySequence(str(saved)))


def conflict(bindings: dict[str, str], names: dict[str, str]) -> str:
    """'' or a sentence naming two actions given the same shortcut (``bindings``: key ->
    sequence text; ``names``: key -> what the action is called)."""
    seen: dict[str, str] = {}
    for key, sequence in bindings.items():
        if sequence and sequence in seen:
            first, second = names[seen[sequence]], names[key]
            return f"{sequence} is the shortcut of both {first} and {second}; choose another."
        seen[sequence] = key
    return ""


class KeyboardDialog(QDialog):
    """A table of actions with their shortcuts; OK saves and applies them."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.window_, self.actions = window, bindable_actions(window)
        self.table = QTableWidget(len(self.actions), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut"])
        self.table.verticalHeader().hide()
        self.edits: dict[str, QKeySequenceEdit] = {}
        for row, (key, action) in enumerate(
            sorted(self.actions.items(), key=lambda kv: _text(kv[1]))
        ):
            name = QTableWidgetItem(_text(action))
            name.setFlags(Qt.ItemIsEnabled)
            name.setToolTip(key)
            self.table.setItem(row, 0, name)
            edit = QKeySequenceEdit(action.shortcut())
            edit.setClearButtonEnabled(True)
            self.table.setCellWidget(row, 1, edit)
            self.edits[key] = edit
        self.table.resizeColumnsToContents()
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c62828")
        buttons = QDialogButtonBox(
            QDialogButtonBox.Ok | QDialogButtonBox.Cancel | QDialogButtonBox.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.RestoreDefaults).clicked.connect(self.restore_defaults)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(560, 640)

    def bindings(self) -> dict[str, str]:
        return {key: edit.keySequence().toString() for key, edit in self.edits.items()}

    def restore_defaults(self) -> None:
        for key, edit in self.edits.items():
            edit.setKeySequence(QKeySequence(self.actions[key].property(DEFAULT) or ""))

    def accept(self) -> None:
        """Save and apply the shortcuts, unless two actions share one (then say which)."""
        bindings = self.bindings()
        problem = conflict(bindings, {k: _text(a) for k, a in self.actions.items()})
        if problem:
            self.problem.setText(problem)
            return
        settings = QSettings()
        for key, sequence in bindings.items():
            action = self.actions[key]
            if sequence == (action.property(DEFAULT) or ""):
                settings.remove(PREFIX + key)
            else:
                settings.setValue(PREFIX + key, sequence)
            action.setShortcut(QKeySequence(sequence))
        super().accept()


def _text(action: QAction) -> str:
    return action.text().replace("&", "").rstrip(".…")


def install_keyboard_settings(window) -> QAction:
    """The Settings > Keyboard... entry of ``window``; the saved shortcuts applied now."""
    apply_saved(window)
    menu = window.menuBar().addMenu("&Settings")
    action = menu.addAction("&Keyboard...")
    window.guard.trigger(action, lambda: KeyboardDialog(window).exec(), "Keyboard settings")
    window.settings_menu = menu
    return action
