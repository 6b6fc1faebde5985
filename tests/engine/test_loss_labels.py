"""Classification losses need integer labels: floats are a DatasetError a person can act on
(not an IndexError from inside numpy), whatever the values."""

import numpy as np
import pytest

from engine.build import GraphBuilder
from engine.errors import DatasetError


def float_labels_graph(op):
    """Scores (N, 3) and labels fed through a float input (the input's default dtype)."""
    b = GraphBuilder()
    scores = b.add("input", id="scores", shape=[-1, 3])
    labels = b.add("input", id="labels", shape=[-1])
    b.add(op, scores, labels, id="loss")
    return b.build(dtype="float64")


@pytest.mark.parametrize("op", ["softmax_cross_entropy", "svm_loss"])
@pytest.mark.parametrize("labels", [[0.0, 2.0, 1.0], [0.5, 1.0, 2.7], [True, False, True]])
def test_labels_that_are_not_integers_are_a_dataset_error(op, labels):
    graph = float_labels_graph(op)
    with pytest.raises(DatasetError, match=r"labels must be integers \(class indices 0\.\.2\)"):
        graph.forward({"scores": np.zeros((3, 3)), "labels": np.array(labels)})


@pytest.mark.parametrize(
    ("op", "expected"), [("softmax_cross_entropy", np.log(3)), ("svm_loss", 2)]
)
def test_integer_labels_still_work(op, expected):
    b = GraphBuilder()
    scores = b.add("input", id="scores", shape=[-1, 3])
    labels = b.add("input", id="labels", shape=[-1], dtype="int")
    b.add(op, scores, labels, id="loss")
    values = b.build(dtype="float64").forward({"scores": np.zeros((3, 3)), "labels": [0, 1, 2]})
    assert float(values["loss"]) == pytest.approx(expected)
