"""The dashboard's building blocks: filter tiles, run records, smoothing, histogram thinning,
the update/weight axis."""

import numpy as np
import pytest

from engine.metrics import Histogram
from graphlab.training.runs import SAVED_BUCKETS, RunRecord, saved_runs, smooth, with_run
from ui.training.images import as_rgb, tile
from ui.training.plots import EMPTY_RATIO_RANGE, HistogramPlot, RatioPlot


def test_filters_are_normalised_each_and_rgb_for_three_channels():
    weights = np.zeros((2, 3, 2, 2), dtype=np.float32)
    weights[0, 0] = 5.0  # filter 0: red only, large values
    weights[1, 2, 0, 0] = -0.01  # filter 1: tiny, in blue
    rgb = as_rgb(weights)
    assert rgb.shape == (2, 2, 2, 3)
    assert rgb.min() == 0.0 and rgb.max() == 1.0
    np.testing.assert_array_equal(rgb[0, :, :, 0], 1.0)  # red at full scale
    np.testing.assert_array_equal(rgb[0, :, :, 1:], 0.0)
    assert rgb[1, 0, 0, 2] == 0.0 and rgb[1, 1, 1, 2] == 1.0  # the tiny one is stretched too
    grey = as_rgb(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(grey[..., 0], grey[..., 2])  # one channel: grey
    assert tile(as_rgb(np.random.default_rng(0).normal(size=(16, 1, 3, 3)))).shape == (
        16,
        16,
        3,
    )  # 4x4 tiles of 3 pixels and a 1-pixel gap


def test_run_records_round_trip_merged_to_saved_buckets_and_smooth():
    record = RunRecord(name="r", settings={"optimizer": "sgd"})
    steps = 5000
    loss = 1.0 / np.arange(1, steps + 1)
    record.add_steps([(1, i + 1, loss[i], 0.1) for i in range(steps)])
    training = with_run({"lr": 0.1}, record)
    saved = training["runs"][0]["loss"]
    assert saved["points"] == steps and len(saved["low"]) <= SAVED_BUCKETS
    (back,) = saved_runs(training)
    assert back.name == "r" and back.settings == {"optimizer": "sgd"}
    assert back.steps == back.last_step == steps and back.latest["loss"] == loss[-1]
    x, low, mean, high = back.loss.arrays()
    width = back.loss.width
    assert width * len(x) >= steps > width * (len(x) - 1)
    assert high[0] == 1.0 and low[-1] == loss[-1]  # each bucket's extremes are kept exactly
    assert mean[1] == pytest.approx(loss[width : 2 * width].mean())
    assert training["lr"] == 0.1
    old = RunRecord.from_json({"name": "old", "step": [1, 2], "loss": [2.0, 1.0],
                               "lr": [0.1, 0.1], "epoch": [1], "train_acc": [0.5],
                               "val_acc": [None], "ratios": {"w": [[1, 0.01]]}})  # fmt: skip
    assert old.steps == 2 and list(old.loss.arrays()[2]) == [2.0, 1.0] and old.epochs == 1
    values = np.array([2.0, 2.0, 2.0, 0.0])
    smoothed = smooth(values)
    assert smoothed[:3] == pytest.approx([2.0, 2.0, 2.0])  # bias-corrected from the start
    assert 0.0 < smoothed[3] < 2.0


def test_histograms_over_time_stay_bounded(qtbot):
    plot = HistogramPlot("Activations")
    qtbot.addWidget(plot)
    rng = np.random.default_rng(0)
    for step in range(1, 1001):
        plot.add(step, Histogram.of(rng.normal(size=100), 10))
    assert len(plot.history) <= HistogramPlot.MAX_COLUMNS
    assert plot.history[0][0] == 1 and plot.history[-1][0] > 900
    plot.redraw()
    image = plot.image.image
    assert image.shape == (HistogramPlot.ROWS, len(plot.history))
    assert image.max() <= 0.0 and image.min() >= -4.0  # log10 of shares, floored at 1e-4


def test_ratio_axis_is_readable_empty_then_follows_the_ratios(qtbot):
    plot = RatioPlot()
    qtbot.addWidget(plot)
    view = plot.getViewBox()
    assert view.viewRange()[1] == pytest.approx(list(np.log10(EMPTY_RATIO_RANGE)))
    record = RunRecord()
    record.add_ratios(1, {"w": 0.2})
    record.add_ratios(2, {"w": 0.3})
    plot.update_from(record)
    view.updateAutoRange()
    low, high = view.viewRange()[1]
    assert low <= np.log10(1e-3) and high >= np.log10(0.3)  # the guide and the ratios
    assert high < np.log10(EMPTY_RATIO_RANGE[1]) + 1
    plot.reset()
    assert view.viewRange()[1] == pytest.approx(list(np.log10(EMPTY_RATIO_RANGE)))
