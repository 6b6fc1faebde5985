"""Cases for concat, pad, squeeze and unsqueeze."""

import numpy as np

from tests.engine.cases import OpCase, rand

rng = np.random.default_rng(5)
MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}


def _concat(t, a, b, axis=1):
    return t.cat([a, b], dim=axis)


def _pad(t, x, pads, mode="constant", value=0.0):
    """ONNX pads (begins, then ends) as torch's (last axis first: before, after, ...)."""
    ndim = x.dim()
    widths = [w for axis in reversed(range(ndim)) for w in (pads[axis], pads[ndim + axis])]
    while len(widths) > 2 and widths[-2:] == [0, 0]:
        widths = widths[:-2]
    if mode == "constant":
        return t.nn.functional.pad(x, widths, value=value)
    return t.nn.functional.pad(x, widths, mode=MODES[mode])


CASES = [
    OpCase(
        "concat",
        {"a": rand(rng, 2, 3, 4, 4), "b": rand(rng, 2, 5, 4, 4)},
        {},
        _concat,
        label="channels",
    ),  # fmt: skip
    OpCase(
        "concat",
        {"a": rand(rng, 1, 3), "b": rand(rng, 1, 2)},
        {"axis": -1},
        _concat,
        label="batch1",
    ),  # fmt: skip
    OpCase(
        "concat",
        {"a": rand(rng, 3, 2, 5), "b": rand(rng, 1, 2, 5)},
        {"axis": 0},
        _concat,
        label="odd-axis0",
    ),  # fmt: skip
    OpCase(
        "pad",
        {"x": rand(rng, 2, 3, 4, 5)},
        {"pads": [0, 0, 1, 2, 0, 0, 2, 1], "value": 1.5},
        _pad,
        label="constant",
    ),  # fmt: skip
    OpCase(
        "pad",
        {"x": rand(rng, 1, 2, 4, 5)},
        {"pads": [0, 0, 2, 1, 0, 0, 1, 3], "mode": "reflect"},
        _pad,
        label="reflect",
    ),  # fmt: skip
    OpCase(
        "pad",
        {"x": rand(rng, 2, 1, 3, 3)},
        {"pads": [0, 0, 2, 1, 0, 0, 3, 2], "mode": "edge"},
        _pad,
        label="edge",
    ),  # fmt: skip
    OpCase(
        "pad",
        {"x": rand(rng, 2, 3, 4, 5)},
        {"pads": [0, 0, 3, 1, 0, 0, 2, 4], "mode": "wrap"},
        _pad,
        label="wrap",
    ),  # fmt: skip
    OpCase(
        "squeeze",
        {"x": rand(rng, 2, 1, 3, 1)},
        {"axes": [3]},
        lambda t, x, axes: x.squeeze(3),
        label="one-axis",
    ),  # fmt: skip
    OpCase("squeeze", {"x": rand(rng, 1, 4, 1)}, {}, lambda t, x: x.squeeze(), label="all"),
    OpCase(
        "squeeze",
        {"x": rand(rng, 3, 5, 1, 1)},
        {"axes": [-1, -2]},
        lambda t, x, axes: x.squeeze(-1).squeeze(-1),
        label="negative",
    ),  # fmt: skip
    OpCase(
        "unsqueeze",
        {"x": rand(rng, 2, 3)},
        {"axes": [0]},
        lambda t, x, axes: x.unsqueeze(0),
        label="front",
    ),  # fmt: skip
    OpCase(
        "unsqueeze",
        {"x": rand(rng, 1, 5)},
        {"axes": [1, 3]},
        lambda t, x, axes: x.unsqueeze(1).unsqueeze(3),
        label="batch1",
    ),  # fmt: skip
    OpCase(
        "unsqueeze",
        {"x": rand(rng, 3, 2)},
        {"axes": [-1]},
        lambda t, x, axes: x.unsqueeze(-1),
        label="negative",
    ),  # fmt: skip
]
