"""Cases for the elementwise gates."""

import numpy as np

from tests.engine.cases import OpCase, away_from, rand

rng = np.random.default_rng(1)

SHAPES = [((3, 4), (4,), "broadcast"), ((1, 5), (1, 5), "batch1"), ((3, 1, 5), (7, 1), "odd")]


def _binary(op, torch_fn, make_a=rand, make_b=rand):
    return [
        OpCase(op, {"a": make_a(rng, *sa), "b": make_b(rng, *sb)}, torch=torch_fn, label=label)
        for sa, sb, label in SHAPES
    ]


def _positive(rng, *shape):
    return rand(rng, *shape, low=0.5, high=2.0)


CASES = [
    *_binary("add", lambda t, a, b: a + b),
    *_binary("subtract", lambda t, a, b: a - b),
    *_binary("multiply", lambda t, a, b: a * b),
    *_binary("divide", lambda t, a, b: a / b, make_b=lambda r, *s: away_from(r, *s, gap=0.5)),
    *[
        OpCase(
            "max",
            {"a": a, "b": a + away_from(rng, *a.shape, gap=0.05)},
            torch=lambda t, a, b: t.maximum(a, b),
            label=label,
        )
        for a, label in (
            (rand(rng, 3, 4), "same"),
            (rand(rng, 1, 5), "batch1"),
            (rand(rng, 3, 1, 5), "odd"),
        )
    ],
    *[
        OpCase(
            "min",
            {"a": a, "b": a + away_from(rng, *a.shape, gap=0.05)},
            torch=lambda t, a, b: t.minimum(a, b),
            label=label,
        )
        for a, label in (
            (rand(rng, 3, 4), "same"),
            (rand(rng, 1, 5), "batch1"),
            (rand(rng, 3, 1, 5), "odd"),
        )
    ],
    OpCase(
        "max",
        {"a": rand(rng, 4, 3) + 5.0, "b": rand(rng, 3)},
        torch=lambda t, a, b: t.maximum(a, b),
        label="broadcast",
    ),
    OpCase(
        "min",
        {"a": rand(rng, 4, 3) + 5.0, "b": rand(rng, 3)},
        torch=lambda t, a, b: t.minimum(a, b),
        label="broadcast",
    ),
]

for shape, label in (((3, 4), "matrix"), ((1, 5), "batch1"), ((3, 1, 5), "odd")):
    CASES += [
        OpCase("negate", {"x": rand(rng, *shape)}, torch=lambda t, x: -x, label=label),
        OpCase(
            "reciprocal",
            {"x": away_from(rng, *shape, gap=0.5)},
            torch=lambda t, x: 1 / x,
            label=label,
        ),
        OpCase("exp", {"x": rand(rng, *shape)}, torch=lambda t, x: t.exp(x), label=label),
        OpCase("log", {"x": _positive(rng, *shape)}, torch=lambda t, x: t.log(x), label=label),
        OpCase("sqrt", {"x": _positive(rng, *shape)}, torch=lambda t, x: t.sqrt(x), label=label),
        OpCase(
            "clip",
            {"x": 3 * away_from(rng, *shape, kink=0.0) + 3},
            {"low": 0.0, "high": 6.0},
            lambda t, x, low, high: t.clamp(x, low, high),
            label=f"relu6-{label}",
        ),
        OpCase("abs", {"x": away_from(rng, *shape)}, torch=lambda t, x: t.abs(x), label=label),
        OpCase(
            "power",
            {"x": _positive(rng, *shape)},
            {"exponent": 3.0},
            lambda t, x, exponent: x**exponent,
            label=label,
        ),
        OpCase(
            "power",
            {"x": _positive(rng, *shape)},
            {"exponent": -0.5},
            lambda t, x, exponent: x**exponent,
            label=label + "-root",
        ),
    ]

CASES += [
    OpCase(
        "clip",
        {"x": away_from(rng, 2, 3, kink=1.0)},
        {"low": 1.0},
        lambda t, x, low: t.clamp(x, min=low),
        label="low-only",
    ),  # fmt: skip
    OpCase(
        "clip",
        {"x": away_from(rng, 4, kink=-1.0)},
        {"high": -1.0},
        lambda t, x, high: t.clamp(x, max=high),
        label="high-only",
    ),  # fmt: skip
]

CASES += [
    OpCase(
        "pow",
        {"a": _positive(rng, *sa), "b": rand(rng, *sb)},
        torch=lambda t, a, b: t.pow(a, b),
        label=label,
    )  # fmt: skip
    for sa, sb, label in SHAPES
]
