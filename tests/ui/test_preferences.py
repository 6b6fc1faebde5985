"""Edit > Preferences: the memory limit every loader checks, and the undo limit, set in the
window, applied at once and at the next start."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from graphlab import budget
from graphlab.fileformat import VERSION, document_from_dict, save_document
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.preferences import MEMORY_LIMIT_KEY, UNDO_LIMIT_KEY, PreferencesDialog

pytestmark = pytest.mark.usefixtures("isolated_settings")


@pytest.fixture(autouse=True)
def default_budget():
    budget.set_memory_limit(None)
    yield
    budget.set_memory_limit(None)


def answer_preferences(window, memory_mib: int, undo_steps: int) -> None:
    """Open Edit > Preferences, fill it in and press OK."""
    dialog = open_preferences(window)
    dialog.memory.setValue(memory_mib)
    dialog.undo.setValue(undo_steps)
    dialog.accept()


def open_preferences(window) -> PreferencesDialog:
    window.actions["preferences"].trigger()
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, PreferencesDialog) and dialog.isVisible()
    return dialog


def test_the_memory_limit_set_in_the_window_refuses_a_larger_file(qtbot, tmp_path):
    window = make_window(qtbot)
    big = tmp_path / "big.graphlab"
    W = {"id": "W", "op": "parameter", "attrs": {"shape": [1024, 512]}}
    doc = document_from_dict({"format": "graphlab", "version": VERSION, "nodes": [W], "edges": []})
    doc.set_params({"W": np.full((1024, 512), 0.5, np.float32)})  # 2 MiB
    save_document(doc, big)

    answer_preferences(window, memory_mib=1, undo_steps=42)
    assert budget.memory_limit() == 2**20
    assert QSettings().value(MEMORY_LIMIT_KEY) in (1, "1")
    assert window.stack.undoLimit() == 42  # nothing was undoable yet

    shown = []
    QTimer.singleShot(0, lambda: shown.append(QApplication.activeModalWidget().text()))
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().accept())
    assert not window.files.open_path(big)
    assert "1.0 MiB" in shown[0] and "big.graphlab" in shown[0]


def test_the_stored_limits_apply_at_the_next_start(qtbot, tmp_path):
    QSettings().setValue(MEMORY_LIMIT_KEY, 300)
    QSettings().setValue(UNDO_LIMIT_KEY, 7)
    window = make_window(qtbot)
    assert budget.memory_limit() == 300 * 2**20
    assert window.stack.undoLimit() == 7


def test_a_command_line_limit_wins_over_the_stored_one(qtbot, tmp_path):
    QSettings().setValue(MEMORY_LIMIT_KEY, 300)
    budget.set_memory_limit(5 * 2**20)  # as graphlab open --memory-limit 5M does
    make_window(qtbot)
    assert budget.memory_limit() == 5 * 2**20


def test_zero_means_the_default_and_cancel_changes_nothing(qtbot, tmp_path):
    window = make_window(qtbot)
    answer_preferences(window, memory_mib=0, undo_steps=500)
    assert not budget.limit_is_set()
    assert budget.memory_limit() == budget.default_limit()
    open_preferences(window).reject()
    assert QSettings().value(MEMORY_LIMIT_KEY) in (0, "0")
