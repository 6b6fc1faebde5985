"""Cases for matmul (batched too), affine, reshape, flatten (any axis) and transpose."""

import numpy as np

from tests.engine.cases import OpCase, rand

rng = np.random.default_rng(3)


def _matmul(a_shape, b_shape, label):
    return OpCase(
        "matmul",
        {"a": rand(rng, *a_shape), "b": rand(rng, *b_shape)},
        torch=lambda t, a, b: a @ b,
        label=label,
    )


def _affine(x_shape, m, label):
    d = int(np.prod(x_shape[1:]))
    inputs = {"x": rand(rng, *x_shape), "w": rand(rng, d, m), "b": rand(rng, m)}
    return OpCase(
        "affine",
        inputs,
        torch=lambda t, x, w, b: x.reshape(x.shape[0], -1) @ w + b,
        label=label,
    )


def _reshape(t, x, shape):
    return x.reshape(shape)


def _flatten(t, x, axis):
    axis = axis + x.dim() if axis < 0 else axis
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


def _transpose(t, x, axes=None):
    return x.permute(*(axes if axes is not None else reversed(range(x.dim()))))


CASES = [
    _matmul((3, 4), (4, 5), "matrices"),
    _matmul((3, 2), (2,), "matrix-vector"),
    _matmul((3,), (3, 5), "vector-matrix"),
    _matmul((7,), (7,), "dot"),
    _matmul((1, 5), (5, 3), "batch1"),
    _matmul((2, 3, 4), (4, 5), "batched"),
    _matmul((3, 1, 2, 4), (2, 4, 3), "broadcast-batch"),
    _matmul((4,), (2, 4, 3), "vector-batch"),
    _affine((4, 6), 3, "matrix"),
    _affine((1, 5), 2, "batch1"),
    _affine((3, 2, 3, 5), 7, "odd-image"),
    OpCase("reshape", {"x": rand(rng, 3, 4)}, {"shape": [2, 6]}, _reshape, label="fixed"),
    OpCase("reshape", {"x": rand(rng, 1, 6)}, {"shape": [-1, 2, 3]}, _reshape, label="batch1"),
    OpCase("reshape", {"x": rand(rng, 5, 3, 7)}, {"shape": [5, -1]}, _reshape, label="odd"),
    OpCase("flatten", {"x": rand(rng, 2, 3, 4)}, torch=lambda t, x: x.flatten(1), label="3d"),
    OpCase(
        "flatten", {"x": rand(rng, 1, 2, 2, 2)}, torch=lambda t, x: x.flatten(1), label="batch1"
    ),
    OpCase("flatten", {"x": rand(rng, 3, 5, 1, 7)}, torch=lambda t, x: x.flatten(1), label="odd"),
    *[
        OpCase("flatten", {"x": rand(rng, *shape)}, {"axis": axis}, _flatten, label=label)
        for shape, axis, label in (
            ((2, 3, 4, 5), 2, "axis2"),
            ((2, 3, 4), 0, "axis0"),
            ((3, 2, 5), -1, "negative"),
            ((2, 3), 2, "axis-last"),
        )
    ],
    OpCase("transpose", {"x": rand(rng, 3, 4)}, torch=_transpose, label="reverse"),
    OpCase("transpose", {"x": rand(rng, 1, 3, 2)}, {"axes": [0, 2, 1]}, _transpose, label="batch1"),
    OpCase(
        "transpose", {"x": rand(rng, 3, 5, 2, 7)}, {"axes": [2, 0, 3, 1]}, _transpose, label="odd"
    ),
    OpCase(
        "transpose", {"x": rand(rng, 2, 3, 4)}, {"axes": [-1, 0, 1]}, _transpose, label="negative"
    ),
]
