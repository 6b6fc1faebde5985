"""Gradient-flow pulses: they run on cnn-digits without blocking the UI thread, their size
follows the gradient's magnitude, and they can be turned off."""

import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401


@pytest.fixture
def window(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    return make_window(qtbot, "cnn-digits")


class LatencyProbe:
    """A repeating 5 ms timer that records the largest gap between its ticks (ms)."""

    def __init__(self) -> None:
        self.last, self.worst, self.ticks = time.perf_counter(), 0.0, 0
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, (now - self.last) * 1000)
        self.last, self.ticks = now, self.ticks + 1


def test_pulses_run_two_seconds_on_cnn_digits_without_blocking(window, qtbot):
    stepper = window.stepper
    assert stepper.model.ensure_trace()  # the engine's run, before the animation starts
    errors = []
    qtbot.waitExposed(window)
    probe = LatencyProbe()
    stepper.toolbar.actions_by_name["run_backward"].trigger()
    assert stepper.pulses.running and len(stepper.pulses.pulses) >= 10
    start = time.perf_counter()
    while time.perf_counter() - start < 2.0:
        try:
            qtbot.wait(20)
        except Exception as exc:  # pragma: no cover - the failure is reported below
            errors.append(exc)
    probe.timer.stop()
    assert not errors
    assert probe.ticks > 100
    assert probe.worst < 50.0, f"the UI thread was blocked for {probe.worst:.1f} ms"
    assert stepper.pulses.frames >= 60  # about 60 frames per second for 2 seconds, give or take
    assert stepper.model.position == len(stepper.model.events)


def test_pulse_size_follows_gradient_magnitude(window):
    stepper = window.stepper
    stepper.run_backward()
    radii = {p.item.rect().width() / 2 for p in stepper.pulses.pulses}
    assert max(radii) > 2 * min(radii)  # a log scale spreads them out
    stepper.pulses.stop()
    assert not stepper.pulses.pulses and not stepper.pulses.running


def test_animation_can_be_turned_off(window):
    stepper = window.stepper
    stepper.toolbar.actions_by_name["animate"].setChecked(False)
    stepper.run_backward()
    assert not stepper.pulses.running and not stepper.pulses.pulses
    assert stepper.model.position == len(stepper.model.events)


def test_pulses_end_and_leave_the_canvas(window, qtbot):
    stepper = window.stepper
    stepper.run_backward()
    items = [p.item for p in stepper.pulses.pulses]
    with qtbot.waitSignal(stepper.pulses.finished, timeout=5000):
        pass
    assert all(item.scene() is None for item in items)
