"""conv2d / maxpool / avgpool beyond the case table: ties, shape errors, dtypes, skipped dx."""

from __future__ import annotations

import numpy as np
import pytest

from engine.build import GraphBuilder
from engine.errors import ShapeError
from engine.ops import REGISTRY


def pool_graph(x_shape, op="maxpool", dtype="float64", **attrs):
    b = GraphBuilder()
    x = b.add("input", id="x", shape=list(x_shape))
    b.add(op, x, id="out", **attrs)
    return b.build(dtype=dtype)


@pytest.mark.parametrize("attrs", [{}, {"kernel": 3, "stride": 1}])
def test_maxpool_ties_route_like_pytorch(attrs, torch):
    """Flat regions: every window holds equal maxima; the gradient goes to the first one."""
    x = np.zeros((2, 3, 6, 6))
    x[0, 0, 2:5, 1:4] = 1.0  # a flat plateau of ties inside zeros
    x[1, 2] = 0.5
    graph = pool_graph(x.shape, **attrs)
    graph.forward({"x": x})
    upstream = np.random.default_rng(0).standard_normal(graph.values["out"].shape)
    graph.backward(grad=upstream)

    tx = torch.tensor(x, requires_grad=True)
    kernel = attrs.get("kernel", 2)
    out = torch.nn.functional.max_pool2d(tx, kernel, attrs.get("stride") or kernel)
    out.backward(torch.tensor(upstream))
    np.testing.assert_array_equal(graph.values["out"], out.detach().numpy())
    theirs = tx.grad.numpy()
    np.testing.assert_array_equal(graph.grads["x"] != 0, theirs != 0)  # same cells get gradient
    np.testing.assert_allclose(graph.grads["x"], theirs, rtol=1e-14)  # sums in another order


def conv_graph(x_shape, w_shape, b_shape, dtype="float64", **attrs):
    b = GraphBuilder()
    x = b.add("input", id="x", shape=list(x_shape))
    w = b.add("parameter", id="w", shape=list(w_shape))
    bias = b.add("parameter", id="b", shape=list(b_shape), init="zeros")
    b.add("conv2d", x, w, bias, id="out", **attrs)
    return b.build(dtype=dtype)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "b_shape", "attrs", "words"),
    [
        (
            (-1, 3, 8, 8),
            (4, 2, 3, 3),
            (4,),
            {"kernel": 3},
            ["'w'", "3 channels", "(N, 3, 8, 8)", "(4, 2, 3, 3)"],
        ),
        ((-1, 1, 8, 8), (4, 1, 3, 3), (4,), {"kernel": 5}, ["'w'", "kernel = 5", "(4, 1, 3, 3)"]),
        ((-1, 1, 8, 8), (4, 1, 3, 3), (5,), {"kernel": 3}, ["'b'", "(5,)", "(4, 1, 3, 3)"]),
        ((-1, 8, 8), (4, 1, 3, 3), (4,), {"kernel": 3}, ["'x'", "(N, 8, 8)"]),
        ((-1, 1, 2, 8), (4, 1, 3, 3), (4,), {"kernel": 3}, ["'x'", "H = 2", "(N, 1, 2, 8)"]),
    ],
)
def test_conv_shape_errors_name_port_and_shapes(x_shape, w_shape, b_shape, attrs, words):
    with pytest.raises(ShapeError) as info:
        conv_graph(x_shape, w_shape, b_shape, **attrs)
    message = str(info.value)
    assert 'node "out" (conv2d)' in message
    for word in words:
        assert word in message


@pytest.mark.parametrize("op", ["maxpool", "avgpool"])
def test_pool_shape_errors(op):
    with pytest.raises(ShapeError, match=r"'x'.*\(N, C, L\).*\(N, 4\)"):
        pool_graph((-1, 4), op)
    with pytest.raises(ShapeError, match=r"'x'.*\(N, 1, 2, 2, 2, 2\)"):
        pool_graph((-1, 1, 2, 2, 2, 2), op)
    with pytest.raises(ShapeError, match=r"W = 2.*\(N, 1, 5, 2\)"):
        pool_graph((-1, 1, 5, 2), op, kernel=3)
    with pytest.raises(ShapeError, match=r"D = 2 .*3x3x3 window.*\(N, 1, 2, 5, 5\)"):
        pool_graph((-1, 1, 2, 5, 5), op, kernel=3)
    with pytest.raises(ShapeError, match=r"2 sizes >= 0 \(L begin, L end\), got \[1, 1, 1, 1\]"):
        pool_graph((-1, 1, 6), op, pads=[1, 1, 1, 1])


def test_unknown_batch_stays_unknown():
    graph = conv_graph((-1, 2, 7, 9), (3, 2, 3, 3), (3,), kernel=3, stride=2, pad=1)
    assert graph.shapes["out"] == (None, 3, 4, 5)


@pytest.mark.parametrize("op", ["conv2d", "maxpool", "avgpool"])
def test_float32_stays_float32(op):
    rng = np.random.default_rng(0)
    if op == "conv2d":
        graph = conv_graph((-1, 2, 6, 5), (3, 2, 3, 3), (3,), dtype="float32", kernel=3, pad=1)
    else:
        graph = pool_graph((-1, 2, 6, 5), op, dtype="float32")
    x = rng.standard_normal((2, 2, 6, 5)).astype(np.float32)
    graph.forward({"x": x})
    assert graph.values["out"].dtype == np.float32
    graph.backward(grad=np.ones(graph.values["out"].shape, np.float32))
    assert {k: g.dtype for k, g in graph.grads.items()} == dict.fromkeys(graph.grads, np.float32)


def test_conv_skips_dx_when_not_needed():
    graph = conv_graph((-1, 1, 6, 6), (2, 1, 3, 3), (2,), kernel=3)
    graph.forward({"x": np.ones((2, 1, 6, 6))})
    saved = graph._saved["out"]
    grad = np.ones((2, 2, 4, 4))
    op = REGISTRY["conv2d"]
    dx, dw, db = op.backward(np, saved, grad, graph.attrs["out"], (False, True, True))
    assert dx is None
    assert dw.shape == (2, 1, 3, 3)
    np.testing.assert_allclose(db, [32.0, 32.0])
    graph.backward(grad=grad, wrt=["w", "b"])
    assert "x" not in graph.grads
