"""Class templates: W's columns as pictures, and a linear classifier that learns them."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab.course.templates import TemplateTraining, graph_templates, templates_of
from graphlab.examples import resolve_graph
from graphlab.fileformat import load_document


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


def test_a_graphs_trained_linear_layer_on_images_gives_its_templates():
    doc = load_document(resolve_graph("cnn-digits"))
    assert graph_templates(doc) is None  # no stored (D, C) weight over 8x8 images
    W = np.random.default_rng(0).standard_normal((64, 10))
    doc.params["fc_W"] = W  # as if its last layer read the 64 pixels
    nid, pictures = graph_templates(doc)
    assert nid == "fc_W" and pictures.shape == (10, 8, 8)
    np.testing.assert_array_equal(pictures[3], W[:, 3].reshape(8, 8))
