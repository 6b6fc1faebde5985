"""kNN regions: the colours agree with scikit-learn's KNeighborsClassifier away from ties;
ties are marked; the image neighbours and the cross-validation curve."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab.course.knn_regions import (
    TIE,
    cross_validation,
    grid_over,
    nearest_images,
    region_labels,
)
from graphlab.datasets import digits


@pytest.mark.parametrize("metric", ["l1", "l2"])
@pytest.mark.parametrize("k", [1, 2, 4, 7, 25])
def test_region_colours_equal_sklearn_away_from_ties(k, metric):
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(k)
    X = rng.standard_normal((40, 2))
    y = rng.integers(0, 3, 40)
    grid = grid_over(X, resolution=40)
    ours = region_labels(X, y, grid, k, metric).reshape(-1)
    sk = KNeighborsClassifier(
        n_neighbors=k, metric="manhattan" if metric == "l1" else "euclidean", algorithm="brute"
    ).fit(X, y)
    theirs = sk.predict(grid.reshape(-1, 2))
    decided = ours != TIE
    assert decided.sum() > 0.2 * len(ours)
    np.testing.assert_array_equal(ours[decided], theirs[decided])
    neighbours = sk.kneighbors(grid.reshape(-1, 2), return_distance=False)
    votes = np.stack([(y[neighbours] == c).sum(axis=1) for c in range(3)], axis=1)
    shared = (votes == votes.max(axis=1, keepdims=True)).sum(axis=1) > 1
    np.testing.assert_array_equal(ours == TIE, shared)  # white exactly where the vote is shared


def test_a_point_between_two_classes_is_a_tie_for_k_2():
    X, y = np.array([[-1.0, 0.0], [1.0, 0.0]]), np.array([0, 1])
    labels = region_labels(X, y, np.array([[0.0, 0.3], [-0.9, 0.0]]), k=2)
    assert labels.tolist() == [TIE, TIE]
    assert region_labels(X, y, np.array([[-0.9, 0.0]]), k=1).tolist() == [0]


def test_nearest_images_are_sorted_with_true_distances():
    data = digits()
    train, test = data.X[:500].astype(np.float64), data.X[500].astype(np.float64)
    near = nearest_images(train, data.y[:500], test, k=5, metric="l2")
    expected = np.sqrt(((train.reshape(500, -1) - test.reshape(-1)) ** 2).sum(axis=1))
    np.testing.assert_allclose(near.distances, np.sort(expected)[:5], rtol=1e-12)
    assert near.labels.tolist() == data.y[near.indices].tolist()
    assert near.prediction == np.bincount(near.labels).argmax()  # the vote of the five
    l1 = nearest_images(train, data.y[:500], test, k=3, metric="l1")
    assert l1.distances[0] == np.abs(train[l1.indices[0]] - test).sum()


def test_cross_validation_gives_one_accuracy_per_fold_and_their_mean():
    data = digits()
    X, y = data.X[:400], data.y[:400]
    cv = cross_validation(X, y, [1, 3, 5], folds=4)
    assert cv.folds.shape == (3, 4)
    np.testing.assert_allclose(cv.mean, cv.folds.mean(axis=1))
    assert cv.mean.min() > 0.85 and cv.best_k in (1, 3, 5)
