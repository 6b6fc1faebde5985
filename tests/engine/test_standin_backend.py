"""Every op, optimizer, the training plan, the trainer and kNN run on a stand-in for cupy.

The stand-in (tests/engine/standin.py) wraps numpy arrays in a type that numpy refuses, so
code that calls ``np.`` where it should call ``xp.`` raises or leaves a plain ndarray behind.
Each test checks that everything produced is a stand-in array and equals the numpy result.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.backend import (
    array_module,
    array_module_of,
    register_array_module,
)
from engine.build import GraphBuilder
from engine.knn import KNearestNeighbor, cross_validate
from engine.lbfgs import LBFGS
from engine.ops import REGISTRY, Op
from engine.optim import make_optimizer
from engine.plan import compile_training_plan
from engine.trainer import Trainer
from tests.engine.cases import all_cases
from tests.engine.standin import StandInError, StandInModule, is_standin
from tests.engine.test_op_cases import build

DEVICE = "standin"
XP = StandInModule()
register_array_module(DEVICE, XP)

CASES = all_cases()
FIRST_ORDER = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")


def run_graph(graph, feeds, train: bool, upstream: np.ndarray | None = None):
    """Forward then backward (from ``upstream``, default 1 for a scalar); (values, grads)."""
    graph.forward(feeds, train=train, rng=np.random.default_rng(5))
    graph.backward(grad=upstream)
    return dict(graph.values), dict(graph.grads)


def assert_standin(arrays: dict, what: str) -> None:
    plain = {k: type(v).__name__ for k, v in arrays.items() if not is_standin(v)}
    assert plain == {}, f"{what} that are not stand-in arrays"


def assert_same(ours: dict, reference: dict, what: str) -> None:
    assert ours.keys() == reference.keys(), what
    for key, value in reference.items():
        assert ours[key].dtype == value.dtype, f"{what} {key}"
        np.testing.assert_array_equal(ours[key].get(), value, err_msg=f"{what} {key}")


def run_case(case, device: str, dtype: str):
    graph = build(case).astype(dtype, device=device)
    graph.forward(case.inputs, train=case.train, rng=np.random.default_rng(5))
    shape = graph.values["out"].shape
    upstream = np.random.default_rng(7).standard_normal(shape)
    return graph, *run_graph(graph, case.inputs, case.train, upstream)


# -- the stand-in catches numpy where xp belongs ------------------------------------------------


class ToyScale(Op):
    """out = 2 x, written four ways: one right, three calling numpy where xp belongs."""

    category = "Arithmetic"
    inputs = ("x",)

    def __init__(self, mistake: str) -> None:
        self.name, self.mistake = f"toy_{mistake}", mistake

    def infer_shape(self, shapes, attrs):
        return shapes[0]

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        if self.mistake == "np_zeros_forward":
            out = np.zeros(x.shape, dtype=x.dtype)
            out += 2 * x
        elif self.mistake == "np_function_forward":
            out = np.multiply(x, 2)
        elif self.mistake == "host_random_forward":
            out = 2 * x * (ctx.rng.random(x.shape) < 2)  # a numpy mask, never moved to xp
        else:
            out = xp.zeros(x.shape, dtype=x.dtype)
            out += 2 * x
        return out, None

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        if self.mistake == "np_ones_backward":
            return [np.full(grad_out.shape, 2.0, dtype=grad_out.dtype) * 1]
        return [2 * grad_out]


def toy_graph(monkeypatch, mistake: str):
    op = ToyScale(mistake)
    monkeypatch.setitem(REGISTRY, op.name, op)
    b = GraphBuilder()
    b.add(op.name, b.add("input", id="x", shape=[2, 3]), id="out")
    return b.build(device=DEVICE)


def test_registered_module_is_the_devices_array_module():
    assert array_module(DEVICE) is XP
    with pytest.raises(ValueError, match="built in"):
        register_array_module("cuda", XP)


def test_a_correct_op_passes(monkeypatch):
    values, grads = run_graph(
        toy_graph(monkeypatch, "none"), {"x": np.ones((2, 3))}, False, np.ones((2, 3))
    )
    assert_standin(values, "values")
    assert_standin(grads, "gradients")
    np.testing.assert_array_equal(grads["x"].get(), np.full((2, 3), 2.0))


@pytest.mark.parametrize(
    "mistake", ["np_zeros_forward", "np_function_forward", "host_random_forward"]
)
def test_numpy_in_forward_raises(monkeypatch, mistake):
    graph = toy_graph(monkeypatch, mistake)
    with pytest.raises(StandInError):
        graph.forward({"x": np.ones((2, 3))})


def test_numpy_array_returned_by_backward_is_caught(monkeypatch):
    graph = toy_graph(monkeypatch, "np_ones_backward")
    _, grads = run_graph(graph, {"x": np.ones((2, 3))}, False, np.ones((2, 3)))
    with pytest.raises(AssertionError, match="not stand-in"):
        assert_standin(grads, "gradients")


# -- every op ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_op_on_standin_equals_numpy(case, dtype):
    graph, values, grads = run_case(case, DEVICE, dtype)
    _, ref_values, ref_grads = run_case(case, "cpu", dtype)
    assert_standin(values, "values")
    assert_standin(grads, "gradients")
    assert_standin({f"{n}.{k}": v for n, s in graph.state.items() for k, v in s.items()}, "state")
    assert_same(values, ref_values, "value of")
    assert_same(grads, ref_grads, "gradient of")
    floats = [p for p, v in case.inputs.items() if not np.issubdtype(v.dtype, np.integer)]
    assert set(floats) <= grads.keys()
    if values["out"].dtype.kind == "f":
        assert values["out"].dtype == np.dtype(dtype)


# -- optimizers ----------------------------------------------------------------------------------


def _params(xp, rng_seed: int = 0) -> dict:
    rng = np.random.default_rng(rng_seed)
    shapes = {"w": (3, 4), "b": (4,), "k": (2, 1, 3, 3)}
    return {k: xp.asarray(rng.standard_normal(s).astype(np.float32)) for k, s in shapes.items()}


def _steps(name: str, xp):
    """Three steps: all gradients, one missing (per-parameter path), then a NaN refused."""
    params = _params(xp)
    opt = make_optimizer(name, params, frozen={"k"})
    rng = np.random.default_rng(1)
    for missing in (None, "b", None):
        grads = {
            k: xp.asarray(rng.standard_normal(v.shape).astype(np.float32))
            for k, v in params.items()
        }
        grads.pop(missing, None)
        assert opt.step(grads, check_finite=True)
    bad = {k: xp.asarray(np.full(v.shape, np.nan, np.float32)) for k, v in params.items()}
    assert not opt.step(bad, check_finite=True)
    assert opt.nonfinite() == ["w", "b"]
    return params, opt


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_optimizer_on_standin_equals_numpy(name):
    params, opt = _steps(name, XP)
    reference, ref_opt = _steps(name, np)
    assert opt.xp is XP and array_module_of(params["w"]) is XP
    assert_standin(params, "parameters")
    assert_standin(opt.state, "optimizer state")
    assert_same(params, reference, "parameter")
    assert_same(opt.state, ref_opt.state, "optimizer state")


def test_lbfgs_on_standin_equals_numpy():
    def minimise(xp):
        params = _params(xp)
        target = {k: xp.asarray(np.full(v.shape, 0.5, np.float32)) for k, v in params.items()}

        def closure():
            diffs = {k: params[k] - target[k] for k in params}
            return float(sum((d * d).sum() for d in diffs.values())), {
                k: 2 * d for k, d in diffs.items()
            }

        return LBFGS(params, max_iter=5).step(closure), params

    loss, params = minimise(XP)
    ref_loss, reference = minimise(np)
    assert_standin(params, "parameters")
    assert loss == ref_loss
    assert_same(params, reference, "parameter")


# -- the compiled training plan and the trainer ------------------------------------------------


def conv_net(device: str, dropout: bool = False):
    """conv-relu-pool (first layer), conv-relu-pool (stride 1), conv stride 2, affine: 10 classes.

    With ``dropout`` a batchnorm and a dropout follow the last conv (the plan does not cover
    them, so training runs per node).
    """
    b = GraphBuilder()
    x = b.add("input", id="x", shape=[-1, 1, 8, 8])
    labels = b.add("input", id="labels", shape=[-1], dtype="int")
    layers = [(1, 4, 3, 1, 1, True), (4, 6, 3, 1, 1, True), (6, 8, 3, 2, 1, False)]
    for i, (channels, filters, kernel, stride, pad, pooled) in enumerate(layers):
        w = b.add("parameter", id=f"w{i}", shape=[filters, channels, kernel, kernel])
        bias = b.add("parameter", id=f"b{i}", shape=[filters], init="relu_bias")
        x = b.add("conv2d", x, w, bias, id=f"conv{i}", kernel=kernel, stride=stride, pad=pad)
        x = b.add("relu", x, id=f"relu{i}")
        if pooled:
            x = b.add("maxpool", x, id=f"pool{i}")
    if dropout:
        gamma = b.add("parameter", id="gamma", shape=[8], init="ones")
        beta = b.add("parameter", id="beta", shape=[8], init="zeros")
        x = b.add("dropout", b.add("batchnorm", x, gamma, beta, id="bn"), id="drop", p=0.8)
    x = b.add("flatten", x, id="flat")
    w = b.add("parameter", id="fc.w", shape=[8, 10], init="xavier")
    bias = b.add("parameter", id="fc.b", shape=[10], init="zeros")
    scores = b.add("affine", x, w, bias, id="scores")
    b.add("softmax_cross_entropy", scores, labels, id="loss")
    return b.build(device=device, seed=3)


def digits_like(count: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.random((count, 1, 8, 8)).astype(np.float32), rng.integers(0, 10, count)


def test_training_plan_on_standin_equals_numpy():
    X, y = digits_like(24)
    results = []
    for device in (DEVICE, "cpu"):
        graph = conv_net(device)
        plan = compile_training_plan(graph, "loss")
        assert plan.compiled, plan.reason
        losses = [
            plan.step({"x": X[:16], "labels": y[:16]}),
            plan.step({"x": X[8:], "labels": y[8:]}),
        ]
        results.append((losses, dict(plan.grads)))
    (losses, grads), (ref_losses, ref_grads) = results
    assert_standin(grads, "plan gradients")
    assert losses == ref_losses
    assert_same(grads, ref_grads, "plan gradient of")


def jitter(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A training-batch augmentation on the host (numpy in, numpy out)."""
    assert isinstance(X, np.ndarray)
    return X + 0.01 * rng.standard_normal(X.shape).astype(X.dtype)


@pytest.mark.parametrize("dropout", [False, True], ids=["plan", "per-node-dropout-batchnorm"])
def test_trainer_on_standin_equals_numpy(dropout):
    X, y = digits_like(80)
    runs = []
    for device in (DEVICE, "cpu"):
        graph = conv_net(device, dropout)
        trainer = Trainer(
            graph,
            "loss",
            "x",
            "labels",
            (X[:64], y[:64]),
            val=(X[64:], y[64:]),
            batch_size=16,
            epochs=2,
            augment=jitter,
        )
        stats = []
        trainer.metrics.on_stats(stats.append, every=3, histograms=True, weights="w0")
        runs.append((graph, trainer, trainer.run(), stats))
    (graph, trainer, history, stats), (ref_graph, _, ref_history, ref_stats) = runs
    assert (trainer.plan is not None) is not dropout, trainer.plan_reason
    assert_standin(graph.params, "trained parameters")
    assert_standin(trainer.optimizer.state, "optimizer state")
    np.testing.assert_allclose(history.losses, ref_history.losses, rtol=1e-6)
    assert history.epochs == ref_history.epochs
    assert_same(graph.params, ref_graph.params, "trained parameter")
    assert [s.grad_norms for s in stats] == [s.grad_norms for s in ref_stats]
    assert all(isinstance(s.weights, np.ndarray) for s in stats)


@pytest.mark.parametrize("metric", ["l1", "l2"])
def test_knn_on_standin_equals_numpy(metric):
    X, y = digits_like(60, seed=2)
    results = []
    for xp in (XP, np):
        data = xp.asarray(X)
        model = KNearestNeighbor(k=3, metric=metric, max_elements=500).fit(data[:40], y[:40])
        neighbours = model.kneighbors(data[40:])
        scores = cross_validate(data, y, ks=[1, 3], folds=3, metric=metric)
        results.append((neighbours, model.predict(data[40:]), scores))
    (neighbours, predicted, scores), (ref_neighbours, ref_predicted, ref_scores) = results
    assert is_standin(neighbours)
    np.testing.assert_array_equal(neighbours.get(), ref_neighbours)
    assert isinstance(predicted, np.ndarray)
    np.testing.assert_array_equal(predicted, ref_predicted)
    assert scores == ref_scores
