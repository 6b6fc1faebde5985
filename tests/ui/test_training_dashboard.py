"""The training dashboard driven from its panel: live plots, Pause/Resume/Stop, the event
loop's latency while training, and the device choice."""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from engine.backend import cuda_unavailable_reason, to_numpy
from graphlab.training.worker import TrainingWorker
from tests.engine.standin import is_standin
from tests.engine.test_standin_backend import DEVICE, XP
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.training import show_dashboard

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    """The window on cnn-digits with the training dock shown; closing discards changes."""

    def fail(parent, title, text):
        raise AssertionError(f"{title}: {text}")

    monkeypatch.setattr(QMessageBox, "critical", fail)
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "cnn-digits")
    show_dashboard(window)
    yield window
    window.training.shutdown()


def wait_finished(qtbot, dashboard, timeout=60_000):
    qtbot.waitUntil(lambda: not dashboard.running, timeout=timeout)


def test_one_epoch_from_the_panel_fills_the_live_plots(window, qtbot):
    dashboard = window.training
    live = dashboard.live
    dashboard.panel.epochs.setValue(1)
    dashboard.panel.batch_size.setValue(4)  # 315 steps: the epoch lasts several redraws
    points, filters = [], []
    show_weights = live.filters.show_weights

    def record_filters(weights, name=""):
        show_weights(weights, name)
        if weights is not None:
            filters.append((live.filters.count, np.array(weights)))

    live.filters.show_weights = record_filters
    tick = QTimer()
    tick.timeout.connect(lambda: points.append(live.loss.point_count))
    tick.start(20)
    qtbot.mouseClick(dashboard.panel.start_button, Qt.LeftButton)
    assert dashboard.running
    wait_finished(qtbot, dashboard)
    tick.stop()
    steps_per_epoch = -(-len(dashboard.run.trainer.X) // 4)
    assert live.loss.point_count == steps_per_epoch
    growth = [n for n in points if 0 < n < steps_per_epoch]
    assert growth, "the loss plot only showed the finished run"
    assert len(filters) >= 2 and all(count == 16 for count, _ in filters)
    assert not np.array_equal(filters[0][1], filters[-1][1])  # the filters were learning
    record = dashboard.record
    x, y = live.accuracy.val.getData()
    assert list(x) == [1.0] and y[0] == pytest.approx(record.latest["val_acc"])
    assert 0.5 < record.latest["val_acc"] <= 1.0
    assert dashboard.panel.progress.value() == steps_per_epoch


def test_each_tick_redraws_one_group_of_plots_and_the_end_shows_everything(window, qtbot):
    dashboard, live = window.training, window.training.live
    calls: list[str] = []
    for name in ("update_steps", "update_epochs", "update_ratios", "add_histograms"):
        method = getattr(live, name)
        setattr(live, name, lambda *a, m=method, n=name: calls.append(n) or m(*a))
    update_images = live.update_images
    live.update_images = lambda *a: calls.append("update_images") or update_images(*a)
    ticks: list[list[str]] = []
    refresh = dashboard.refresh

    def counted():
        calls.clear()
        refresh()
        ticks.append(list(calls))

    dashboard.timer.timeout.disconnect()
    dashboard.timer.timeout.connect(counted)
    assert dashboard.start_training(30)  # a second or two: many ticks
    wait_finished(qtbot, dashboard)
    running = ticks[:-1]  # the last tick (the run ended) draws whatever is new
    together = {"update_ratios": "update_epochs"}  # one group
    assert all(len({together.get(c, c) for c in tick}) <= 1 for tick in running)
    kinds = {"update_steps", "update_epochs", "update_ratios", "add_histograms", "update_images"}
    assert {c for tick in running for c in tick} == kinds  # every plot was live
    record = dashboard.record
    assert live.loss.point_count == record.steps == 30 * 20  # nothing left undrawn
    assert list(live.accuracy.val.getData()[0]) == list(range(1, 31)) and record.epochs == 30


@pytest.mark.parametrize("in_process", [True, False], ids=["process", "thread"])
def test_pause_resume_and_stop(window, qtbot, monkeypatch, in_process):
    """Both workers: the forked process (Linux, CPU) and the thread (CUDA, other systems)."""
    monkeypatch.setattr("ui.training.dashboard.use_process", lambda device: in_process)
    dashboard, panel = window.training, window.training.panel
    panel.epochs.setValue(200)
    assert dashboard.start_training()
    trainer = dashboard.run.trainer

    def steps():  # as the dashboard shows them (the trainer may run in another process)
        return dashboard.record.last_step

    qtbot.waitUntil(lambda: steps() >= 3, timeout=20_000)
    qtbot.mouseClick(panel.pause_button, Qt.LeftButton)
    assert panel.pause_button.text() == "Resume"
    qtbot.wait(300)  # at most the step under way finishes
    held = steps()
    qtbot.wait(500)
    assert steps() == held
    qtbot.mouseClick(panel.pause_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: steps() > held + 2, timeout=20_000)
    worker = dashboard.worker
    started = time.perf_counter()
    qtbot.mouseClick(panel.stop_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=1000)
    assert time.perf_counter() - started < 1.0
    wait_finished(qtbot, dashboard, timeout=1000)
    graph = dashboard.run.graph
    for key, value in graph.params.items():
        np.testing.assert_array_equal(window.doc.params[key], to_numpy(value))
    assert window.doc.training["progress"]["step"] == trainer.step == steps()
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    assert window.windowTitle().startswith("cnn-digits*")  # trained values are unsaved


def test_reset_parameters_gives_fresh_initial_values(window, qtbot):
    dashboard = window.training
    initial = {k: v.copy() for k, v in window.doc.compile(seed=0).params.items()}
    assert dashboard.start_training(epochs=1)
    qtbot.waitUntil(lambda: not dashboard.running, timeout=60_000)
    assert not np.array_equal(window.doc.params["conv1_W"], initial["conv1_W"])
    assert window.doc.training["progress"]["step"] > 0
    qtbot.mouseClick(dashboard.panel.reset_button, Qt.LeftButton)
    fresh = window.doc.compile(seed=dashboard.run.settings["seed"]).params
    for key, value in fresh.items():
        np.testing.assert_array_equal(window.doc.params[key], value)
    assert "progress" not in window.doc.training


RESPONSIVE = """
import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox
application = QApplication([])
QCoreApplication.setOrganizationName("GraphLabTest")
QMessageBox.warning = staticmethod(lambda *args: QMessageBox.Discard)
from ui.app import open_window
from ui.latency import Heartbeat
from ui.training import show_dashboard
window = open_window("cnn-digits", theme="light")
window.show()
show_dashboard(window)
dashboard = window.training
dashboard.panel.epochs.setValue(30)  # 600 steps: one to a few seconds
heartbeat = Heartbeat()
assert dashboard.start_training()
heartbeat.start()
while dashboard.running:
    application.processEvents()
heartbeat.stop()
window.files.stack.setClean()
print(len(heartbeat.gaps), float(np.percentile(heartbeat.gaps, 99)))
"""


def test_the_event_loop_stays_responsive_while_training(tmp_path):
    """In a fresh process, as a user runs the app: after the rest of the UI suite the same run
    in this process showed gaps of 60-70 ms (it passed alone), from what earlier tests leave
    in the process rather than from the window."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "QT_QPA_PLATFORM": "offscreen"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", RESPONSIVE], capture_output=True, text=True,
                          env=env, timeout=120, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    count, p99 = done.stdout.split()[-2:]
    assert int(count) > 100
    assert float(p99) < 0.050, f"99th-percentile gap {float(p99) * 1000:.1f} ms"


def test_training_on_a_gpu_array_module_runs_in_the_window(window, qtbot, monkeypatch):
    """The app's path for CUDA, with the stand-in array module in cupy's place: the thread
    worker trains the graph on the device's arrays (fused CUDA stages aside, which need cupy),
    the plots fill, and the trained values come back to the document as numpy."""
    monkeypatch.setattr(type(window.training.panel), "device_name", property(lambda p: DEVICE))
    dashboard = window.training
    dashboard.panel.epochs.setValue(1)
    assert dashboard.start_training()
    assert isinstance(dashboard.worker, TrainingWorker)
    graph = dashboard.run.graph
    assert graph.xp is XP and all(is_standin(v) for v in graph.params.values())
    wait_finished(qtbot, dashboard)
    assert (
        dashboard.record.steps == dashboard.record.last_step == dashboard.last_session.total_steps
    )
    assert dashboard.run.trainer.plan is not None, dashboard.run.trainer.plan_reason
    for key, value in graph.params.items():
        assert isinstance(window.doc.params[key], np.ndarray)
        np.testing.assert_array_equal(window.doc.params[key], to_numpy(value))
    assert dashboard.record.settings["device"] == DEVICE


def test_choosing_cuda_without_a_gpu_says_why_and_keeps_the_cpu(window):
    panel = window.training.panel
    cuda = panel.device.findData("cuda")
    panel.device.setCurrentIndex(cuda)
    panel.device.activated.emit(cuda)
    reason = cuda_unavailable_reason()
    if reason is None:  # a machine with a working GPU lists it and keeps the choice
        assert panel.device_name == "cuda" and "GiB" in panel.device.itemText(cuda)
        return
    assert panel.device_name == "cpu"
    assert panel.message.text() == reason
    assert reason.endswith(".") and reason.count(". ") == 0  # one sentence
    assert panel.device.itemText(cuda) == "CUDA (not available)"


def test_bad_settings_and_bad_data_are_messages_not_crashes(window, qtbot):
    dashboard, panel = window.training, window.training.panel
    panel.lr.setText("fast")
    assert not dashboard.start_training()
    assert "learning rate" in panel.message.text() and not dashboard.running
    panel.lr.setText("0.01")
    panel.file_spec = {"format": "npz", "path": "/nonexistent/data.npz"}
    panel.dataset.setCurrentIndex(panel.dataset.findText("npz file..."))
    assert not dashboard.start_training()
    assert "data.npz" in panel.message.text() and not dashboard.running
