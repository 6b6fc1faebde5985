"""Class templates: W's columns as pictures, and a linear classifier that learns them."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab.course.templates import TemplateTraining, templates_of


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
