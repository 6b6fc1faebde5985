"""The compiled plan on losses with weight penalties and on the SVM loss: the per-node path's
loss and gradients (and torch's), penalties counted once with threads, clear reasons for
sums it does not cover, and the bundled examples that use them now compiled."""

from __future__ import annotations

import numpy as np
import pytest

from engine.build import GraphBuilder
from engine.plan import compile_training_plan
from graphlab.binding import bound_data
from graphlab.examples import open_graph
from graphlab.training import prepare_training
from tests.engine.standin import is_standin
from tests.engine.test_standin_backend import DEVICE

L2_BOTH = [("l2_penalty", "w1", {"strength": 0.3}), ("l2_penalty", "w2", {"strength": 0.05})]
L1_ELASTIC = [
    ("l1_penalty", "w1", {"strength": 0.2}),
    ("elastic_penalty", "w2", {"strength": 0.1, "beta": 0.7}),
    ("l2_penalty", "w2", {"strength": 0.02}),  # a second penalty on one weight
]
SHAPES = {  # (data loss, svm margin, penalties)
    "softmax-l2-two-weights": ("softmax_cross_entropy", None, L2_BOTH),
    "svm": ("svm_loss", 0.7, []),
    "svm-l1-elastic": ("svm_loss", 1.3, L1_ELASTIC),
}


def dense_net(data_loss: str, margin: float | None, penalties: list, device: str = "cpu"):
    """x (N, 4) -> affine w1 (4, 5) -> relu -> affine w2 (5, 3) "scores" -> ``data_loss``,
    plus ``penalties`` (op, parameter id, attrs) summed in by add nodes (every other add
    takes the penalty on port a); the last node is "loss". float64."""
    b = GraphBuilder()
    x = b.add("input", id="x", shape=[-1, 4])
    labels = b.add("input", id="labels", shape=[-1], dtype="int")
    w1, b1 = b.add("parameter", id="w1", shape=[4, 5]), b.add("parameter", id="b1", shape=[5])
    w2, b2 = b.add("parameter", id="w2", shape=[5, 3]), b.add("parameter", id="b2", shape=[3])
    hidden = b.add("relu", b.add("affine", x, w1, b1, id="fc1"), id="relu")
    scores = b.add("affine", hidden, w2, b2, id="scores")
    attrs = {} if margin is None else {"margin": margin}
    total = b.add(data_loss, scores, labels, id="loss" if not penalties else "data_loss", **attrs)
    for i, (op, pid, attrs) in enumerate(penalties):
        penalty = b.add(op, pid, id=f"reg{i}", **attrs)
        terms = (penalty, total) if i % 2 else (total, penalty)
        total = b.add("add", *terms, id="loss" if i == len(penalties) - 1 else f"sum{i}")
    return b.build(seed=1, dtype="float64", device=device)


def feeds_of(batch: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((batch, 4)), "labels": rng.integers(0, 3, batch)}


def per_node(graph, feeds):
    graph.forward(feeds, train=True)
    graph.backward("loss", wrt=list(graph.params))
    return float(graph.values["loss"]), {k: graph.grads[k] for k in graph.params}


def torch_loss(torch, graph, feeds, shape: str):
    """The same loss written in torch: (loss, parameter gradients)."""
    data_loss, margin, penalties = SHAPES[shape]
    params = {k: torch.tensor(v, requires_grad=True) for k, v in graph.params.items()}
    x, y = torch.tensor(feeds["x"]), torch.tensor(feeds["labels"])
    hidden = torch.relu(x @ params["w1"] + params["b1"])
    scores = hidden @ params["w2"] + params["b2"]
    if data_loss == "softmax_cross_entropy":
        loss = torch.nn.functional.cross_entropy(scores, y)
    else:
        margins = torch.clamp(scores - scores.gather(1, y[:, None]) + margin, min=0)
        loss = margins.scatter(1, y[:, None], 0.0).sum() / len(y)
    for op, pid, attrs in penalties:
        w, strength = params[pid], attrs["strength"]
        terms = {"l2_penalty": w * w, "l1_penalty": w.abs()}
        terms["elastic_penalty"] = attrs.get("beta", 0) * w * w + w.abs()
        loss = loss + strength * terms[op].sum()
    loss.backward()
    return loss.item(), {k: p.grad.numpy() for k, p in params.items()}


def assert_equal_results(loss, grads, expected_loss, expected_grads):
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert sorted(grads) == sorted(expected_grads)
    for key, expected in expected_grads.items():
        np.testing.assert_allclose(grads[key], expected, rtol=1e-10, atol=1e-13, err_msg=key)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_plan_equals_per_node_and_torch_over_steps(shape, threads, torch):
    """Three SGD steps (the last at a smaller batch); with two threads each part of the batch
    runs its own chain and the penalties still count once."""
    compiled, plain = dense_net(*SHAPES[shape]), dense_net(*SHAPES[shape])
    plan = compile_training_plan(compiled, threads=threads)
    assert plan.compiled, plan.reason
    assert len(plan.chains) == threads
    for step, batch in enumerate((6, 6, 5)):
        feeds = feeds_of(batch, seed=step)
        loss = plan.step(feeds)
        grads = {k: v.copy() for k, v in plan.grads.items()}
        assert_equal_results(loss, grads, *torch_loss(torch, plain, feeds, shape))
        expected_loss, expected_grads = per_node(plain, feeds)
        assert_equal_results(loss, grads, expected_loss, expected_grads)
        for key in plain.params:
            compiled.params[key] -= 0.5 * grads[key]
            plain.params[key] -= 0.5 * expected_grads[key]


@pytest.mark.parametrize("shape", list(SHAPES))
def test_evaluate_includes_the_penalties(shape):
    """plan.evaluate gives the eval-mode value of the loss node (penalties included) and the
    scores, with the graph's parameters or with others."""
    graph = dense_net(*SHAPES[shape])
    plan = compile_training_plan(graph)
    assert plan.scores == "scores"
    feeds = feeds_of(7, seed=3)
    other = {k: 2.0 * v for k, v in graph.params.items()}
    for params in (None, other):
        loss, scores = plan.evaluate(feeds, params)
        reference = dense_net(*SHAPES[shape])
        reference.params.update(params or {})
        reference.forward(feeds, train=False)
        assert loss == pytest.approx(float(reference.values["loss"]), rel=1e-12)
        np.testing.assert_allclose(scores, reference.values["scores"], rtol=1e-12)


def uncovered(build) -> str:
    """The reason the plan gives for the graph that ``build(builder, scores, labels)`` ends."""
    b = GraphBuilder()
    x = b.add("input", id="x", shape=[-1, 4])
    labels = b.add("input", id="labels", shape=[-1], dtype="int")
    w, bias = b.add("parameter", id="w", shape=[4, 3]), b.add("parameter", id="b", shape=[3])
    build(b, b.add("affine", x, w, bias, id="scores"), labels)
    plan = compile_training_plan(b.build(seed=0))
    assert not plan.compiled
    return plan.reason


def test_sums_outside_the_plan_say_which_node():
    def mse_term(b, scores, labels):
        data = b.add("svm_loss", scores, labels)
        b.add("add", data, b.add("mse", scores, scores, id="odd"), id="loss")

    def two_data_losses(b, scores, labels):
        svm = b.add("svm_loss", scores, labels, id="svm")
        b.add("add", svm, b.add("softmax_cross_entropy", scores, labels, id="ce"), id="loss")

    def twice(b, scores, labels):
        data = b.add("svm_loss", scores, labels, id="data")
        b.add("add", data, data, id="loss")

    def foreign_weight(b, scores, labels):
        data = b.add("svm_loss", scores, labels)
        other = b.add("parameter", id="other", shape=[3])
        b.add("add", data, b.add("l2_penalty", other, id="reg"), id="loss")

    assert 'the loss term node "odd" (mse) is not one of add,' in uncovered(mse_term)
    reason = uncovered(two_data_losses)
    assert 'exactly one data loss (found: node "svm" (svm_loss), node "ce"' in reason
    assert 'node "data" (svm_loss) is summed into the loss more than once' in uncovered(twice)
    assert 'node "reg" (l2_penalty) is not on a parameter of the chain' in uncovered(foreign_weight)


def test_svm_and_penalties_on_the_standin_backend_equal_numpy():
    """The SVM loss and the penalties as generic xp code (how they run on CUDA)."""
    results = []
    for device in (DEVICE, "cpu"):
        plan = compile_training_plan(dense_net(*SHAPES["svm-l1-elastic"], device=device))
        assert plan.compiled, plan.reason
        losses = [plan.step(feeds_of(6)), plan.evaluate(feeds_of(4, seed=1))[0]]
        results.append((losses, dict(plan.grads)))
    (losses, grads), (ref_losses, ref_grads) = results
    assert losses == ref_losses
    assert all(is_standin(g) for g in grads.values())
    for key, expected in ref_grads.items():
        np.testing.assert_array_equal(grads[key].get(), expected, err_msg=key)


PENALISED_EXAMPLES = [
    "two-layer-net-spiral",
    "linear-softmax-spiral",
    "linear-softmax-mnist",
    "linear-svm-2d",
    "linear-svm-spiral",
    "linear-svm-pixels-mnist",
    "linear-svm-hog-mnist",
]


@pytest.mark.parametrize("name", PENALISED_EXAMPLES)
def test_bundled_examples_train_through_the_plan_as_per_node(name):
    """20 steps of the example's own training, through the plan and per node (float32)."""
    doc = open_graph(name)
    data = bound_data(doc)
    runs = []
    for use_plan in (True, False):
        trainer = prepare_training(doc, data=data).trainer
        trainer.plan_pending = use_plan
        trainer.metrics.on_step(lambda event, t=trainer: event.step >= 20 and t.stop())
        runs.append((trainer, trainer.run()))
    (planned, history), (plain, reference) = runs
    assert planned.plan is not None, planned.plan_reason
    assert plain.plan is None and len(history.losses) == 20
    np.testing.assert_allclose(history.losses, reference.losses, rtol=1e-5)
    accuracies = [(e.epoch, e.train_accuracy) for e in history.epochs]
    assert accuracies == [(e.epoch, e.train_accuracy) for e in reference.epochs]
