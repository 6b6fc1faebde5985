"""Numbers of the kNN regions view: decision regions of 2-D points, nearest images, k by
cross-validation. The neighbour search is the engine's own ``engine.knn``.

Regions follow the notes' figure: each grid point takes the class that wins the vote among
its k nearest points; a vote shared by two or more classes is a tie (label -1, drawn white).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.knn import KNearestNeighbor, cross_validate

TIE = -1
K_RANGE = (1, 25)


def grid_over(X: np.ndarray, resolution: int = 120, margin: float = 0.5) -> np.ndarray:
    """A (resolution, resolution, 2) grid of points covering X (N, 2) plus ``margin``."""
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs = np.linspace(low[0], high[0], resolution)
    ys = np.linspace(low[1], high[1], resolution)
    return np.stack(np.meshgrid(xs, ys), axis=-1)


def region_labels(X, y, points, k: int, metric: str = "l2") -> np.ndarray:
    """The vote's winner at each of ``points`` (..., 2), TIE where classes share the top vote."""
    flat = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    model = KNearestNeighbor(k, metric).fit(np.asarray(X, dtype=np.float64), y)
    counts = model.votes(model.kneighbors(flat))
    top = counts.max(axis=1, keepdims=True)
    winners = model.classes[counts.argmax(axis=1)]
    labels = np.where((counts == top).sum(axis=1) > 1, TIE, winners)
    return labels.reshape(np.shape(points)[:-1])


@dataclass(frozen=True)
class Neighbours:
    """A test image's k nearest training images: indices (k,), labels (k,), distances (k,)
    (L1 or L2, not squared), and the vote's prediction."""

    indices: np.ndarray
    labels: np.ndarray
    distances: np.ndarray
    prediction: int


def nearest_images(train_X, train_y, image, k: int, metric: str = "l2") -> Neighbours:
    """The k training images (N, ...) nearest ``image`` (one image of the same shape)."""
    model = KNearestNeighbor(k, metric).fit(train_X, train_y)
    query = np.asarray(image, dtype=np.float64)[None]
    indices = model.kneighbors(query)[0]
    distances = model.distances(query)[0, indices]
    if metric == "l2":
        distances = np.sqrt(distances)
    return Neighbours(
        indices, np.asarray(train_y)[indices], distances, int(model.vote(indices[None])[0])
    )


@dataclass(frozen=True)
class CrossValidation:
    """Accuracy of each k on each fold: ks (K,), folds (K, F), mean (K,), and the best k."""

    ks: np.ndarray
    folds: np.ndarray
    mean: np.ndarray

    @property
    def best_k(self) -> int:
        return int(self.ks[int(np.argmax(self.mean))])


def cross_validation(X, y, ks, folds: int = 5, metric: str = "l2") -> CrossValidation:
    """k-fold cross-validation of kNN for every k in ``ks`` (the kNN panel's own computation)."""
    scores = cross_validate(X, y, ks, folds, metric)
    ks = np.array(sorted(scores))
    return CrossValidation(
        ks,
        np.array([scores[k].accuracies for k in ks]),
        np.array([scores[k].mean for k in ks]),
    )
