"""A custom op whose forward never returns, as a student meets it in the window: Save and check
comes back with the sentence, Run forward shows it and changes nothing, Stop ends a training
run; the window answers afterwards each time. The limit is shortened to keep the tests fast."""

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from graphlab.custom_ops import time_limit
from graphlab.fileformat import document_bytes
from graphlab.training import worker
from tests.custom_op_sources import SPIN, SPIN_LINES, spiral_with
from tests.ui.test_custom_op_editor import write_op
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401 (fixture)
from ui.commands import SetLabel
from ui.stepper import model
from ui.training import show_dashboard

SAID = "custom op 'spin': forward ran over 0.3 s and was stopped (an endless loop?) "


@pytest.fixture
def window(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    """The window with the op "spin" saved from the editor (limit 0.3 s, Stop interrupts op code
    after 0.2 s)."""
    monkeypatch.setattr(time_limit, "SECONDS", 0.3)
    monkeypatch.setattr(worker, "INTERRUPT_AFTER", 0.2)
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "two-layer-net-spiral")
    write_op(qtbot, window, "spin", SPIN)
    yield window
    if getattr(window, "training", None) is not None:
        window.training.shutdown()


def answers(qtbot) -> None:
    """The event loop runs: a queued call comes through."""
    came = []
    QTimer.singleShot(0, lambda: came.append(True))
    qtbot.waitUntil(lambda: came == [True], timeout=2000)


def said_with_line(text: str) -> bool:
    return SAID in text and any(text.endswith(line) for line in SPIN_LINES)


def test_save_and_check_comes_back_with_the_sentence(window, qtbot):
    editor = window.custom_ops.editor
    verdict = editor.verdict.text()
    assert verdict.startswith("Saved, but the check could not run: " + SAID)
    assert said_with_line(verdict)
    assert "spin" in window.doc.custom_ops
    answers(qtbot)
    qtbot.keyClicks(editor.code, "# still typing")
    assert editor.code.toPlainText().endswith("# still typing")
    qtbot.mouseClick(editor.save_button, Qt.LeftButton)  # and again: it comes back again
    assert said_with_line(editor.verdict.text())


def test_run_forward_shows_the_sentence_and_changes_nothing(window, qtbot):
    window.files.adopt(spiral_with("spin"), None)
    doc, stack = window.doc, window.stack
    before, undo = document_bytes(doc), (stack.count(), stack.index())
    toolbar = window.stepper.toolbar
    button = toolbar.widgetForAction(toolbar.actions_by_name["run_forward"])
    qtbot.mouseClick(button, Qt.LeftButton)
    assert said_with_line(window.statusBar().currentMessage())
    assert window.docks["problems"].isVisible()
    assert document_bytes(doc) == before and (stack.count(), stack.index()) == undo
    answers(qtbot)


def test_stop_ends_a_training_run_whose_op_never_returns(window, qtbot):
    window.files.adopt(spiral_with("spin"), None)
    initial = window.doc.compile(seed=0).params  # what the run starts from
    show_dashboard(window)
    dashboard, panel = window.training, window.training.panel
    panel.epochs.setValue(100)
    qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    assert dashboard.running
    qtbot.wait(500)
    stopped = time.perf_counter()
    qtbot.mouseClick(panel.stop_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.running, timeout=5000)
    assert time.perf_counter() - stopped < 3.0
    message = panel.message.text()
    assert "custom op 'spin': forward was still running when training was stopped" in message
    assert message.endswith(SPIN_LINES) and panel.message.isVisible()
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    assert set(window.doc.params) == set(initial)
    for key, value in initial.items():
        np.testing.assert_array_equal(window.doc.params[key], value)
    answers(qtbot)


def test_a_slow_failure_is_said_again_not_run_again_until_the_graph_changes(
    window, qtbot, monkeypatch
):  # noqa: E501
    """Each press of Forward step would wait out the limit again; the stepper says the
    sentence again at once until Reset or a change to the document."""
    monkeypatch.setattr(model, "SLOW_FAILURE", 0.1)
    window.files.adopt(spiral_with("spin"), None)
    compiled = []
    original = window.doc.compile
    monkeypatch.setattr(
        window.doc, "compile", lambda *a, **k: compiled.append(1) or original(*a, **k)
    )
    messages = []
    window.stepper.model.failed.connect(messages.append)
    step = window.stepper.toolbar.actions_by_name["step_forward"]
    step.trigger()
    assert compiled == [1] and said_with_line(messages[-1])
    started = time.perf_counter()
    step.trigger()
    assert compiled == [1] and len(messages) == 2 and said_with_line(messages[-1])
    assert time.perf_counter() - started < 0.2
    window.stepper.toolbar.actions_by_name["reset"].trigger()  # Reset tries again
    assert compiled == [1, 1]
    window.stack.push(SetLabel(window.doc, "fc1", "hidden"))  # so does any change
    step.trigger()
    assert compiled == [1, 1, 1]
