"""The runs folder's budget in the window: Edit > Preferences keeps it and shows the folder, a
new run prunes the folder (never the open project's runs), and a replay or a zoom into a run
whose files were removed says so in one sentence."""

import os
import time

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QDesktopServices

from graphlab.training.metrics_csv import MetricsCsv
from graphlab.training.runs import RunRecord, saved_runs, with_run
from graphlab.training.runs_folder import list_runs, prune
from tests.graphlab.test_runs_folder import HOUR, fake_run
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from tests.ui.test_preferences import open_preferences
from tests.ui.test_training_dashboard import wait_finished, window  # noqa: F401
from ui.preferences import RUNS_BUDGET_KEY, RUNS_BUDGET_MIB

REMOVED = "removed to keep the runs folder within its budget"


@pytest.fixture
def runs(tmp_path, monkeypatch):
    """An empty runs folder (GRAPHLAB_RUNS_DIR)."""
    folder = tmp_path / "runs"
    monkeypatch.setenv("GRAPHLAB_RUNS_DIR", str(folder))
    return folder


@pytest.mark.usefixtures("isolated_settings")
def test_the_budget_round_trips_and_the_dialog_shows_and_opens_the_folder(runs, qtbot, monkeypatch):
    fake_run(runs, "a", 64, 1024, 2 * HOUR)
    fake_run(runs, "b", 64, 1024, HOUR)
    main = make_window(qtbot)
    dialog = open_preferences(main)
    assert dialog.runs.value() == RUNS_BUDGET_MIB
    assert dialog.folder.text() == f"{runs}\n2.1 MiB in 2 runs"
    assert dialog.folder.textInteractionFlags() & Qt.TextSelectableByMouse
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    qtbot.mouseClick(dialog.open_folder, Qt.LeftButton)
    assert [url.toLocalFile() for url in opened] == [str(runs)]
    dialog.runs.setValue(2)
    dialog.accept()  # applies at once: the oldest store goes
    assert QSettings().value(RUNS_BUDGET_KEY) in (2, "2")
    assert main.statusBar().currentMessage().startswith("Runs folder: removed 1 snapshot store")
    assert [(r.name, r.snapshots is not None) for r in list_runs()] == [
        ("run-a", False),
        ("run-b", True),
    ]
    dialog = open_preferences(main)
    assert dialog.runs.value() == 2 and dialog.folder.text().endswith("1.1 MiB in 2 runs")
    dialog.runs.setValue(0)
    dialog.accept()
    dialog = open_preferences(main)
    assert dialog.runs.value() == 0 and dialog.runs.text() == "no limit"
    dialog.reject()


def test_starting_a_run_prunes_the_folder_but_not_the_projects_runs(window, runs, qtbot):  # noqa: F811
    for age, name in enumerate("dcba", start=1):
        fake_run(runs, name, 64, 1024, age * HOUR)  # 1088 KiB each, a the oldest
    doc = window.doc
    kept = RunRecord(
        "run 1", metrics=str(runs / "run-a.csv"), snapshots=str(runs / "run-a.snapshots")
    )
    doc.set_training(with_run(doc.training, kept))
    QSettings().setValue(RUNS_BUDGET_KEY, 3)  # 4352 KiB down to 3072 KiB: two stores go
    dashboard = window.training
    dashboard.panel.epochs.setValue(1)
    qtbot.mouseClick(dashboard.panel.start_button, Qt.LeftButton)
    assert dashboard.running
    message = window.statusBar().currentMessage()
    assert message.startswith("Runs folder: removed 2 snapshot stores (2.0 MiB)")
    left = {r.name: (r.metrics is not None, r.snapshots is not None) for r in list_runs()}
    assert left["run-a"] == (True, True)  # the project's run, though the oldest
    assert left["run-b"] == left["run-c"] == (True, False) and left["run-d"] == (True, True)
    new = dashboard.record.metrics  # the new run's, in the same folder
    assert new.startswith(str(runs)) and new != kept.metrics
    qtbot.mouseClick(dashboard.panel.stop_button, Qt.LeftButton)
    wait_finished(qtbot, dashboard)
    assert saved_runs(doc.training)[0].snapshots == kept.snapshots


def test_replaying_a_run_whose_store_was_pruned_says_so(window, runs, qtbot):  # noqa: F811
    _, store = fake_run(runs, "a", 10, 100, HOUR)
    prune(0)
    window.training.record = RunRecord("run 2", snapshots=str(store))
    panel = window.replay.panel
    panel.step_box.setValue(3)
    qtbot.mouseClick(panel.go, Qt.LeftButton)
    qtbot.waitUntil(lambda: REMOVED in panel.status.text(), timeout=10_000)
    assert "snapshots of this run" in panel.status.text() and window.replay.current is None


def test_zooming_into_a_pruned_run_draws_the_summary_and_says_so(window, runs, qtbot):  # noqa: F811
    path = runs / "run-z.csv"
    runs.mkdir()
    steps = np.column_stack([np.ones(5000), np.arange(1, 5001), np.linspace(2, 1, 5000),
                             np.full(5000, 0.1)])  # fmt: skip
    writer = MetricsCsv(path)
    writer.add_steps(steps.tolist())
    writer.close()
    record = RunRecord("run 4", metrics=str(path))
    record.add_steps(steps)
    plot = window.training.live.loss
    title = plot.getPlotItem().titleLabel

    def detail_points() -> int:
        x, _ = plot.detail.getData()
        return 0 if x is None else len(x)

    plot.update_from(record)
    plot.setXRange(100, 200, padding=0)
    qtbot.waitUntil(lambda: detail_points() > 0)  # re-read from the file
    assert title.text == "Loss"
    os.utime(path, (time.time() - HOUR,) * 2)
    assert prune(0).removed == [path]
    plot.setXRange(300, 400, padding=0)
    qtbot.waitUntil(lambda: title.text != "Loss")
    assert title.text == "Loss: summary only<br>(full-resolution steps removed)"
    assert REMOVED in plot.toolTip() and "run 4" in plot.toolTip()
    assert detail_points() == 0 and len(plot.raw.getData()[0]) > 0  # the summary is drawn
    plot.setXRange(0, 10_000, padding=0)  # wider than DETAIL_STEPS: the summary is all
    qtbot.waitUntil(lambda: title.text == "Loss")
    assert plot.toolTip() == "" and title.opts["size"] == "11pt"
