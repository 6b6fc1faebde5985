"""kNN: agreement with scikit-learn's brute-force classifier, tie rules, cross-validation."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import GraphLabError
from engine.knn import KNearestNeighbor, cross_validate

SKLEARN_METRIC = {"l1": "manhattan", "l2": "euclidean"}


@pytest.fixture(scope="module")
def digits():
    datasets = pytest.importorskip("sklearn.datasets")
    data = datasets.load_digits()
    order = np.random.default_rng(0).permutation(len(data.target))
    X, y = data.data[order], data.target[order]
    return X[:1300], y[:1300], X[1300:], y[1300:]


def sklearn_predictions(X, y, X_test, k, metric):
    neighbors = pytest.importorskip("sklearn.neighbors")
    model = neighbors.KNeighborsClassifier(k, algorithm="brute", metric=SKLEARN_METRIC[metric])
    return model.fit(X, y).predict(X_test)


@pytest.mark.parametrize("metric", ["l1", "l2"])
@pytest.mark.parametrize("k", [1, 3, 8])
def test_agrees_with_sklearn_on_digits(digits, k, metric):
    X, y, X_test, _ = digits
    ours = KNearestNeighbor(k, metric, max_elements=1 << 18).fit(X, y).predict(X_test)
    theirs = sklearn_predictions(X, y, X_test, k, metric)
    assert np.mean(ours == theirs) >= 0.99


@pytest.mark.parametrize("metric", ["l1", "l2"])
@pytest.mark.parametrize("k", [1, 2, 4, 7])
def test_agrees_exactly_without_distance_ties(k, metric):
    rng = np.random.default_rng(k)
    X, X_test = rng.random((300, 6)), rng.random((200, 6))
    y = rng.integers(0, 4, 300) * 3 + 1  # labels 1, 4, 7, 10: not 0..C-1
    ours = KNearestNeighbor(k, metric).fit(X, y).predict(X_test)
    np.testing.assert_array_equal(ours, sklearn_predictions(X, y, X_test, k, metric))


def test_distances_match_the_definitions():
    rng = np.random.default_rng(0)
    X, X_test = rng.integers(0, 17, (50, 64)), rng.integers(0, 17, (30, 64))
    diff = X_test[:, None, :] - X[None, :, :]
    l1 = KNearestNeighbor(metric="l1", max_elements=5000).fit(X, np.zeros(50, int))
    l2 = KNearestNeighbor(metric="l2", max_elements=100).fit(X, np.zeros(50, int))
    np.testing.assert_array_equal(l1.distances(X_test), np.abs(diff).sum(axis=2))
    np.testing.assert_array_equal(l2.distances(X_test), (diff**2).sum(axis=2))


def test_equal_distances_go_to_the_lower_index_and_vote_ties_to_the_smaller_label():
    X = np.array([[1.0], [-1.0], [2.0], [-2.0]])
    y = np.array([5, 3, 5, 3])
    model = KNearestNeighbor(2).fit(X, y)
    np.testing.assert_array_equal(model.kneighbors(np.zeros((1, 1))), [[0, 1]])
    np.testing.assert_array_equal(model.predict(np.zeros((1, 1))), [3])  # 5 and 3 tie: 3
    np.testing.assert_array_equal(model.predict(np.zeros((1, 1)), k=1), [5])  # nearest: 5


def test_cross_validation_reports_every_k_and_fold(digits):
    X, y, _, _ = digits
    scores = cross_validate(X[:500], y[:500], ks=[1, 5, 20], folds=5)
    assert list(scores) == [1, 5, 20]
    for score in scores.values():
        assert len(score.accuracies) == 5
        assert score.mean == pytest.approx(np.mean(score.accuracies))
        assert score.std == pytest.approx(np.std(score.accuracies))
    assert scores[1].mean > 0.9 and scores[20].mean < scores[1].mean
    fold = np.arange(100, 200)
    train = np.setdiff1d(np.arange(500), fold)
    second = KNearestNeighbor(5).fit(X[train], y[train]).predict(X[fold])
    assert scores[5].accuracies[1] == pytest.approx(np.mean(second == y[fold]))


def test_errors_name_the_problem():
    with pytest.raises(GraphLabError, match="unknown metric 'cosine'"):
        KNearestNeighbor(metric="cosine")
    with pytest.raises(GraphLabError, match="k = 5 is more than the 3"):
        KNearestNeighbor(5).fit(np.zeros((3, 2)), np.zeros(3, int))
    with pytest.raises(GraphLabError, match="3 features per row, trained on 2"):
        KNearestNeighbor(1).fit(np.zeros((3, 2)), np.zeros(3, int)).predict(np.zeros((1, 3)))
    with pytest.raises(GraphLabError, match="folds must be between 2 and 4"):
        cross_validate(np.zeros((4, 2)), np.zeros(4, int), ks=[1], folds=5)
