"""Cases for conv2d, maxpool and avgpool, against torch.nn.functional."""

import numpy as np

from tests.engine.cases import OpCase, rand

rng = np.random.default_rng(3)


def _conv(t, x, w, b, kernel, stride=1, pad=0):
    return t.nn.functional.conv2d(x, w, b, stride=stride, padding=pad)


def _maxpool(t, x, kernel=2, stride=0):
    return t.nn.functional.max_pool2d(x, kernel, stride or kernel)


def _avgpool(t, x, kernel=2, stride=0):
    return t.nn.functional.avg_pool2d(x, kernel, stride or kernel)


def conv_case(x_shape, filters, kernel, label, **attrs):
    channels = x_shape[1]
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
]

POOL_SHAPES = [
    ((1, 1, 4, 4), {}, "batch1"),
    ((2, 3, 5, 7), {}, "odd-nonsquare"),
    ((2, 2, 7, 6), {"kernel": 3, "stride": 2}, "overlap-stride2"),
    ((1, 2, 6, 9), {"kernel": 3}, "kernel3"),
]

CASES = [
    *CONV_CASES,
    *[
        OpCase(op, {"x": rand(rng, *shape)}, attrs, fn, label=label)
        for op, fn in (("maxpool", _maxpool), ("avgpool", _avgpool))
        for shape, attrs, label in POOL_SHAPES
    ],
]
