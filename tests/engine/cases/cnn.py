"""Cases for conv2d (groups, dilation, pads) and pooling (pads, ceil mode, dilation; 1-D, 2-D
and 3-D), against torch.nn.functional."""

import numpy as np

from tests.engine.cases import OpCase, rand

rng = np.random.default_rng(3)


def _padded(t, x, pads, value=0.0):
    """x with pads (each spatial axis's begin, then each one's end) cells of ``value`` (torch
    pads take the last axis's begin and end first)."""
    if pads is None:
        return x
    ndim = len(pads) // 2
    widths = [w for axis in reversed(range(ndim)) for w in (pads[axis], pads[ndim + axis])]
    return t.nn.functional.pad(x, widths, value=value)


def _conv(t, x, w, b, kernel, stride=1, pad=0, pads=None, dilation=1, groups=1):
    x = _padded(t, x, pads)
    pad = 0 if pads is not None else pad
    return t.nn.functional.conv2d(x, w, b, stride, pad, dilation, groups)


def _maxpool(t, x, kernel=2, stride=0, pads=None, dilation=1, ceil_mode=False):
    x = _padded(t, x, pads, value=-float("inf"))
    pool = getattr(t.nn.functional, f"max_pool{x.ndim - 2}d")
    return pool(x, kernel, stride or kernel, 0, dilation, ceil_mode)


def _avgpool(t, x, kernel=2, stride=0, pads=None, ceil_mode=False, count_include_pad=False):
    """Symmetric pads through torch's own padding (it counts them or not, as asked)."""
    pad = 0 if pads is None else pads[0]
    assert pads is None or len(set(pads)) == 1, "torch pads pooling symmetrically"
    pool = getattr(t.nn.functional, f"avg_pool{x.ndim - 2}d")
    return pool(x, kernel, stride or kernel, pad, ceil_mode, count_include_pad)


def conv_case(x_shape, filters, kernel, label, **attrs):
    channels = x_shape[1] // attrs.get("groups", 1)
    inputs = {
        "x": rand(rng, *x_shape),
        "w": rand(rng, filters, channels, kernel, kernel),
        "b": rand(rng, filters),
    }
    return OpCase("conv2d", inputs, {"kernel": kernel, **attrs}, _conv, label=label)


CONV_CASES = [
    conv_case((1, 1, 5, 5), 2, 3, "batch1"),
    conv_case((2, 3, 7, 5), 4, 3, "odd-nonsquare-pad", pad=1),
    conv_case((2, 2, 7, 7), 3, 3, "stride2-pad", stride=2, pad=1),
    conv_case((3, 2, 4, 6), 2, 1, "kernel1"),
    conv_case((1, 2, 9, 8), 2, 4, "kernel4-stride3-pad2", stride=3, pad=2),
    conv_case((2, 4, 6, 6), 4, 3, "depthwise", groups=4, pad=1),
    conv_case((1, 6, 7, 5), 4, 3, "groups2-stride2", groups=2, stride=2),
    conv_case((2, 2, 9, 9), 3, 3, "dilation2", dilation=2, pad=2),
    conv_case((1, 3, 6, 7), 2, 3, "asymmetric-pads", stride=2, pads=[1, 0, 2, 1]),
]

POOL_SHAPES = [
    ((1, 1, 4, 4), {}, "batch1"),
    ((2, 3, 7), {"kernel": 3, "stride": 2}, "1d"),
    ((2, 2, 4, 5, 6), {}, "3d"),
    ((1, 2, 5, 7, 6), {"kernel": 3, "stride": 2, "ceil_mode": True}, "3d-ceil"),
    ((2, 3, 5, 7), {}, "odd-nonsquare"),
    ((2, 2, 7, 6), {"kernel": 3, "stride": 2}, "overlap-stride2"),
    ((1, 2, 6, 9), {"kernel": 3}, "kernel3"),
    ((2, 2, 7, 7), {"kernel": 3, "stride": 2, "pads": [1, 1, 1, 1]}, "pads"),
    ((1, 3, 7, 6), {"kernel": 2, "ceil_mode": True}, "ceil-mode"),
    (
        (2, 1, 6, 8),
        {"kernel": 3, "stride": 2, "pads": [1, 1, 1, 1], "ceil_mode": True},
        "pads-ceil",
    ),
]
MAX_ONLY = [
    ((1, 2, 8, 7), {"kernel": 2, "stride": 1, "dilation": 2}, "dilation2"),
    ((2, 1, 5, 6), {"kernel": 3, "stride": 2, "pads": [1, 0, 2, 1]}, "asymmetric-pads"),
    ((2, 2, 9), {"kernel": 3, "stride": 2, "pads": [0, 2], "dilation": 2}, "1d-dilation-pads"),
    (
        (1, 2, 5, 6, 7),
        {"kernel": 3, "stride": 2, "pads": [1, 0, 1, 0, 2, 1], "dilation": 2, "ceil_mode": True},
        "3d-dilation-pads-ceil",
    ),
]
AVG_ONLY = [
    (
        (2, 2, 6, 5),
        {"kernel": 3, "stride": 2, "pads": [1, 1, 1, 1], "count_include_pad": True},
        "count-pad",
    ),
    (
        (1, 2, 7, 7),
        {
            "kernel": 3,
            "stride": 2,
            "pads": [1, 1, 1, 1],
            "ceil_mode": True,
            "count_include_pad": True,
        },
        "count-pad-ceil",
    ),
    ((2, 3, 9), {"kernel": 3, "stride": 2, "pads": [1, 1], "ceil_mode": True}, "1d-pads-ceil"),
    (
        (1, 2, 5, 6, 5),
        {"kernel": 3, "stride": 2, "pads": [1, 1, 1, 1, 1, 1], "count_include_pad": True},
        "3d-count-pad",
    ),
]

CASES = [
    *CONV_CASES,
    *[
        OpCase(op, {"x": rand(rng, *shape)}, attrs, fn, label=label)
        for op, fn, only in (("maxpool", _maxpool, MAX_ONLY), ("avgpool", _avgpool, AVG_ONLY))
        for shape, attrs, label in POOL_SHAPES + only
    ],
]
