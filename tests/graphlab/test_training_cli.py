"""Training from the command line: the curriculum's results, metrics, saving and resuming."""

import csv
import re

import numpy as np
import pytest

from graphlab.examples import open_graph
from graphlab.fileformat import load_document, save_document
from graphlab.training import prepare_training
from tests.graphlab.test_cli import graphlab


def figure(text: str, name: str) -> float:
    return float(re.search(rf"{name} accuracy (\d\.\d+)", text).group(1))


def test_cnn_digits_reaches_96_percent_validation_accuracy(tmp_path):
    metrics = tmp_path / "m.csv"
    out = graphlab(
        "train", "cnn-digits", "--epochs", "15", "--seed", "0", "--metrics", str(metrics)
    ).stdout
    assert figure(out, "validation") >= 0.96
    rows = list(csv.DictReader(metrics.open()))
    assert list(rows[0]) == ["epoch", "step", "loss", "lr", "train_acc", "val_acc"]
    assert [int(r["step"]) for r in rows] == list(range(1, len(rows) + 1))
    ends = [r for r in rows if r["val_acc"]]
    assert len(ends) == 15 and all(r["train_acc"] for r in ends)
    assert float(ends[-1]["val_acc"]) == pytest.approx(figure(out, "validation"), abs=1e-3)


def test_two_layer_net_separates_the_spiral_and_a_linear_model_cannot():
    assert figure(graphlab("train", "two-layer-net-spiral").stdout, "train") >= 0.95
    assert 0.40 <= figure(graphlab("train", "linear-softmax-spiral").stdout, "train") <= 0.60


def test_a_huge_learning_rate_stops_with_the_divergence_message():
    result = graphlab(
        "train", "linear-softmax-spiral", "--lr", "1e6", "--epochs", "50", check=False
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    # the loss grows past 1e6 before it overflows (the NaN message is tested in the engine)
    assert re.search(
        r"training stopped at step \d+ .*training diverged.*lower learning rate", result.stderr
    )


def test_options_override_the_stored_settings_and_bad_ones_are_refused():
    out = graphlab(
        "train",
        "cnn-digits",
        "--epochs",
        "1",
        "--optimizer",
        "momentum",
        "--lr",
        "0.05",
        "--batch-size",
        "128",
        "--schedule",
        "step:every=5,gamma=0.5",
    ).stdout
    assert "momentum lr 0.05, batch 128, 1 epochs" in out
    bad = graphlab("train", "cnn-digits", "--optimizer", "adamw", check=False)
    assert bad.returncode == 2 and "adamw" in bad.stderr


def test_save_then_resume_continues_where_training_stopped(tmp_path):
    doc = open_graph("cnn-digits")
    run = prepare_training(doc, {"epochs": 2})
    run.trainer.run()
    run.finish()
    path = tmp_path / "cnn.graphlab"
    save_document(doc, path)
    for key, value in run.graph.params.items():
        np.testing.assert_array_equal(load_document(path).params[key], value)
    resumed = prepare_training(load_document(path), {"epochs": 1})
    assert (resumed.trainer.step, resumed.trainer.epoch) == (run.trainer.step, 2)
    state = resumed.trainer.optimizer.state
    assert state and set(state) == set(run.trainer.optimizer.state)
    for key, value in run.trainer.optimizer.state.items():
        np.testing.assert_array_equal(state[key], value)
    history = resumed.trainer.run()
    assert history.epochs[0].epoch == 3


def test_knn_and_search_tables():
    out = graphlab("knn", "--dataset", "digits", "--k", "1,3", "--folds", "3").stdout
    assert re.search(r"^1\s+0\.9\d+", out, re.M) and "best k = " in out and "test accuracy" in out
    out = graphlab(
        "search", "linear-softmax-spiral", "--trials", "3", "--reg", "1e-5:1e-1", "--epochs", "5"
    ).stdout
    lines = out.strip().splitlines()
    assert lines[0].split()[:5] == ["rank", "lr", "reg", "train", "acc"] and len(lines) == 6
    assert lines[-1].endswith("ranked by training accuracy (no validation split)")
    accuracies = [float(line.split()[3].rstrip("%")) for line in lines[2:-1]]
    assert accuracies == sorted(accuracies, reverse=True)


def test_log_uniform_draws_cover_each_decade_evenly():
    from graphlab.search import log_uniform, parse_range

    rng = np.random.default_rng(0)
    draws = np.array([log_uniform(rng, 1e-4, 1e-1) for _ in range(3000)])
    assert draws.min() >= 1e-4 and draws.max() <= 1e-1
    per_decade = np.histogram(np.log10(draws), bins=[-4, -3, -2, -1])[0]
    assert per_decade.min() > 900
    with pytest.raises(Exception, match="0 < LO <= HI"):
        parse_range("lr", "0:1")
