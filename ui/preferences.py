"""Edit > Preferences: the settings a user may want to change, kept in QSettings.

The memory limit is the budget every loader checks before it allocates
(:mod:`graphlab.budget`, the window's face of ``graphlab --memory-limit``); the undo limit
bounds the undo history. Both apply at once and at every start.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMenu,
    QSpinBox,
    QWidget,
)

from graphlab import budget
from graphlab.budget import default_limit, human

#: QSettings key of the memory limit in MiB (absent or 0: the default)
MEMORY_LIMIT_KEY = "memoryLimitMiB"
MIB = 2**20
#: undo steps kept (QSettings key and default): older steps are dropped, bounding memory
UNDO_LIMIT_KEY, UNDO_LIMIT = "undoLimit", 500


def undo_limit() -> int:
    """The undo history's length from the settings (default UNDO_LIMIT, at least 1)."""
    try:
        return max(1, int(QSettings().value(UNDO_LIMIT_KEY, UNDO_LIMIT)))
    except (TypeError, ValueError):
        return UNDO_LIMIT


def stored_memory_limit_mib() -> int:
    """The memory limit the user set, in MiB (0: the default, a quarter of physical memory)."""
    try:
        return max(0, int(QSettings().value(MEMORY_LIMIT_KEY, 0)))
    except (TypeError, ValueError):
        return 0


def apply_stored_memory_limit() -> None:
    """Make the stored memory limit the loaders' budget (called before any file is read),
    unless ``graphlab open --memory-limit`` already set one for this run."""
    mib = stored_memory_limit_mib()
    if mib and not budget.limit_is_set():
        budget.set_memory_limit(mib * MIB)


class PreferencesDialog(QDialog):
    """The memory limit (MiB, 0 for the default) and the undo limit (steps)."""

    def __init__(self, parent: QWidget | None, undo_steps: int):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        form = QFormLayout(self)
        self.memory = QSpinBox(minimum=0, maximum=2**24, singleStep=256, suffix=" MiB")
        self.memory.setSpecialValueText(f"default ({human(default_limit())})")
        self.memory.setValue(stored_memory_limit_mib())
        self.memory.setToolTip(
            "The most memory any one file (project, dataset, model) may make when it is read; "
            "a file that declares more is refused with a message naming it."
        )
        form.addRow("Memory limit per file:", self.memory)
        self.undo = QSpinBox(minimum=1, maximum=100_000, value=undo_steps, suffix=" steps")
        form.addRow("Undo history:", self.undo)
        note = QLabel("Both apply at once and are remembered.")
        note.setEnabled(False)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


def install_preferences(window, menu: QMenu) -> QAction:
    """Add Preferences... (Ctrl+,) to ``menu``; accepting the dialog stores and applies it."""

    def store(dialog: PreferencesDialog) -> None:
        settings = QSettings()
        settings.setValue(MEMORY_LIMIT_KEY, dialog.memory.value())
        settings.setValue(UNDO_LIMIT_KEY, dialog.undo.value())
        mib = dialog.memory.value()
        budget.set_memory_limit(mib * MIB if mib else None)
        if window.stack.count() == 0:  # Qt refuses a new limit on a non-empty stack
            window.stack.setUndoLimit(dialog.undo.value())
            window.statusBar().showMessage("Preferences saved.", 5000)
        else:
            window.statusBar().showMessage(
                "Preferences saved; the new undo limit applies from the next start.", 8000
            )

    def edit() -> None:
        dialog = PreferencesDialog(window, window.stack.undoLimit())
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.accepted.connect(window.guard.slot("Preferences", lambda: store(dialog)))
        dialog.open()  # window-modal, without blocking the event loop

    action = QAction("&Preferences...", window)
    action.setShortcut(QKeySequence("Ctrl+,"))
    window.guard.trigger(action, edit, "Preferences")
    window.addAction(action)
    menu.addSeparator()
    menu.addAction(action)
    return action
