"""Initializers: the curriculum's experiment (lecture 6) and the fan-in of each weight shape."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import AttrError
from engine.init import RELU_BIAS, fan_in_out, initial_value
from engine.ops.leaves import INITIALIZERS

ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh}


def activation_stds(init: str, activation: str, seed: int = 0) -> np.ndarray:
    """Std of each of 10 layers of 500 units fed 1000 unit-Gaussian inputs."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1000, 500))
    stds = []
    for _ in range(10):
        W = initial_value(init, (500, 500), rng, dtype=np.float64)
        x = ACTIVATIONS[activation](x @ W)
        stds.append(x.std())
    return np.array(stds)


def last_over_first(init: str, activation: str) -> float:
    stds = activation_stds(init, activation)
    return stds[-1] / stds[0]


def test_he_with_relu_keeps_the_scale():
    assert 0.5 < last_over_first("he", "relu") < 2.0


def test_xavier_with_tanh_keeps_more_than_a_quarter():
    assert last_over_first("xavier", "tanh") > 0.25


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_small_random_numbers_collapse(activation):
    assert last_over_first("small", activation) < 1e-4


def test_xavier_with_relu_halves_the_variance_each_layer():
    assert last_over_first("xavier", "relu") < 0.1


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((), (1, 1)), ((7,), (7, 7)), ((30, 20), (30, 20)), ((8, 3, 5, 5), (75, 200))],
)
def test_fan_in_out(shape, expected):
    assert fan_in_out(shape) == expected


def test_scales_and_constants():
    rng = np.random.default_rng(0)
    he = initial_value("he", (2000, 400), rng)
    xavier = initial_value("xavier", (2000, 400), rng)
    small = initial_value("small", (2000, 400), rng)
    assert he.dtype == np.float32
    assert he.std() == pytest.approx(np.sqrt(2 / 2000), rel=0.01)
    assert xavier.std() == pytest.approx(np.sqrt(1 / 2000), rel=0.01)
    assert small.std() == pytest.approx(0.01, rel=0.01)
    conv = initial_value("he", (16, 8, 3, 3), rng, dtype=np.float64)
    assert conv.std() == pytest.approx(np.sqrt(2 / 72), rel=0.1)
    np.testing.assert_array_equal(initial_value("relu_bias", (3,), rng), np.float32(RELU_BIAS))
    np.testing.assert_array_equal(initial_value("zeros", (2, 2), rng), 0)
    np.testing.assert_array_equal(initial_value("ones", (2,), rng), 1)


def test_every_listed_initializer_works_and_unknown_is_refused():
    rng = np.random.default_rng(0)
    for name in INITIALIZERS:
        assert initial_value(name, (3, 4), rng).shape == (3, 4)
    with pytest.raises(AttrError, match="'orthogonal'"):
        initial_value("orthogonal", (3, 4), rng)
