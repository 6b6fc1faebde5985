"""Batchnorm's running averages and eval mode, dropout's masks, loss input checks, float32 use."""

from __future__ import annotations

import numpy as np
import pytest

from engine.build import GraphBuilder
from engine.errors import AttrError, DatasetError, ShapeError
from engine.gradcheck import gradient_check
from engine.ops import REGISTRY
from tests.engine.cases import OpCase, losses, normalization


def batchnorm_graph(shape, dtype="float64", **attrs):
    """x (shape) -> batchnorm with parameters gamma and beta of random values."""
    channels = shape[1]
    rng = np.random.default_rng(5)
    b = GraphBuilder()
    x = b.add("input", id="x", shape=[-1, *shape[1:]])
    gamma = b.add("parameter", id="gamma", shape=[channels])
    beta = b.add("parameter", id="beta", shape=[channels])
    b.add("batchnorm", x, gamma, beta, id="bn", **attrs)
    params = {"gamma": rng.uniform(0.5, 2.0, channels), "beta": rng.uniform(-1, 1, channels)}
    return b.build(dtype=dtype, params=params)


def dropout_graph(shape, dtype="float64", p=0.5):
    b = GraphBuilder()
    b.add("dropout", b.add("input", id="x", shape=list(shape)), id="out", p=p)
    return b.build(dtype=dtype)


@pytest.mark.parametrize("shape", [(6, 3), (4, 2, 3, 5)], ids=["features", "spatial"])
def test_running_averages_follow_the_momentum_formula(shape):
    momentum = 0.7
    graph = batchnorm_graph(shape, momentum=momentum)
    rng = np.random.default_rng(0)
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    expected_mean, expected_var = np.zeros(shape[1]), np.ones(shape[1])
    for _ in range(4):
        x = rng.normal(3.0, 2.0, size=shape)
        graph.forward({"x": x}, train=True)
        expected_mean = momentum * expected_mean + (1 - momentum) * x.mean(axis=axes)
        expected_var = momentum * expected_var + (1 - momentum) * x.var(axis=axes)
        np.testing.assert_allclose(graph.state["bn"]["running_mean"], expected_mean, rtol=1e-12)
        np.testing.assert_allclose(graph.state["bn"]["running_var"], expected_var, rtol=1e-12)


def test_running_averages_relate_to_pytorch_as_documented(torch):
    """PyTorch's momentum is 1 - ours and its running variance uses the unbiased batch variance."""
    momentum, shape = 0.8, (5, 3, 2, 2)
    count = shape[0] * shape[2] * shape[3]
    graph = batchnorm_graph(shape, momentum=momentum)
    torch_mean, torch_var = torch.zeros(3), torch.ones(3)
    rng = np.random.default_rng(1)
    for _ in range(3):
        x = rng.normal(-1.0, 3.0, size=shape)
        graph.forward({"x": x}, train=True)
        torch.nn.functional.batch_norm(
            torch.tensor(x), torch_mean, torch_var, training=True, momentum=1 - momentum
        )
        batch_var = x.var(axis=(0, 2, 3))
        unbiased_step = (1 - momentum) * batch_var * (count / (count - 1) - 1)
        ours = graph.state["bn"]
        np.testing.assert_allclose(ours["running_mean"], torch_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours["running_var"] + unbiased_step, torch_var.numpy())
        ours["running_var"] = torch_var.numpy().copy()  # compare one step at a time


def test_eval_mode_uses_the_running_averages_like_pytorch(torch):
    shape = (3, 4, 2, 3)
    graph = batchnorm_graph(shape, eps=1e-3)
    rng = np.random.default_rng(2)
    mean, var = rng.normal(size=4), rng.uniform(0.2, 3.0, size=4)
    graph.state["bn"] = {"running_mean": mean.copy(), "running_var": var.copy()}
    x = rng.normal(size=shape)
    upstream = rng.normal(size=shape)
    graph.forward({"x": x}, train=False)
    graph.backward(grad=upstream)

    tensors = [torch.tensor(v, requires_grad=True) for v in (x, *graph.params.values())]
    expected = torch.nn.functional.batch_norm(
        tensors[0], torch.tensor(mean), torch.tensor(var), *tensors[1:], training=False, eps=1e-3
    )
    expected.backward(torch.tensor(upstream))
    np.testing.assert_allclose(graph.values["bn"], expected.detach().numpy(), atol=1e-12)
    for name, tensor in zip(("x", "gamma", "beta"), tensors, strict=True):
        np.testing.assert_allclose(graph.grads[name], tensor.grad.numpy(), atol=1e-12)
    np.testing.assert_array_equal(graph.state["bn"]["running_mean"], mean)
    np.testing.assert_array_equal(graph.state["bn"]["running_var"], var)


def test_eval_mode_gradients_with_trained_running_averages():
    graph = batchnorm_graph((4, 3), momentum=0.5)
    rng = np.random.default_rng(3)
    for _ in range(3):
        graph.forward({"x": rng.normal(2.0, 3.0, size=(4, 3))}, train=True)
    results = gradient_check(graph, {"x": rng.normal(size=(2, 3))}, max_checks=None)
    assert {name: r.error < 1e-7 for name, r in results.items()} == dict.fromkeys(
        ("x", "gamma", "beta"), True
    )


def test_training_needs_more_than_one_value_per_channel():
    graph = batchnorm_graph((1, 3))
    with pytest.raises(ShapeError, match="more than one value per channel"):
        graph.forward({"x": np.ones((1, 3))}, train=True)
    graph.forward({"x": np.ones((1, 3))}, train=False)


@pytest.mark.parametrize(
    ("x_shape", "gamma_shape", "port"),
    [((4, 3), (4,), "gamma"), ((2, 3, 4, 4), (4,), "gamma"), ((2, 3, 4), (3,), "x")],
)
def test_batchnorm_shape_errors_name_the_port(x_shape, gamma_shape, port):
    b = GraphBuilder()
    x = b.add("input", id="x", shape=list(x_shape))
    gamma = b.add("parameter", id="gamma", shape=list(gamma_shape))
    beta = b.add("parameter", id="beta", shape=list(gamma_shape))
    b.add("batchnorm", x, gamma, beta, id="bn")
    with pytest.raises(ShapeError, match=f"input '{port}'"):
        b.build()


@pytest.mark.parametrize(("attr", "value"), [("momentum", 1.0), ("eps", 0.0), ("momentum", -0.1)])
def test_batchnorm_refuses_bad_attrs(attr, value):
    with pytest.raises(AttrError, match=attr):
        batchnorm_graph((2, 3), **{attr: value})


def test_dropout_keeps_about_p_of_the_units_scaled_by_one_over_p():
    p = 0.3
    graph = dropout_graph((1000, 1000), p=p)
    x = np.random.default_rng(4).uniform(1.0, 2.0, size=(1000, 1000))
    out = graph.forward({"x": x}, train=True, rng=np.random.default_rng(11))["out"]
    kept = out != 0
    # the kept fraction of 10^6 Bernoulli(p) draws has standard deviation < 5e-4
    assert abs(kept.mean() - p) < 3e-3
    np.testing.assert_allclose(out[kept], x[kept] / p, rtol=1e-15)


def test_dropout_backward_uses_the_forward_mask():
    graph = dropout_graph((50, 40), p=0.6)
    rng = np.random.default_rng(6)
    x, upstream = rng.uniform(1.0, 2.0, size=(50, 40)), rng.normal(size=(50, 40))
    out = graph.forward({"x": x}, train=True, rng=np.random.default_rng(2))["out"]
    grad = graph.backward(grad=upstream)["x"]
    np.testing.assert_allclose(grad, upstream * out / x, rtol=1e-14)
    assert 0 < np.count_nonzero(grad) < grad.size


def test_dropout_is_the_identity_in_eval_mode():
    graph = dropout_graph((20, 30), p=0.2)
    x = np.random.default_rng(7).normal(size=(20, 30))
    np.testing.assert_array_equal(graph.forward({"x": x}, train=False)["out"], x)
    upstream = np.random.default_rng(8).normal(size=(20, 30))
    np.testing.assert_array_equal(graph.backward(grad=upstream)["x"], upstream)


def test_dropout_is_reproducible_with_the_same_seed():
    graph = dropout_graph((30, 30))
    x = np.ones((30, 30))

    def run(seed):
        return graph.forward({"x": x}, train=True, rng=np.random.default_rng(seed))["out"].copy()

    np.testing.assert_array_equal(run(3), run(3))
    assert not np.array_equal(run(3), run(4))


@pytest.mark.parametrize("p", [0.0, 1.5])
def test_dropout_refuses_a_keep_probability_outside_0_1(p):
    with pytest.raises(AttrError, match="'p'"):
        dropout_graph((2, 2), p=p)


def loss_graph(op, scores_shape, labels_shape):
    b = GraphBuilder()
    scores = b.add("input", id="scores", shape=list(scores_shape))
    labels = b.add("input", id="labels", shape=list(labels_shape), dtype="int")
    b.add(op, scores, labels, id="loss")
    return b.build(dtype="float64")


@pytest.mark.parametrize("op", ["softmax_cross_entropy", "svm_loss"])
@pytest.mark.parametrize(
    ("scores", "labels", "port"),
    [((4, 3), (5,), "labels"), ((4, 3, 2), (4,), "scores"), ((4, 3), (4, 1), "labels")],
)
def test_classification_losses_check_shapes(op, scores, labels, port):
    with pytest.raises(ShapeError, match=f"input '{port}'"):
        loss_graph(op, scores, labels)


@pytest.mark.parametrize("op", ["softmax_cross_entropy", "svm_loss"])
@pytest.mark.parametrize("bad_label", [-1, 3])
def test_classification_losses_refuse_labels_that_are_not_classes(op, bad_label):
    graph = loss_graph(op, (-1, 3), (-1,))
    labels = np.array([0, bad_label, 2])
    with pytest.raises(DatasetError, match=r"0\.\.2"):
        graph.forward({"scores": np.zeros((3, 3)), "labels": labels})


def test_mse_needs_equal_shapes():
    b = GraphBuilder()
    prediction = b.add("input", id="p", shape=[-1, 3])
    b.add("mse", prediction, b.add("input", id="t", shape=[4, 1]), id="loss")
    with pytest.raises(ShapeError, match=r"\(N, 3\) and target \(4, 1\)"):
        b.build()


MY_CASES = losses.CASES + normalization.CASES


@pytest.mark.parametrize("case", MY_CASES, ids=[c.id for c in MY_CASES])
def test_float32_in_gives_float32_out(case: OpCase):
    b = GraphBuilder()
    ports = []
    for port in REGISTRY[case.op].inputs:
        value = case.inputs[port]
        dtype = "int" if np.issubdtype(value.dtype, np.integer) else "float"
        ports.append(b.add("input", id=port, shape=list(value.shape), dtype=dtype))
    b.add(case.op, *ports, id="out", **case.attrs)
    graph = b.build(dtype="float32")
    graph.forward(case.inputs, train=case.train)
    out = graph.values["out"]
    assert out.dtype == np.float32
    graph.backward(grad=np.ones(out.shape, np.float32))
    floats = [p for p, v in case.inputs.items() if not np.issubdtype(v.dtype, np.integer)]
    assert {p: graph.grads[p].dtype for p in floats} == dict.fromkeys(floats, np.float32)
    for state in graph.state["out"].values():
        assert state.dtype == np.float32
