"""Engine ops keep ONNX's meaning where a quick implementation would change it."""

import numpy as np

from engine.ops import get_op


def test_integer_divide_truncates_toward_zero_as_onnx_does():
    """ONNX (and C) integer division truncates; true division would silently give floats."""
    a, b = np.array([7, -7, 7, -7, 6]), np.array([2, 2, -2, -2, 3])
    out, _ = get_op("divide").forward(np, [a, b], {}, None)
    assert out.dtype.kind == "i" and out.tolist() == [3, -3, -3, 3, 2]


def test_max_pooling_pads_never_win_even_for_negative_or_unsigned_images():
    op = get_op("maxpool")
    attrs = op.validate_attrs({"kernel": 3, "stride": 1, "pads": [1, 1, 1, 1]})
    x = -np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    out, _ = op.forward(np, [x], attrs, None)
    assert out[0, 0].tolist() == [[-1, -1, -2], [-1, -1, -2], [-4, -4, -5]]
    small, _ = op.forward(np, [np.arange(9, dtype=np.uint8).reshape(1, 1, 3, 3)], attrs, None)
    assert small.dtype == np.uint8 and small[0, 0, 0].tolist() == [4, 5, 5]


def test_average_pooling_counts_only_the_image_unless_asked():
    op = get_op("avgpool")
    x = np.ones((1, 1, 2, 2))
    for include, corner in ((False, 1.0), (True, 0.25)):
        attrs = op.validate_attrs({"kernel": 2, "stride": 1, "pads": [1, 1, 1, 1], "count_include_pad": include})  # fmt: skip
        out, _ = op.forward(np, [x], attrs, None)
        assert out[0, 0, 0, 0] == corner and out[0, 0, 1, 1] == 1.0
