"""Tensors with an axis of size 0: inputs accept them, sums over no values are 0, and the
maximum (minimum) of no values is the dtype's lowest (highest) value, ONNX's rule."""

import numpy as np
import pytest

from engine.build import GraphBuilder
from engine.errors import AttrError


def reduction(op, shape, dtype="float", **attrs):
    b = GraphBuilder()
    x = b.add("input", id="x", shape=list(shape), dtype=dtype)
    b.add(op, x, id="out", **attrs)
    return b.build(dtype="float64")


def test_an_input_may_have_an_axis_of_size_0_but_not_a_negative_one():
    assert reduction("sum", (2, 0, 3), axis=1).shapes["x"] == (2, 0, 3)
    with pytest.raises(AttrError, match=r"integers >= 0 \(-1 for one unknown size\), got \[2, -2\]"):  # fmt: skip
        reduction("sum", (2, -2), axis=1)


@pytest.mark.parametrize("keepdims", [True, False])
def test_the_sum_over_no_values_is_zero_as_in_torch_and_its_gradient_is_empty(torch, keepdims):
    graph = reduction("sum", (2, 0, 3), axis=1, keepdims=keepdims)
    x = np.zeros((2, 0, 3))
    out = graph.forward({"x": x})["out"]
    expected = torch.sum(torch.tensor(x), dim=1, keepdim=keepdims).numpy()
    np.testing.assert_array_equal(out, expected)
    assert out.shape == ((2, 1, 3) if keepdims else (2, 3)) and not out.any()
    graph.backward(grad=np.ones(out.shape))
    assert graph.grads["x"].shape == (2, 0, 3)


def test_reducing_a_full_axis_of_an_empty_tensor_keeps_it_empty():
    graph = reduction("sum", (0, 3), axis=1)
    assert graph.forward({"x": np.zeros((0, 3))})["out"].shape == (0,)


@pytest.mark.parametrize(
    ("op", "dtype", "expected"),
    [
        ("reduce_max", "float", -np.inf),
        ("reduce_min", "float", np.inf),
        ("reduce_max", "int", np.iinfo(np.int64).min),
        ("reduce_min", "int", np.iinfo(np.int64).max),
    ],
)
def test_the_extreme_of_no_values_is_the_dtypes_bound(op, dtype, expected):
    graph = reduction(op, (2, 0, 4), dtype=dtype, axis=[1], keepdims=True)
    x = np.zeros((2, 0, 4), np.int64 if dtype == "int" else np.float64)
    out = graph.forward({"x": x})["out"]
    assert out.shape == (2, 1, 4) and out.dtype == x.dtype
    assert np.all(out == expected)
    if dtype == "float":
        graph.backward(grad=np.ones(out.shape))
        assert graph.grads["x"].shape == (2, 0, 4)
