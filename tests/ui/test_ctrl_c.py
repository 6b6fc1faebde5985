"""Ctrl+C in the terminal of the window: the first stops training (kept), the second quits."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication

from engine.backend import to_numpy
from tests.ui.test_main_window import isolated_settings  # noqa: F401
from tests.ui.test_training_dashboard import wait_finished, window  # noqa: F401
from ui.app import CtrlC


def test_first_ctrl_c_stops_training_keeping_it_the_second_quits(window, qtbot, monkeypatch):  # noqa: F811
    exits = []
    app = QApplication.instance()
    monkeypatch.setattr(app, "exit", exits.append)
    ctrl_c = CtrlC(app, window)
    dashboard = window.training
    window.training.panel.epochs.setValue(500)
    assert dashboard.start_training()
    qtbot.waitUntil(lambda: dashboard.record.last_step >= 3, timeout=30_000)
    ctrl_c.pressed()
    wait_finished(qtbot, dashboard, timeout=10_000)
    assert exits == []
    step = window.doc.training["progress"]["step"]
    assert 3 <= step == dashboard.record.last_step
    for key, value in dashboard.run.graph.params.items():
        np.testing.assert_array_equal(window.doc.params[key], to_numpy(value))
    ctrl_c.pressed()
    assert exits == [130]
    ctrl_c.timer.stop()
