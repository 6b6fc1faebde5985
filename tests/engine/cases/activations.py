"""Cases for the activation functions; inputs stay away from the kinks at 0."""

import math

import numpy as np

from tests.engine.cases import OpCase, away_from, rand

rng = np.random.default_rng(4)

SHAPES = [((3, 4), "matrix"), ((1, 5), "batch1"), ((3, 1, 5), "odd")]


def _leaky_relu(t, x, slope=0.01):
    return t.nn.functional.leaky_relu(x, slope)


def _elu(t, x, alpha=1.0):
    return t.nn.functional.elu(x, alpha)


def _prelu(t, x, slope):
    return t.where(x > 0, x, slope * x)


def _maxout(t, x, k=2):
    n, c = x.shape[:2]
    return x.view(n, c // k, k, *x.shape[2:]).max(2).values


def distinct(*shape):
    """Values at least 0.05 apart (no near-ties for maxout), centred on 0."""
    size = math.prod(shape)
    values = rng.permutation(size) * 0.1 + rng.uniform(0, 0.05, size)
    return (values - values.mean()).reshape(shape)


CASES = []
for shape, label in SHAPES:
    CASES += [
        OpCase(
            "sigmoid",
            {"x": rand(rng, *shape, low=-6, high=6)},
            torch=lambda t, x: t.sigmoid(x),
            label=label,
        ),
        OpCase(
            "tanh",
            {"x": rand(rng, *shape, low=-3, high=3)},
            torch=lambda t, x: t.tanh(x),
            label=label,
        ),
        OpCase("relu", {"x": away_from(rng, *shape)}, torch=lambda t, x: t.relu(x), label=label),
        OpCase("leaky_relu", {"x": away_from(rng, *shape)}, torch=_leaky_relu, label=label),
        OpCase("elu", {"x": away_from(rng, *shape)}, torch=_elu, label=label),
    ]

CASES += [
    OpCase("leaky_relu", {"x": away_from(rng, 4, 3)}, {"slope": 0.2}, _leaky_relu, label="slope"),
    OpCase("elu", {"x": away_from(rng, 4, 3)}, {"alpha": 0.5}, _elu, label="alpha"),
    OpCase(
        "prelu",
        {"x": away_from(rng, 4, 6), "slope": rand(rng, 1, low=0.05, high=0.5)},
        torch=_prelu,
        label="shared",
    ),
    OpCase(
        "prelu",
        {"x": away_from(rng, 2, 3, 4, 5), "slope": rand(rng, 3, 1, 1, low=0.05, high=0.5)},
        torch=_prelu,
        label="per-channel",
    ),
    OpCase(
        "prelu",
        {"x": away_from(rng, 1, 5), "slope": rand(rng, 5, low=-0.5, high=0.5)},
        torch=_prelu,
        label="batch1",
    ),
    OpCase(
        "prelu",
        {"x": away_from(rng, 3, 7), "slope": rand(rng, 3, 7, low=0.05, high=0.5)},
        torch=_prelu,
        label="odd-elementwise",
    ),
    OpCase("maxout", {"x": distinct(4, 6)}, torch=_maxout, label="dense"),
    OpCase("maxout", {"x": distinct(1, 6, 2, 3)}, {"k": 3}, _maxout, label="batch1-image"),
    OpCase("maxout", {"x": distinct(3, 10, 5)}, {"k": 5}, _maxout, label="odd"),
]
