"""Cases for softmax, the losses and the weight penalties."""

import numpy as np

from tests.engine.cases import OpCase, away_from, rand

rng = np.random.default_rng(2)

#: (N, C, label) of the classification cases: a batch, a batch of 1, odd sizes
CLASSIFIER_SIZES = [(4, 3, "batch"), (1, 5, "batch1"), (7, 11, "odd")]


def labels(n: int, classes: int) -> np.ndarray:
    return rng.integers(0, classes, size=n).astype(np.int64)


def hinge_scores(n: int, classes: int, y: np.ndarray, margin: float) -> np.ndarray:
    """Scores whose hinge terms s_j - s_y + margin all lie at least 0.1 from the kink at 0."""
    scores = rand(rng, n, classes)
    correct = scores[np.arange(n), y][:, None]
    offsets = scores - correct + margin
    nudged = np.where(np.abs(offsets) < 0.1, np.sign(offsets + 1e-12) * 0.1, offsets)
    scores = correct + nudged - margin
    scores[np.arange(n), y] = correct[:, 0]
    return scores


def _cross_entropy(t, scores, y):
    return t.nn.functional.cross_entropy(scores, y)


def _svm(t, scores, y, margin=1.0):
    """PyTorch's multi_margin_loss divides each sample's sum by C; ours does not."""
    return t.nn.functional.multi_margin_loss(scores, y, p=1, margin=margin) * scores.shape[1]


CASES = []
for n, c, label in CLASSIFIER_SIZES:
    y = labels(n, c)
    CASES += [
        OpCase("softmax", {"x": rand(rng, n, c)}, torch=lambda t, x: t.softmax(x, -1), label=label),
        OpCase(
            "log_softmax",
            {"x": rand(rng, n, c)},
            torch=lambda t, x: t.log_softmax(x, -1),
            label=label,
        ),
        OpCase(
            "softmax_cross_entropy",
            {"scores": rand(rng, n, c), "labels": y},
            torch=_cross_entropy,
            label=label,
        ),
        OpCase(
            "svm_loss",
            {"scores": hinge_scores(n, c, y, 1.0), "labels": y},
            torch=_svm,
            label=label,
        ),
        OpCase(
            "mse",
            {"prediction": rand(rng, n, c), "target": rand(rng, n, c)},
            torch=lambda t, p, q: t.nn.functional.mse_loss(p, q),
            label=label,
        ),
    ]

y_margin = labels(6, 4)
CASES += [
    OpCase(
        "softmax",
        {"x": rand(rng, 3, 5, 2)},
        {"axis": 1},
        lambda t, x, axis: t.softmax(x, axis),
        label="axis1",
    ),
    OpCase(
        "log_softmax",
        {"x": rand(rng, 2, 3, 4)},
        {"axis": 0},
        lambda t, x, axis: t.log_softmax(x, axis),
        label="axis0",
    ),
    OpCase(
        "softmax",
        {"x": rand(rng, 2, 6) * 400},
        torch=lambda t, x: t.softmax(x, -1),
        label="large",
        tolerance=1e-5,
    ),
    OpCase(
        "softmax_cross_entropy",
        {"scores": rand(rng, 3, 4) * 500, "labels": labels(3, 4)},
        torch=_cross_entropy,
        label="large",
    ),
    OpCase(
        "svm_loss",
        {"scores": hinge_scores(6, 4, y_margin, 0.3), "labels": y_margin},
        {"margin": 0.3},
        _svm,
        label="margin",
    ),
    OpCase(
        "mse",
        {"prediction": rand(rng, 2, 3, 5), "target": rand(rng, 2, 3, 5)},
        torch=lambda t, p, q: t.nn.functional.mse_loss(p, q),
        label="4d",
    ),
]

for shape, label in (((4, 3), "matrix"), ((1, 5), "batch1"), ((3, 1, 5), "odd")):
    CASES += [
        OpCase(
            "l2_penalty",
            {"w": rand(rng, *shape)},
            {"strength": 0.1},
            lambda t, w, strength: strength * (w * w).sum(),
            label=label,
        ),
        OpCase(
            "l1_penalty",
            {"w": away_from(rng, *shape)},
            {"strength": 0.3},
            lambda t, w, strength: strength * w.abs().sum(),
            label=label,
        ),
        OpCase(
            "elastic_penalty",
            {"w": away_from(rng, *shape)},
            {"strength": 0.2, "beta": 0.5},
            lambda t, w, strength, beta: strength * (beta * w * w + w.abs()).sum(),
            label=label,
        ),
    ]
CASES.append(
    OpCase(
        "l2_penalty",
        {"w": rand(rng, 3, 2)},
        torch=lambda t, w: 1e-3 * (w * w).sum(),
        label="default",
    )
)
