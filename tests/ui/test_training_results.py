"""After training: the decision boundary, the confusion matrix, runs saved with the project
and overlaid, PNG and CSV exports, the kNN and search baselines, and ``--train``."""

import csv
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from engine.metrics import grid_points
from graphlab.fileformat import save_document
from graphlab.training.worker import predictions
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.training import show_dashboard


@pytest.fixture
def open_trained(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    """Factory: the window on ``graph`` after ``epochs`` epochs trained from the panel."""
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    windows = []

    def make(graph: str, epochs: int):
        window = make_window(qtbot, graph)
        windows.append(window)
        show_dashboard(window)
        window.training.panel.epochs.setValue(epochs)
        assert window.training.start_training(), window.training.panel.message.text()
        qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
        assert window.training.panel.message.text() == ""
        return window

    yield make
    for window in windows:
        window.training.shutdown()


def test_the_decision_boundary_classifies_as_the_engine(open_trained):
    window = open_trained("two-layer-net-spiral", 1000)
    dashboard = window.training
    boundary, run = dashboard.live.boundary, dashboard.run
    assert boundary.isVisible() and boundary.classes is not None
    train = run.data.splits.train
    # every grid cell is coloured with the engine's class at that point
    _, _, points = grid_points(train.X, len(boundary.xs))
    engine_cells = predictions(run, points).reshape(boundary.classes.shape)
    np.testing.assert_array_equal(boundary.classes, engine_cells)
    # and the training points fall in the region of the class the engine gives them
    engine = predictions(run, train.X)
    agreement = float(np.mean(boundary.region_class(train.X) == engine))
    assert agreement > 0.95
    assert float(np.mean(engine == train.y)) > 0.85  # the net has learned the spiral


def test_results_runs_saved_reopened_compared_and_exported(open_trained, qtbot, tmp_path):
    window = open_trained("cnn-digits", 1)
    dashboard = window.training
    confusion = dashboard.results.confusion.matrix
    run = dashboard.run
    assert confusion.sum() == len(run.data.splits.val)
    wrong = int(confusion.sum() - np.trace(confusion))
    assert len(dashboard.results.misclassified.labels) == min(wrong, 24)
    # a second run (another optimizer), then both are saved with the project
    dashboard.panel.optimizer.setCurrentText("sgd")
    assert dashboard.start_training(epochs=1)
    qtbot.waitUntil(lambda: not dashboard.running, timeout=60_000)
    runs = window.doc.training["runs"]
    assert [r["settings"]["optimizer"] for r in runs] == ["adam", "sgd"]
    path = tmp_path / "trained"
    save_document(window.doc, path)
    assert window.files.open_path(path)
    live = dashboard.live
    assert live.loss.point_count == runs[-1]["loss"]["points"] == 20  # steps of one epoch
    assert live.compare_choice.count() == 3  # (none) and the two runs
    live.compare_choice.setCurrentIndex(1)
    x, y = live.loss.overlay.getData()
    assert list(x) == list(range(1, 21))  # the first run's steps from 1
    written = live.export_pngs(tmp_path / "png")
    assert {p.stem for p in written} >= {"loss", "accuracy", "filters", "confusion_matrix"}
    assert all(not QImage(str(p)).isNull() for p in written)
    live.record.write_csv(tmp_path / "metrics.csv")
    with open(tmp_path / "metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 20 and [int(r["step"]) for r in rows] == list(range(21, 41))
    assert rows[-1]["val_acc"] != "" and float(rows[0]["loss"]) > 0


def test_a_diverging_run_is_a_message(open_trained, qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot, "two-layer-net-spiral")
    dashboard = window.training
    dashboard.panel.epochs.setValue(50)
    dashboard.panel.lr.setText("1e30")
    assert dashboard.start_training()
    qtbot.waitUntil(lambda: not dashboard.running, timeout=60_000)
    assert "training stopped at step" in dashboard.panel.message.text()
    assert dashboard.panel.start_button.isEnabled()


def test_knn_and_search_panels(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "cnn-digits")
    knn, search = window.training.results.knn, window.training.results.search
    knn.ks.setText("1, 3, 5")
    knn.run_button.click()
    search.trials.setValue(2)
    search.epochs.setValue(1)
    search.run_button.click()
    qtbot.waitUntil(lambda: knn.job is None and search.job is None, timeout=120_000)
    assert sorted(knn.scores) == [1, 3, 5]
    assert all(0.8 < s.mean <= 1 and s.std >= 0 for s in knn.scores.values())
    assert "best k" in knn.status.text()
    assert search.table.rowCount() == 2
    accuracies = [t.val_accuracy for t in search.trials_found]
    assert accuracies == sorted(accuracies, reverse=True)


@pytest.mark.parametrize("at", [[], ["--screenshot-at", "0.5"]], ids=["end", "mid-training"])
def test_open_train_screenshot_shows_the_trained_dashboard(tmp_path, at):
    out = tmp_path / "dash.png"
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"}
    epochs = "40" if at else "1"
    args = ["open", "cnn-digits", "--train", epochs, *at, "--screenshot", str(out)]
    result = subprocess.run(
        [sys.executable, "-m", "graphlab.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 1000)
    smoothed_loss = QImage(1, 1, QImage.Format_RGB32)
    smoothed_loss.fill(0x08519C)
    colour = smoothed_loss.pixel(0, 0)
    lower = [image.pixel(x, y) for x in range(0, 1600, 2) for y in range(500, 1000, 2)]
    assert lower.count(colour) > 20  # the loss curve of the run is drawn in the dock


def test_screenshot_at_takes_a_fraction():
    args = ["open", "--train", "2", "--screenshot-at", "2", "--screenshot", "x.png"]
    result = subprocess.run(
        [sys.executable, "-m", "graphlab.cli", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "expected a fraction above 0 and at most 1, got '2'" in result.stderr
