"""Numbers of the linear classifier loss view (the CS231n linear-classify demo).

A linear classifier on 2-D points: scores ``s = X W^T + b`` with W (C, 2), one row per class,
and b (C,). Every loss is the mean over the N points of a per-point loss L_i, plus the L2
penalty ``lambda * sum W^2`` (the bias is not regularized, as in the notes):

- ``ww``: Weston-Watkins multiclass SVM, L_i = sum_{j != y} max(0, s_j - s_y + 1)
- ``ova``: one-vs-all, L_i = sum_j max(0, 1 - t_j s_j) with t_y = +1 and t_j = -1 otherwise
- ``structured``: structured SVM, L_i = max(0, max_{j != y} s_j - s_y + 1)
- ``softmax``: cross-entropy, L_i = -ln(e^{s_y} / sum_j e^{s_j})

Class k's zero-score line is {x : W_k . x + b_k = 0}; :func:`rotate_line` and
:func:`shift_line` turn a drag of its handle or body into a new (W_k, b_k).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graphlab.datasets import blobs

LOSSES = {
    "ww": "Weston-Watkins multiclass SVM",
    "ova": "one-vs-all SVM",
    "structured": "structured SVM",
    "softmax": "softmax cross-entropy",
}


@dataclass(frozen=True)
class LossReport:
    """The loss of (W, b) on the points and its gradient.

    scores (N, C), per_point (N,), data / regularization / total floats, dW (C, 2), db (C,).
    """

    scores: np.ndarray
    per_point: np.ndarray
    data: float
    regularization: float
    total: float
    dW: np.ndarray
    db: np.ndarray


#: the view's starting points (also the dataset of the linear-svm-2d example graph)
DEFAULT_BLOBS = {"classes": 3, "points": 4, "spread": 0.35, "seed": 0}


def default_points() -> tuple[np.ndarray, np.ndarray]:
    """The view's starting set: 3 classes of 4 points (DEFAULT_BLOBS); X (12, 2), y (12,)."""
    data = blobs(**DEFAULT_BLOBS)
    return data.X.astype(np.float64), data.y.copy()


def default_weights() -> tuple[np.ndarray, np.ndarray]:
    """A W (3, 2) and b (3,) to start from: three lines, none of them good yet."""
    W = np.array([[1.0, 2.0], [2.0, -4.0], [3.0, -1.0]])
    b = np.array([0.0, 0.5, -0.5])
    return W, b


def random_weights(rng: np.random.Generator, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """W (classes, 2) and b (classes,) drawn from N(0, 1)."""
    return rng.standard_normal((classes, 2)), rng.standard_normal(classes)


def loss_report(W, b, X, y, loss: str = "ww", reg: float = 0.1) -> LossReport:
    """The ``loss`` of W (C, 2), b (C,) on points X (N, 2) with labels y (N,), L2 strength reg."""
    W, b, X = (np.asarray(a, dtype=np.float64) for a in (W, b, X))
    y = np.asarray(y, dtype=np.int64)
    scores = X @ W.T + b
    per_point, dscores = _point_losses(scores, y, loss)
    n = max(len(X), 1)
    dscores = dscores / n
    data = float(per_point.sum() / n)
    regularization = float(reg * (W * W).sum())
    dW = dscores.T @ X + 2.0 * reg * W
    return LossReport(
        scores, per_point, data, regularization, data + regularization, dW, dscores.sum(axis=0)
    )


def _point_losses(scores: np.ndarray, y: np.ndarray, loss: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-point losses (N,) and their gradient with respect to the scores (N, C)."""
    rows = np.arange(len(y))
    correct = scores[rows, y][:, None]
    if loss == "softmax":
        shifted = scores - scores.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        dscores = np.exp(logp)
        dscores[rows, y] -= 1.0
        return -logp[rows, y], dscores
    if loss == "ova":
        sign = -np.ones_like(scores)
        sign[rows, y] = 1.0
        margins = np.maximum(0.0, 1.0 - sign * scores)
        return margins.sum(axis=1), -sign * (margins > 0)
    margins = np.maximum(0.0, scores - correct + 1.0)
    margins[rows, y] = 0.0
    if loss == "ww":
        active = (margins > 0).astype(np.float64)
        active[rows, y] = -active.sum(axis=1)
        return margins.sum(axis=1), active
    if loss == "structured":
        others = np.where(np.arange(scores.shape[1]) == y[:, None], -np.inf, scores)
        runner = others.argmax(axis=1)
        worst = margins[rows, runner]
        dscores = np.zeros_like(scores)
        dscores[rows, runner] = worst > 0
        dscores[rows, y] -= worst > 0
        return worst, dscores
    raise ValueError(f"unknown loss {loss!r}: expected one of {', '.join(LOSSES)}")


def gradient_step(W, b, report: LossReport, step_size: float) -> tuple[np.ndarray, np.ndarray]:
    """One step of gradient descent: the new (W, b)."""
    return W - step_size * report.dW, b - step_size * report.db


def winning_class(W, b, grid: np.ndarray) -> np.ndarray:
    """The class with the highest score at each point of ``grid`` (..., 2); shape (...)."""
    return np.argmax(grid @ np.asarray(W).T + np.asarray(b), axis=-1)


def line_anchor(w: np.ndarray, b: float) -> np.ndarray:
    """The point of the line w . x + b = 0 nearest the origin (2,); the origin when w = 0."""
    norm2 = float(w @ w)
    return -b * w / norm2 if norm2 > 0 else np.zeros(2)


def rotate_line(w: np.ndarray, b: float, handle: np.ndarray) -> tuple[np.ndarray, float]:
    """Turn the line about its anchor so that its normal points at ``handle``; |w| is kept."""
    anchor = line_anchor(w, b)
    direction = np.asarray(handle, dtype=np.float64) - anchor
    length = float(np.hypot(*direction))
    if length == 0:
        return w.copy(), b
    new_w = direction / length * float(np.hypot(*w))
    return new_w, float(-new_w @ anchor)


def shift_line(w: np.ndarray, b: float, delta: np.ndarray) -> tuple[np.ndarray, float]:
    """Move the line by ``delta`` (2,) without turning it: b becomes b - w . delta."""
    return w.copy(), float(b - w @ np.asarray(delta, dtype=np.float64))
