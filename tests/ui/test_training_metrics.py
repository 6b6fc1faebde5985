"""The window and the command line share one training session: the dashboard's CSV export
and ``graphlab train --metrics`` write the same bytes for the same seeded run, and the
progress bar counts what L-BFGS does.

Determinism: two-layer-net-spiral runs every step through the per-node path (the compiled
plan does not cover it), so the window's statistics steps change nothing; the BLAS threads are
one on both sides (the command line's by environment, the window's training process by
``blas_threads``). On cnn-digits the window's statistics steps run per node while the command
line's run the compiled plan, so its losses may differ in the last bit there.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.training import show_dashboard


@pytest.fixture
def spiral(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr("graphlab.training.process_worker.blas_threads", lambda: 1)
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "two-layer-net-spiral")
    show_dashboard(window)
    yield window
    window.training.shutdown()


def test_the_window_exports_the_command_lines_metrics_byte_for_byte(spiral, qtbot, tmp_path):
    cli, exported = tmp_path / "cli.csv", tmp_path / "window.csv"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    subprocess.run(
        [sys.executable, "-m", "graphlab.cli", "train", "two-layer-net-spiral", "--epochs", "30",
         "--seed", "0", "--metrics", str(cli)],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    dashboard = spiral.training
    assert dashboard.start_training(30)
    qtbot.waitUntil(lambda: not dashboard.running, timeout=60_000)
    live = dashboard.live
    answer = (str(exported), "CSV (*.csv)")  # the Export CSV button asks for a path
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QFileDialog, "getSaveFileName", lambda *args: answer)
        qtbot.mouseClick(live.csv_button, Qt.LeftButton)
    assert exported.read_bytes() == cli.read_bytes()
    record = dashboard.record
    assert len(exported.read_text().splitlines()) == 31 and record.epochs == 30
    assert record.metrics and exported.read_bytes() == Path(record.metrics).read_bytes()


def test_the_progress_bar_counts_one_lbfgs_step_per_epoch(spiral, qtbot):
    dashboard = spiral.training
    dashboard.panel.optimizer.setCurrentText("lbfgs")
    assert dashboard.start_training(3)
    assert dashboard.session.total_steps == 3
    qtbot.waitUntil(lambda: not dashboard.running, timeout=60_000)
    progress = dashboard.panel.progress
    assert (progress.value(), progress.maximum()) == (3, 3)
    assert dashboard.record.steps == dashboard.record.last_step == 3
    assert dashboard.progress() == 1.0
