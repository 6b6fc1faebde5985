"""Class templates: W's columns as pictures, and a linear classifier that learns them."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab.course.templates import (
    TemplateTraining,
    graph_templates,
    template_parameter,
    templates_of,
)
from graphlab.document import GraphDocument
from graphlab.examples import resolve_graph
from graphlab.fileformat import load_document
from graphlab.templates import add_linear, add_op


def test_each_column_becomes_one_picture():
    W = np.arange(2 * 3 * 4 * 5).reshape(60, 2)
    grey = templates_of(W[:20], (1, 4, 5))
    assert grey.shape == (2, 4, 5)
    np.testing.assert_array_equal(grey[1], W[:20, 1].reshape(4, 5))
    colour = templates_of(W, (3, 4, 5))
    assert colour.shape == (2, 4, 5, 3)
    np.testing.assert_array_equal(colour[0][..., 2], W[:, 0].reshape(3, 4, 5)[2])
    with pytest.raises(ValueError, match="do not hold images"):
        templates_of(W, (1, 8, 8))


def test_training_learns_digit_templates():
    training = TemplateTraining(seed=0)
    first = training.step(1)
    training.step(150)
    assert training.loss < first and training.accuracy() > 0.9
    pictures = training.templates()
    assert pictures.shape == (10, 8, 8)
    # the template of 0 looks like a ring: its centre is darker than its ring
    zero = pictures[0]
    assert zero[3:5, 3:5].mean() < zero[[1, 6], 2:6].mean()


def linear_digits() -> GraphDocument:
    """scores = flatten(x) W + b on the 8x8 digits, softmax loss."""
    doc = GraphDocument("linear-digits")
    add_op(doc, "input", id="x", shape=[-1, 1, 8, 8])
    add_op(doc, "input", id="y", shape=[-1], dtype="int")
    scores = add_linear(doc, add_op(doc, "flatten", "x", id="flat"), 64, 10, "fc", init="small")
    doc.loss = add_op(doc, "softmax_cross_entropy", scores, "y", id="loss")
    doc.dataset = {
        "spec": {"name": "digits"},
        "data_input": "x",
        "label_input": "y",
        "split": {"val": 0.2, "test": 0.0, "seed": 0},
        "preprocess": {"center": "mean", "scale": 16.0},
    }
    doc.training = {"optimizer": "sgd", "lr": 0.5, "epochs": 30, "batch_size": 64, "seed": 0}
    return doc


def test_a_graphs_trained_linear_layer_on_images_gives_its_templates():
    assert template_parameter(load_document(resolve_graph("cnn-digits"))) is None  # fc_W: (128, 10)
    doc = linear_digits()
    assert template_parameter(doc) == ("fc_W", (1, 8, 8))
    assert graph_templates(doc) is None  # not trained yet
    W = np.random.default_rng(0).standard_normal((64, 10))
    doc.set_params({"fc_W": W})
    nid, pictures = graph_templates(doc)
    assert nid == "fc_W" and pictures.shape == (10, 8, 8)
    np.testing.assert_array_equal(pictures[3], W[:, 3].reshape(8, 8))
