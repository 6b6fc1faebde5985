"""The curriculum's first classifier (lecture 2): k-nearest neighbours and k-fold cross-validation.

Distances are computed in float64 with whole-array operations, a block of test rows at a time
so memory stays under ``max_elements`` numbers per block:

- L2: squared distances by the expansion |a - b|^2 = |a|^2 - 2 a.b + |b|^2 (one GEMM per block);
  exact for integer data such as pixels, so equal distances stay equal.
- L1: sum |a - b| by broadcasting a (rows, 1, D) block against (1, N, D).

Neighbours are ordered by distance, equal distances by training index (a stable sort). The vote
is the most frequent label among the k nearest; a tie between labels goes to the smallest label
(as in the CS231n assignment and scikit-learn). Written against ``xp`` (numpy or cupy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.backend import array_module_of, to_numpy
from engine.errors import GraphLabError

METRICS = ("l1", "l2")


class KNearestNeighbor:
    """``KNearestNeighbor(k=5, metric='l2').fit(X, y).predict(X_test)``; X is (N, D) or (N, ...)."""

    def __init__(self, k: int = 1, metric: str = "l2", max_elements: int = 1 << 22) -> None:
        if metric not in METRICS:
            raise GraphLabError(f"unknown metric {metric!r}: expected one of {', '.join(METRICS)}")
        if k < 1:
            raise GraphLabError(f"k must be at least 1, got {k}")
        self.k, self.metric, self.max_elements = k, metric, max_elements

    def fit(self, X, y) -> KNearestNeighbor:
        """Memorise the training data X (N, D...) and integer labels y (N,)."""
        self.xp = array_module_of(X)
        self.X = self.xp.asarray(X, dtype=np.float64).reshape(len(X), -1)
        self.classes, codes = np.unique(np.asarray(to_numpy(y)), return_inverse=True)
        self.codes = self.xp.asarray(codes.reshape(-1))
        if len(self.codes) != len(self.X):
            raise GraphLabError(f"{len(self.X)} training rows but {len(self.codes)} labels")
        if self.k > len(self.X):
            raise GraphLabError(f"k = {self.k} is more than the {len(self.X)} training points")
        self._squares = (self.X * self.X).sum(axis=1)
        return self

    def distances(self, X):
        """(M, N) distances from each row of X to each training row (squared for L2)."""
        rows = self._as_rows(X)
        return self.xp.concatenate([self._block(rows[s]) for s in self._blocks(len(rows))])

    def kneighbors(self, X, k: int | None = None):
        """(M, k) training indices of the k nearest rows, nearest first."""
        k = k or self.k
        rows = self._as_rows(X)
        blocks = [
            self.xp.argsort(self._block(rows[s]), axis=1, kind="stable")[:, :k]
            for s in self._blocks(len(rows))
        ]
        return self.xp.concatenate(blocks) if blocks else self.xp.zeros((0, k), dtype=np.int64)

    def predict(self, X, k: int | None = None) -> np.ndarray:
        """(M,) predicted labels (numpy), by majority vote of the k nearest."""
        return self.vote(self.kneighbors(X, k))

    def vote(self, neighbours) -> np.ndarray:
        """Majority label of each row of (M, k) neighbour indices; ties to the smallest label."""
        return self.classes[to_numpy(self.votes(neighbours).argmax(axis=1))]

    def votes(self, neighbours):
        """(M, classes) count of each class (in ``self.classes`` order) among each row's neighbours."""
        labels = self.codes[neighbours]
        return (labels[:, :, None] == self.xp.arange(len(self.classes))).sum(axis=1)

    def _as_rows(self, X):
        rows = self.xp.asarray(X, dtype=np.float64).reshape(len(X), -1)
        if rows.shape[1] != self.X.shape[1]:
            raise GraphLabError(f"{rows.shape[1]} features per row, trained on {self.X.shape[1]}")
        return rows

    def _blocks(self, count: int) -> list[slice]:
        per_row = len(self.X) * (self.X.shape[1] if self.metric == "l1" else 1)
        step = max(1, self.max_elements // max(per_row, 1))
        return [slice(i, i + step) for i in range(0, count, step)]

    def _block(self, rows):
        xp = self.xp
        if self.metric == "l1":
            return xp.abs(rows[:, None, :] - self.X[None, :, :]).sum(axis=2)
        squared = rows @ self.X.T
        squared *= -2.0
        squared += (rows * rows).sum(axis=1)[:, None]
        squared += self._squares[None, :]
        return xp.maximum(squared, 0.0, out=squared)


@dataclass(frozen=True)
class FoldScores:
    """Validation accuracy of one k on each fold, with their mean and standard deviation."""

    accuracies: tuple[float, ...]
    mean: float
    std: float


def cross_validate(
    X, y, ks, folds: int = 5, metric: str = "l2", progress=None
) -> dict[int, FoldScores]:
    """k-fold cross-validation of kNN for each k in ``ks``.

    The rows are split in order into ``folds`` nearly equal parts (shuffle first if the data
    is sorted); each part is the validation set once, the rest the training set. One
    neighbour search per fold serves every k. ``progress(done, folds)``, when given, is
    called before each fold (a background job stops there once cancelled).
    """
    if folds < 2 or folds > len(X):
        raise GraphLabError(f"folds must be between 2 and {len(X)}, got {folds}")
    ks = [int(k) for k in ks]
    labels = np.asarray(to_numpy(y))
    parts = np.array_split(np.arange(len(X)), folds)
    scores: dict[int, list[float]] = {k: [] for k in ks}
    xp = array_module_of(X)
    for done, part in enumerate(parts):
        if progress is not None:
            progress(done, folds)
        train = np.setdiff1d(np.arange(len(X)), part)
        model = KNearestNeighbor(max(ks), metric).fit(X[xp.asarray(train)], labels[train])
        neighbours = model.kneighbors(X[xp.asarray(part)])
        for k in ks:
            predicted = model.vote(neighbours[:, :k])
            scores[k].append(float(np.mean(predicted == labels[part])))
    return {
        k: FoldScores(tuple(acc), float(np.mean(acc)), float(np.std(acc)))
        for k, acc in scores.items()
    }
