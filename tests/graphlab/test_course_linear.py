"""The linear classifier loss view's numbers: each loss against a plain loop, gradients
against centred differences, the line drags, and the linear-svm-2d graph's own dL/dW."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab.course.linear import (
    LOSSES,
    default_points,
    line_anchor,
    loss_report,
    rotate_line,
    shift_line,
    winning_class,
)
from graphlab.examples import resolve_graph
from graphlab.fileformat import load_document


def reference_point_loss(s: np.ndarray, y: int, loss: str) -> float:
    """One point's loss written out term by term, as in the notes."""
    others = [j for j in range(len(s)) if j != y]
    if loss == "ww":
        return sum(max(0.0, s[j] - s[y] + 1.0) for j in others)
    if loss == "ova":
        return sum(max(0.0, 1.0 - (1.0 if j == y else -1.0) * s[j]) for j in range(len(s)))
    if loss == "structured":
        return max(0.0, max(s[j] for j in others) - s[y] + 1.0)
    return float(-s[y] + np.log(np.sum(np.exp(s))))


def reference_total(W, b, X, y, loss, reg) -> float:
    losses = [reference_point_loss(W @ x + b, int(c), loss) for x, c in zip(X, y, strict=True)]
    return float(np.mean(losses) + reg * np.sum(W**2))


def random_problem(seed: int):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((3, 2)),
        rng.standard_normal(3),
        rng.standard_normal((15, 2)) * 2,
        rng.integers(0, 3, 15),
    )


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_loss_equals_the_plain_numpy_loss(loss, seed):
    W, b, X, y = random_problem(seed)
    report = loss_report(W, b, X, y, loss, reg=0.3)
    assert abs(report.total - reference_total(W, b, X, y, loss, 0.3)) < 1e-10
    assert abs(report.regularization - 0.3 * np.sum(W**2)) < 1e-10
    for i in range(len(X)):
        expected = reference_point_loss(W @ X[i] + b, int(y[i]), loss)
        assert abs(report.per_point[i] - expected) < 1e-10
    np.testing.assert_allclose(report.scores, X @ W.T + b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_gradient_passes_a_numerical_gradient_check(loss, seed):
    W, b, X, y = random_problem(seed)
    report = loss_report(W, b, X, y, loss, reg=0.3)
    h = 1e-6
    for array, analytic in ((W, report.dW), (b, report.db)):
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + h
            up = loss_report(W, b, X, y, loss, 0.3).total
            array[index] = old - h
            down = loss_report(W, b, X, y, loss, 0.3).total
            array[index] = old
            numeric = (up - down) / (2 * h)
            assert abs(numeric - analytic[index]) < 1e-6 * max(1.0, abs(numeric)), (loss, index)


def test_an_unknown_loss_is_refused():
    W, b, X, y = random_problem(0)
    with pytest.raises(ValueError, match="unknown loss"):
        loss_report(W, b, X, y, "hinge2")


def test_the_svm_2d_example_graph_computes_the_same_loss_and_dW():
    doc = load_document(resolve_graph("linear-svm-2d"))
    graph = doc.compile().astype("float64")
    X, y = default_points()
    W, b = np.array([[0.5, -1.0], [1.5, 0.2], [-0.7, 0.9]]), np.array([0.1, -0.2, 0.3])
    graph.params["fc_W"][...] = W.T
    graph.params["fc_b"][...] = b
    values = graph.forward({"x": X, "y": y})
    grads = graph.backward(wrt=["fc_W", "fc_b"])
    report = loss_report(W, b, X, y, "ww", reg=0.1)
    assert abs(float(values[graph.output()]) - report.total) < 1e-10
    np.testing.assert_allclose(grads["fc_W"], report.dW.T, rtol=0, atol=1e-10)
    np.testing.assert_allclose(grads["fc_b"], report.db, rtol=0, atol=1e-10)


def test_rotating_keeps_the_anchor_and_points_the_normal_at_the_handle():
    w, b = np.array([1.0, 2.0]), 0.5
    anchor = line_anchor(w, b)
    new_w, new_b = rotate_line(w, b, anchor + np.array([3.0, 0.0]))
    assert abs(new_w @ anchor + new_b) < 1e-12  # the anchor stays on the line
    np.testing.assert_allclose(new_w, [np.hypot(1, 2), 0.0], atol=1e-12)


def test_shifting_moves_every_point_of_the_line_by_delta():
    w, b, delta = np.array([1.0, -2.0]), 0.3, np.array([0.4, 0.7])
    new_w, new_b = shift_line(w, b, delta)
    point = line_anchor(w, b)
    assert abs(new_w @ (point + delta) + new_b) < 1e-12


def test_the_background_colour_is_the_class_with_the_highest_score():
    W, b = np.eye(3, 2), np.zeros(3)
    grid = np.array([[[2.0, 0.0], [0.0, 2.0]], [[-2.0, -2.0], [0.1, 0.0]]])
    np.testing.assert_array_equal(winning_class(W, b, grid), [[0, 1], [2, 0]])
