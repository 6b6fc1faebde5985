"""Replay in the window: clicking the loss curve puts the graph in that training step."""

import os

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from graphlab.replay import replay_step
from tests.ui.test_main_window import isolated_settings  # noqa: F401
from tests.ui.test_training_dashboard import window  # noqa: F401


@pytest.fixture
def trained(window, qtbot):  # noqa: F811
    """The window on cnn-digits after one epoch trained from the dashboard."""
    window.resize(1280, 800)  # as large as the docks' minimum sizes allow
    dashboard = window.training
    dashboard.panel.epochs.setValue(1)
    qtbot.mouseClick(dashboard.panel.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.running, timeout=60_000)
    return window


def click_step(qtbot, plot, step: int) -> None:
    """A left click on the loss plot at x = ``step``, halfway up the view."""
    box = plot.getViewBox()
    (_, _), (low, high) = box.viewRange()
    scene = box.mapViewToScene(QPointF(step, (low + high) / 2))
    point = plot.mapFromScene(scene)
    qtbot.mouseClick(plot.viewport(), Qt.LeftButton, pos=point)


def wait_replayed(qtbot, replay, step: int) -> None:
    qtbot.waitUntil(
        lambda: replay.current is not None and replay.current.step == step, timeout=30_000
    )


def test_clicking_the_loss_curve_puts_the_graph_in_that_step(trained, qtbot):
    win, replay = trained, trained.replay
    click_step(qtbot, win.training.live.loss, 7)
    wait_replayed(qtbot, replay, 7)
    model = win.stepper.model
    assert model.replayed is replay.current and model.position == len(model.events)
    # the graph's values and gradients are the replay's (computed afresh here)
    expected = replay_step(win.doc, win.training.record, 7)
    forward = {e.node: e.output for e in model.events if e.phase == "forward"}
    for nid, value in expected.graph.values.items():
        np.testing.assert_array_equal(forward[nid], value, err_msg=nid)
    for nid, grad in expected.graph.grads.items():
        np.testing.assert_array_equal(model.graph.grads[nid], grad, err_msg=nid)
    assert float(forward["loss"]) == expected.loss
    shown = win.stepper.overlay.visible_texts()
    assert shown, "the value labels show the step"
    assert win.stepper.training.norms == pytest.approx(expected.grad_norms())
    # the stepper walks the step: back to the loss's forward event, explained with its value
    model.jump(model.forward_count)
    explanation = win.stepper.panel.explanation
    assert explanation.node == "loss" and explanation.phase == "forward"
    assert win.stepper.panel.displayed_lines()
    table = replay.panel.table
    assert table.rowCount() == len(expected.grad_norms())
    assert f"loss {expected.loss:.6g}" in replay.panel.status.text()
    if os.environ.get("GRAPHLAB_SCREENSHOTS"):
        win.grab().save(os.path.join(os.environ["GRAPHLAB_SCREENSHOTS"], "replay.png"))


def test_a_pinned_step_shows_the_change_in_gradient_norm_and_back_to_now_returns(trained, qtbot):
    win, replay = trained, trained.replay
    panel = replay.panel
    panel.step_box.setValue(3)
    qtbot.mouseClick(panel.go, Qt.LeftButton)
    wait_replayed(qtbot, replay, 3)
    qtbot.mouseClick(panel.pin, Qt.LeftButton)
    panel.step_box.setValue(18)
    qtbot.mouseClick(panel.go, Qt.LeftButton)
    wait_replayed(qtbot, replay, 18)
    rows = {panel.table.item(r, 0).text(): r for r in range(panel.table.rowCount())}
    before, now = replay.pinned.grad_norms()["fc_W"], replay.current.grad_norms()["fc_W"]
    assert panel.table.item(rows["fc_W"], 2).text() == f"{before:.4g}"
    assert panel.table.item(rows["fc_W"], 3).text() != ""
    panel.table.selectRow(rows["relu1"])
    assert "relu1: value" in panel.histogram.getPlotItem().titleLabel.text
    assert len(panel.histogram.getPlotItem().listDataItems()) == 2  # value and gradient
    assert before != now
    qtbot.mouseClick(panel.back, Qt.LeftButton)
    model = win.stepper.model
    assert model.replayed is None and replay.current is None and model.position == 0
    assert not panel.pin.isEnabled()


def test_replay_refuses_a_step_outside_the_run_in_one_sentence(trained, qtbot):
    replay = trained.replay
    replay.go_to(10_000)
    qtbot.waitUntil(lambda: not replay.watcher.running, timeout=30_000)
    assert "step 10000 is not in this run" in replay.panel.status.text()
    assert replay.current is None
