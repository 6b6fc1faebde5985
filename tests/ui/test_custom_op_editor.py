"""The op editor as a person uses it: "New op...", the code pasted, Save and check; the op in the
palette, training, saving and reopening with the trust question answered; and code that
never runs when the answer is no, or when the graph is only drawn."""

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from graphlab.binding import sample_feeds
from graphlab.custom_ops import forget_all, registered
from tests.custom_op_sources import SWISH, WRONG_SWISH, spiral_with
from tests.graphlab.test_custom_op_trust import marker_project
from tests.graphlab.test_custom_ops import train_losses
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401 (fixture)
from ui.canvas_export import export_document_picture
from ui.custom_op import op_folder
from ui.custom_op.editor import fail_colour, pass_colour
from ui.custom_op.trust_dialog import TrustDialog

#: QSettings and the application's data folder (the op folder) under the test's tmp_path
pytestmark = pytest.mark.usefixtures("isolated_settings")


def write_op(qtbot, window, name: str, source: str):
    """Click "New op...", type the name, paste the code, click "Save and check"."""
    qtbot.mouseClick(window.palette_panel.new_op_button, Qt.LeftButton)
    editor = window.custom_ops.editor
    assert editor.isVisible() and "def forward(x, w, *, attrs)" in editor.code.toPlainText()
    editor.name.selectAll()
    qtbot.keyClicks(editor.name, name)
    QApplication.clipboard().setText(source)
    editor.code.setFocus()
    qtbot.keyClick(editor.code, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClick(editor.code, Qt.Key_V, Qt.ControlModifier)
    qtbot.mouseClick(editor.save_button, Qt.LeftButton)
    return editor


def answer_trust(qtbot, run: bool) -> None:
    """Click the trust question's button once it shows."""

    def click():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, TrustDialog), dialog
        assert "def forward" in dialog.code.toPlainText()
        qtbot.mouseClick(dialog.run_button if run else dialog.open_button, Qt.LeftButton)

    QTimer.singleShot(0, click)


def test_swish_from_the_editor_checks_trains_saves_reopens_and_runs(qtbot, tmp_path):
    window = make_window(qtbot)
    editor = write_op(qtbot, window, "swish", SWISH)
    assert editor.verdict.text().startswith("Saved. Every input passes")
    row = editor.results.topLevelItem(0)
    assert (row.text(0), row.text(2)) == ("x", "ok") and float(row.text(1)) < 1e-7
    assert row.foreground(1).color() == pass_colour()
    assert "op:swish" in window.palette_panel.entries()
    assert (op_folder() / "swish.py").read_text() == SWISH
    assert window.doc.custom_ops["swish"].source == SWISH
    np.testing.assert_allclose(
        train_losses(spiral_with("swish")), train_losses(spiral_with("builtin")), atol=1e-5
    )
    window.files.adopt(spiral_with("swish"), None)
    path = tmp_path / "swish-net.graphlab"
    assert window.files._save_to(path)
    forget_all()  # as in a new session: nothing registered, nothing trusted
    answer_trust(qtbot, run=True)
    assert window.files.open_path(path)
    assert registered("swish").runnable
    graph = window.doc.compile()
    values = graph.forward(sample_feeds(window.doc, batch=8))
    assert values["act"].shape == (8, 100) and np.all(np.isfinite(values["act"]))


def test_a_wrong_backward_is_saved_and_shown_in_red(qtbot, tmp_path):
    window = make_window(qtbot)
    editor = write_op(qtbot, window, "swish", WRONG_SWISH)
    row = editor.results.topLevelItem(0)
    assert float(row.text(1)) > 1e-2 and row.text(2) == "FAILS"
    assert row.foreground(1).color() == fail_colour()
    assert (
        "disagrees" in editor.verdict.text() and fail_colour().name() in editor.verdict.styleSheet()
    )
    assert "swish" in window.doc.custom_ops  # saved regardless: the stepper shows the bug
    window.stack.undo()
    assert window.doc.custom_ops == {}


def test_code_that_does_not_read_is_refused_and_changes_nothing(qtbot, tmp_path):
    window = make_window(qtbot)
    editor = write_op(qtbot, window, "broken", "def forward(x, *, attrs):\n    return (\n")
    assert editor.verdict.text().startswith("Not saved: custom op 'broken': line 2")
    assert window.doc.custom_ops == {} and registered("broken") is None
    assert not window.stack.canUndo()


def test_opening_without_running_and_drawing_never_run_the_code(qtbot, tmp_path):
    path, marker = marker_project(tmp_path)
    window = make_window(qtbot)
    answer_trust(qtbot, run=False)
    assert window.files.open_path(path)
    assert window.doc.analysis().shapes["m"] == (2, 3)  # the placeholder keeps its shape
    assert not registered("marked").runnable
    export_document_picture(window.doc, tmp_path / "thumb.png", "png")
    assert (tmp_path / "thumb.png").stat().st_size > 0
    assert not marker.exists()


def test_the_stepper_shows_the_ops_code_and_its_errors(qtbot):
    window = make_window(qtbot)
    write_op(qtbot, window, "swish", SWISH)
    window.files.adopt(spiral_with("swish"), None)
    model = window.stepper.model
    while model.current is None or model.current.node != "act":
        model.step_forward()
    lines = window.stepper.panel.displayed_lines()
    assert "def forward(x, *, attrs):" in lines and any("cupy.asnumpy" in t for t in lines)
    assert (
        write_op(qtbot, window, "swish", SWISH)
        .verdict.text()
        .startswith("Not saved: an op named 'swish' exists; change it with Edit op > swish")
    )
    window.custom_ops.edit_menu.aboutToShow.emit()
    (edit,) = [a for a in window.custom_ops.edit_menu.actions() if a.text() == "swish"]
    edit.trigger()
    editor = window.custom_ops.editor
    assert editor.name.isReadOnly() and editor.code.toPlainText() == SWISH
    editor.code.setPlainText(SWISH.replace("return x * s, (x, s)", "return x * t, (x, s)"))
    qtbot.mouseClick(editor.save_button, Qt.LeftButton)
    assert "NameError: name 't' is not defined (line 10: return x * t, (x, s))" in editor.verdict.text()  # fmt: skip
    model.step_forward()
    assert "line 10: return x * t, (x, s)" in model.error
    assert window.doc.analysis().problems["act"].endswith("(line 10: return x * t, (x, s))")
