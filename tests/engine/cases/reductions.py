"""Cases for the reductions sum, mean, reduce_max and reduce_min."""

import numpy as np

from tests.engine.cases import OpCase, rand

rng = np.random.default_rng(2)


def _torch_reduce(method):
    """The torch reference: x.sum/x.mean over ``axis`` (None: every axis)."""

    def reference(t, x, axis=None, keepdims=False):
        if axis is None:
            axis = tuple(range(x.dim()))
        return getattr(x, method)(dim=axis, keepdim=keepdims)

    return reference


AXES = [
    ((3, 4), {}, "all"),
    ((1, 5), {"axis": 1}, "batch1"),
    ((3, 5, 7), {"axis": [0, 2], "keepdims": True}, "odd-keepdims"),
    ((2, 3, 5), {"axis": -1}, "negative-axis"),
    ((4, 3, 2), {"keepdims": True}, "all-keepdims"),
]

CASES = [
    OpCase(op, {"x": rand(rng, *shape)}, attrs, _torch_reduce(op), label=label)
    for op in ("sum", "mean")
    for shape, attrs, label in AXES
]


def _torch_extreme(method):
    """torch.amax/amin over ``axis`` (None: every axis): ties share the gradient as here."""

    def reference(t, x, axis=None, keepdims=False):
        dims = tuple(range(x.dim())) if axis is None else axis
        return getattr(t, method)(x, dim=dims, keepdim=keepdims)

    return reference


CASES += [
    OpCase(op, {"x": rand(rng, *shape)}, attrs, _torch_extreme(method), label=label)
    for op, method in (("reduce_max", "amax"), ("reduce_min", "amin"))
    for shape, attrs, label in AXES
]
CASES.append(
    OpCase(
        "reduce_max",
        {"x": rand(rng, 2, 3, 4, 5)},
        {"axis": [2, 3], "keepdims": True},
        _torch_extreme("amax"),
        label="global-max-pool",
    )
)
