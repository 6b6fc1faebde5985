"""Sanity checks of "babysitting the learning process" (issue 19, view 7)."""

import math

import numpy as np
import pytest

from graphlab.binding import bound_data
from graphlab.cli import main
from graphlab.course.sanity import (
    expected_initial_loss,
    initial_loss_check,
    regularization_check,
    run_checks,
    with_regularization,
)
from graphlab.examples import open_graph
from graphlab.fileformat import save_document
from graphlab.training import prepare_training


@pytest.fixture(scope="module")
def digits_report():
    return run_checks(open_graph("cnn-digits"))


def test_cnn_digits_starts_near_ln_10_and_overfits_twenty_examples(digits_report):
    initial, regularization, overfit, sweep = digits_report.results
    assert initial.passed and abs(initial.numbers["loss"] - math.log(10)) < 0.15
    assert initial.numbers["expected"] == pytest.approx(math.log(10))
    assert regularization.passed
    assert overfit.passed and overfit.numbers["steps"] <= 300
    assert sweep.passed and digits_report.passed


def test_the_suggested_rate_trains_cnn_digits_to_90_percent_in_two_epochs(digits_report):
    sweep = digits_report.sweep
    assert sweep.lrs[0] == pytest.approx(1e-6) and sweep.lrs[-1] == pytest.approx(1.0)
    assert len(sweep.lrs) >= 7 and np.all(np.diff(np.log10(sweep.lrs)) > 0)
    assert sweep.losses[0] > sweep.losses.min() * 10  # the smallest rate barely learns
    run = prepare_training(open_graph("cnn-digits"), {"lr": sweep.suggested, "epochs": 2})
    history = run.trainer.run()
    assert history.epochs[-1].val_accuracy >= 0.9


def large_last_layer(scale=1000.0):
    """cnn-digits whose last layer starts with its initial weights times ``scale``."""
    doc = open_graph("cnn-digits")
    graph = doc.compile(seed=doc.training["seed"])
    doc.params["fc_W"] = np.asarray(graph.params["fc_W"]) * scale
    return doc


def test_a_last_layer_with_weights_times_1000_fails_the_initial_loss_check():
    doc = large_last_layer()
    result = initial_loss_check(doc, bound_data(doc))
    assert result.passed is False
    assert result.numbers["loss"] > 10 * math.log(10)
    assert f"{result.numbers['loss']:.4f}" in result.detail and "2.3026" in result.detail


def test_graphlab_check_prints_fail_with_the_numbers_and_exits_1(tmp_path, capsys):
    path = tmp_path / "large.graphlab"
    save_document(large_last_layer(), path)
    assert main(["check", str(path), "--sweep-steps", "20"]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("FAIL  initial loss"))
    assert "expected 2.3026 = ln C" in line
    assert "PASS  overfit 20 examples" in out and "lr 1e-06" in out


def test_expected_losses_of_softmax_and_svm_graphs():
    assert expected_initial_loss(open_graph("linear-softmax-spiral")) == (
        "softmax_cross_entropy",
        pytest.approx(math.log(3)),
    )
    assert expected_initial_loss(open_graph("linear-svm-spiral")) == ("svm_loss", 2.0)
    doc = open_graph("linear-svm-spiral")
    result = initial_loss_check(doc, bound_data(doc))
    assert result.passed and abs(result.numbers["loss"] - 2.0) < 0.2


def test_regularization_is_raised_in_place_or_added_and_the_document_is_untouched():
    spiral = open_graph("two-layer-net-spiral")
    raised = with_regularization(spiral, 0.5)
    strengths = [n.attrs["strength"] for n in raised.nodes.values() if n.op == "l2_penalty"]
    assert strengths == [0.5, 0.5] and raised.loss == spiral.loss
    digits = open_graph("cnn-digits")
    before = len(digits.nodes)
    added = with_regularization(digits, 0.1)
    penalised = {e.src for e in added.edges if added.nodes[e.dst].op == "l2_penalty"}
    assert penalised == {"conv1_W", "conv2_W", "fc_W"} and len(digits.nodes) == before
    result = regularization_check(spiral, bound_data(spiral))
    losses = list(result.numbers.values())
    assert result.passed and losses == sorted(losses) and losses[-1] > losses[0]
