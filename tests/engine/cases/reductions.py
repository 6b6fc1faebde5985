"""Cases for the reductions sum and mean."""

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
