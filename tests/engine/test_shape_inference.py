"""Shapes of the reduction, linear-algebra and activation ops.

Inference with unknown batch sizes; shape and attr errors that name the node, the port and
the shapes; float32 runs that match the inferred shape and keep the dtype; and the gradients
at kinks and ties that numerical checks cannot see (relu family at 0, maxout ties).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.build import GraphBuilder
from engine.errors import AttrError, ShapeError
from engine.ops import REGISTRY
from tests.engine.cases import activations, linalg, reductions


def graph_of(op: str, shapes: dict[str, tuple], dtype="float64", **attrs):
    """One input node per port (None sizes become -1) feeding a node "out" running ``op``."""
    b = GraphBuilder()
    ports = [
        b.add("input", id=port, shape=[-1 if d is None else d for d in shapes[port]])
        for port in REGISTRY[op].inputs
    ]
    b.add(op, *ports, id="out", **attrs)
    return b.build(dtype=dtype)


def inferred(op: str, shapes: dict[str, tuple], **attrs) -> tuple:
    return graph_of(op, shapes, **attrs).shapes["out"]


@pytest.mark.parametrize(
    ("op", "shapes", "attrs", "expected"),
    [
        ("flatten", {"x": (None, 32, 2, 2)}, {}, (None, 128)),
        ("affine", {"x": (None, 128), "w": (128, 10), "b": (10,)}, {}, (None, 10)),
        ("affine", {"x": (None, 3, 4, 4), "w": (48, 5), "b": (5,)}, {}, (None, 5)),
        ("matmul", {"a": (None, 5), "b": (5, 3)}, {}, (None, 3)),
        ("matmul", {"a": (3, 2), "b": (2,)}, {}, (3,)),
        ("matmul", {"a": (4,), "b": (4, 6)}, {}, (6,)),
        ("matmul", {"a": (4,), "b": (4,)}, {}, ()),
        ("reshape", {"x": (None, 32, 2, 2)}, {"shape": [-1, 128]}, (None, 128)),
        ("reshape", {"x": (None, 16)}, {"shape": [-1, 1, 4, 4]}, (None, 1, 4, 4)),
        ("reshape", {"x": (6, 4)}, {"shape": [3, -1, 2]}, (3, 4, 2)),
        ("transpose", {"x": (None, 3, 5)}, {}, (5, 3, None)),
        ("transpose", {"x": (None, 3, 5)}, {"axes": [0, 2, 1]}, (None, 5, 3)),
        ("sum", {"x": (None, 10)}, {}, ()),
        ("sum", {"x": (None, 10)}, {"axis": 1}, (None,)),
        ("mean", {"x": (None, 3, 4)}, {"axis": [1, 2], "keepdims": True}, (None, 1, 1)),
        ("mean", {"x": (None, 3, 4)}, {"axis": 0}, (3, 4)),
        ("relu", {"x": (None, 3, 4)}, {}, (None, 3, 4)),
        ("prelu", {"x": (None, 3, 4, 4), "slope": (3, 1, 1)}, {}, (None, 3, 4, 4)),
        ("prelu", {"x": (None, 3), "slope": (1,)}, {}, (None, 3)),
        ("maxout", {"x": (None, 6, 4, 4)}, {"k": 3}, (None, 2, 4, 4)),
        ("maxout", {"x": (None, 8)}, {}, (None, 4)),
    ],
)
def test_shape_inference_with_unknown_batch(op, shapes, attrs, expected):
    assert inferred(op, shapes, **attrs) == expected


def _pattern(*pieces: str) -> str:
    """A regex matching the pieces in this order, anything between them."""
    return ".*".join(re.escape(p) for p in pieces)


SHAPE_ERRORS = [
    ("matmul", {"a": (3, 2), "b": (4,)}, {}, ["input 'b'", "(3, 2)", "(4,)"]),
    ("matmul", {"a": (None, 5), "b": (4, 2)}, {}, ["input 'b'", "(N, 5)", "(4, 2)"]),
    ("matmul", {"a": (2, 3, 4), "b": (3, 5, 2)}, {}, ["input 'b'", "(2, 3, 4)", "(3, 5, 2)"]),
    (
        "affine",
        {"x": (None, 4, 4), "w": (15, 10), "b": (10,)},
        {},
        ["input 'w'", "(N, 4, 4)", "16 features", "(15, 10)"],
    ),
    ("affine", {"x": (None, 16), "w": (16, 10), "b": (9,)}, {}, ["input 'b'", "(9,)", "(16, 10)"]),
    ("affine", {"x": (16,), "w": (16, 10), "b": (10,)}, {}, ["input 'x'", "(16,)"]),
    ("affine", {"x": (None, 16), "w": (16,), "b": (10,)}, {}, ["input 'w'", "(16,)"]),
    ("reshape", {"x": (3, 4)}, {"shape": [5, -1]}, ["input 'x'", "(3, 4)", "(5, -1)"]),
    ("reshape", {"x": (3, 4)}, {"shape": [2, 5]}, ["input 'x'", "(3, 4)", "(2, 5)"]),
    ("flatten", {"x": (None,)}, {}, ["input 'x'", "(N,)"]),
    ("sum", {"x": (None, 3)}, {"axis": 2}, ["input 'x'", "axis 2", "(N, 3)"]),
    ("mean", {"x": (None, 3)}, {"axis": [1, -1]}, ["input 'x'", "repeat", "(N, 3)"]),
    ("prelu", {"x": (None, 3), "slope": (4,)}, {}, ["input 'slope'", "(N, 3)", "(4,)"]),
    ("prelu", {"x": (None, 3), "slope": (2, 1, 3)}, {}, ["input 'slope'", "(2, 1, 3)", "(N, 3)"]),
    ("maxout", {"x": (None, 7, 2)}, {}, ["input 'x'", "7 channels", "(N, 7, 2)", "k=2"]),
    ("maxout", {"x": (None,)}, {"k": 3}, ["input 'x'", "(N,)"]),
]


@pytest.mark.parametrize(
    ("op", "shapes", "attrs", "pieces"), SHAPE_ERRORS, ids=[e[0] for e in SHAPE_ERRORS]
)
def test_shape_error_names_node_port_and_shapes(op, shapes, attrs, pieces):
    with pytest.raises(ShapeError, match=_pattern(f'node "out" ({op})', *pieces)):
        graph_of(op, shapes, **attrs)


ATTR_ERRORS = [
    ("transpose", {"x": (None, 3, 4)}, {"axes": [0, 0, 1]}, ["'axes'", "input 'x'", "(N, 3, 4)"]),
    ("transpose", {"x": (None, 3, 4)}, {"axes": [0, 1]}, ["'axes'", "[0, 1]", "(N, 3, 4)"]),
    ("transpose", {"x": (None, 3)}, {"axes": [0, 2]}, ["'axes'", "[0, 2]", "(N, 3)"]),
    ("maxout", {"x": (None, 4)}, {"k": 1}, ["'k'", ">= 2", "got 1"]),
    ("reshape", {"x": (None, 4)}, {"shape": [-1, -1]}, ["'shape'", "[-1, -1]"]),
    ("reshape", {"x": (None, 4)}, {"shape": [0, 4]}, ["'shape'", "[0, 4]"]),
    ("sum", {"x": (None, 4)}, {"axis": 1.5}, ["'axis'", "1.5"]),
    ("mean", {"x": (None, 4)}, {"keepdims": "yes"}, ["'keepdims'", "'yes'"]),
    ("leaky_relu", {"x": (None, 4)}, {"slope": "steep"}, ["'slope'", "'steep'"]),
    ("elu", {"x": (None, 4)}, {"alpha": float("nan")}, ["'alpha'", "nan"]),
]


@pytest.mark.parametrize(
    ("op", "shapes", "attrs", "pieces"), ATTR_ERRORS, ids=[e[0] for e in ATTR_ERRORS]
)
def test_attr_error_names_node_attr_and_value(op, shapes, attrs, pieces):
    with pytest.raises(AttrError, match=_pattern(f'node "out" ({op})', *pieces)):
        graph_of(op, shapes, **attrs)


def test_reshape_of_a_fed_batch_that_does_not_fit():
    graph = graph_of("reshape", {"x": (None, 4)}, shape=[2, 8])
    graph.forward({"x": np.zeros((4, 4))})
    assert graph.values["out"].shape == (2, 8)
    with pytest.raises(ShapeError, match=_pattern("input 'x'", "(3, 4)", "(2, 8)")):
        graph.forward({"x": np.zeros((3, 4))})


MY_CASES = reductions.CASES + linalg.CASES + activations.CASES


@pytest.mark.parametrize("case", MY_CASES, ids=[c.id for c in MY_CASES])
def test_float32_run_matches_inferred_shape_and_keeps_dtype(case):
    """Forward output has the inferred shape; float32 stays float32 through forward and backward."""
    shapes = {port: value.shape for port, value in case.inputs.items()}
    graph = graph_of(case.op, shapes, dtype="float32", **case.attrs)
    graph.forward(case.inputs)
    out = graph.values["out"]
    assert out.shape == graph.shapes["out"]
    assert out.dtype == np.float32
    graph.backward(grad=np.ones(out.shape, np.float32))
    for port in REGISTRY[case.op].inputs:
        assert graph.grads[port].dtype == np.float32, port


def _grads_at(op: str, inputs: dict[str, np.ndarray], upstream, **attrs) -> dict:
    """Gradients of every input of one node after forward and backward with ``upstream``."""
    graph = graph_of(op, {port: v.shape for port, v in inputs.items()}, **attrs)
    graph.forward(inputs)
    graph.backward(grad=np.asarray(upstream, np.float64))
    return {port: graph.grads[port] for port in inputs}


def test_maxout_routes_each_group_gradient_to_the_first_of_tied_maxima():
    x = np.array([[3.0, 3.0, 2.0, 2.0, 1.0, 5.0]])
    grads = _grads_at("maxout", {"x": x}, [[1.0, 2.0, 3.0]], k=2)
    np.testing.assert_array_equal(grads["x"], [[1.0, 0.0, 2.0, 0.0, 0.0, 3.0]])


def test_relu_family_gradients_at_zero_follow_pytorch():
    x = np.array([[-1.0, 0.0, 2.0]])
    upstream = [[1.0, 1.0, 1.0]]
    np.testing.assert_array_equal(_grads_at("relu", {"x": x}, upstream)["x"], [[0, 0, 1]])
    leaky = _grads_at("leaky_relu", {"x": x}, upstream, slope=0.1)["x"]
    np.testing.assert_allclose(leaky, [[0.1, 0.1, 1.0]])
    elu = _grads_at("elu", {"x": x}, upstream, alpha=0.5)["x"]
    np.testing.assert_allclose(elu, [[0.5 * np.exp(-1.0), 0.5, 1.0]])
    prelu = _grads_at("prelu", {"x": x, "slope": np.array([0.3])}, upstream)
    np.testing.assert_allclose(prelu["x"], [[0.3, 0.3, 1.0]])
    np.testing.assert_allclose(prelu["slope"], [-1.0])
