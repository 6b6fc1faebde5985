"""Parameter initializers from the curriculum (lecture 6).

fan_in is the number of inputs feeding one output unit: shape[0] for a (D, M) weight,
C*KH*KW for an (F, C, KH, KW) conv filter bank, and the size of a 1-D parameter.
"""

from __future__ import annotations

import math

import numpy as np

from engine.errors import AttrError
from engine.ops.leaves import INITIALIZERS

RELU_BIAS = 0.01


def fan_in_out(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape``."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def initial_value(name: str, shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float32):
    """A numpy array of ``shape`` initialised by the scheme ``name`` (see INITIALIZERS).

    he: randn * sqrt(2 / fan_in) (for ReLU); xavier: randn / sqrt(fan_in) (for tanh);
    small: 0.01 * randn; zeros; ones; relu_bias: a small positive constant (0.01).
    """
    fan_in, _ = fan_in_out(shape)
    if name == "he":
        value = rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)
    elif name == "xavier":
        value = rng.standard_normal(shape) / math.sqrt(fan_in)
    elif name == "small":
        value = 0.01 * rng.standard_normal(shape)
    elif name == "zeros":
        value = np.zeros(shape)
    elif name == "ones":
        value = np.ones(shape)
    elif name == "relu_bias":
        value = np.full(shape, RELU_BIAS)
    else:
        raise AttrError(f"attr 'init': expected one of {', '.join(INITIALIZERS)}, got {name!r}")
    return np.asarray(value, dtype=dtype)
