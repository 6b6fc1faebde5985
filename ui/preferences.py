"""Edit > Preferences: the settings a user may want to change, kept in QSettings.

The memory limit is the budget every loader checks before it allocates
(:mod:`graphlab.budget`, the window's face of ``graphlab --memory-limit``); the undo limit
bounds the undo history. Both apply at once and at every start. The runs folder's budget
(:mod:`graphlab.training.runs_folder`) applies at once and whenever a run starts
(:func:`new_run_metrics_path`); the dialog shows the folder, its size and opens it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QWidget,
)

from graphlab import budget
from graphlab.budget import default_limit, human
from graphlab.training.runs import saved_runs
from graphlab.training.runs_folder import list_runs, prune, runs_folder

#: QSettings key of the memory limit in MiB (absent or 0: the default)
MEMORY_LIMIT_KEY = "memoryLimitMiB"
MIB = 2**20
#: undo steps kept (QSettings key and default): older steps are dropped, bounding memory
UNDO_LIMIT_KEY, UNDO_LIMIT = "undoLimit", 500
#: the runs folder's budget in MiB (QSettings key and default; 0: no limit)
RUNS_BUDGET_KEY, RUNS_BUDGET_MIB = "runsBudgetMiB", 2048


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


def stored_runs_budget_mib() -> int:
    """The runs folder's budget in MiB (default RUNS_BUDGET_MIB; 0: no limit)."""
    try:
        return max(0, int(QSettings().value(RUNS_BUDGET_KEY, RUNS_BUDGET_MIB)))
    except (TypeError, ValueError):
        return RUNS_BUDGET_MIB


def prune_runs_folder(dashboard) -> None:
    """Prune the runs folder to the stored budget, never the runs of ``dashboard``'s document,
    the ones it kept apart or the one it shows (training or not); what went is said in the
    window's status bar."""
    mib = stored_runs_budget_mib()
    if not mib:
        return
    records = [*saved_runs(dashboard.doc.training), *dashboard.kept_runs, dashboard.record]
    pruned = prune(mib * MIB, [p for r in records for p in (r.metrics, r.snapshots)])
    if pruned.removed:
        dashboard.window.statusBar().showMessage(pruned.summary(mib * MIB), 15000)


def new_run_metrics_path(dashboard) -> Path | None:
    """The metrics path of the run ``dashboard`` starts, after :func:`prune_runs_folder`."""
    from graphlab.training.session import new_metrics_path

    prune_runs_folder(dashboard)
    return new_metrics_path()


def runs_folder_text() -> str:
    """The runs folder's path, its size and run count, for the dialog."""
    runs = list_runs()
    size = human(sum(r.size for r in runs))
    return f"{runs_folder()}\n{size} in {len(runs)} run{'' if len(runs) == 1 else 's'}"


def apply_stored_memory_limit() -> None:
    """Make the stored memory limit the loaders' budget (called before any file is read),
    unless ``graphlab open --memory-limit`` already set one for this run."""
    mib = stored_memory_limit_mib()
    if mib and not budget.limit_is_set():
        budget.set_memory_limit(mib * MIB)


class PreferencesDialog(QDialog):
    """The memory limit (MiB, 0 for the default), the undo limit (steps) and the runs
    folder's budget (MiB, 0 for none) with the folder's path, size and an Open button."""

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
        self.runs = QSpinBox(minimum=0, maximum=2**24, singleStep=256, suffix=" MiB")
        self.runs.setSpecialValueText("no limit")
        self.runs.setValue(stored_runs_budget_mib())
        self.runs.setToolTip(
            "Now and when a run starts, the oldest runs' snapshot stores (replay), then metrics "
            "files (zoom into the loss curve), are removed until the runs folder fits; the open "
            "project's runs are kept."
        )
        form.addRow("Runs folder budget:", self.runs)
        self.folder = QLabel(runs_folder_text())
        self.folder.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.open_folder = QPushButton("Open runs folder")
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.open_folder)
        form.addRow("Runs folder:", row)
        note = QLabel("They apply at once and are remembered.")
        note.setEnabled(False)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


def open_runs_folder() -> None:
    """Show the runs folder in the desktop's file manager (made first if need be)."""
    folder = runs_folder()
    folder.mkdir(parents=True, exist_ok=True)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def install_preferences(window, menu: QMenu) -> QAction:
    """Add Preferences... (Ctrl+,) to ``menu``; accepting the dialog stores and applies it."""

    def store(dialog: PreferencesDialog) -> None:
        settings = QSettings()
        settings.setValue(MEMORY_LIMIT_KEY, dialog.memory.value())
        settings.setValue(UNDO_LIMIT_KEY, dialog.undo.value())
        settings.setValue(RUNS_BUDGET_KEY, dialog.runs.value())
        mib = dialog.memory.value()
        budget.set_memory_limit(mib * MIB if mib else None)
        if window.stack.count() == 0:  # Qt refuses a new limit on a non-empty stack
            window.stack.setUndoLimit(dialog.undo.value())
            window.statusBar().showMessage("Preferences saved.", 5000)
        else:
            window.statusBar().showMessage(
                "Preferences saved; the new undo limit applies from the next start.", 8000
            )
        prune_runs_folder(window.training)  # its message, if any, replaces the one above

    def edit() -> None:
        dialog = PreferencesDialog(window, window.stack.undoLimit())
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.accepted.connect(window.guard.slot("Preferences", lambda: store(dialog)))
        dialog.open_folder.clicked.connect(window.guard.slot("Open runs folder", open_runs_folder))
        dialog.open()  # window-modal, without blocking the event loop

    action = QAction("&Preferences...", window)
    action.setShortcut(QKeySequence("Ctrl+,"))
    window.guard.trigger(action, edit, "Preferences")
    window.addAction(action)
    menu.addSeparator()
    menu.addAction(action)
    return action
