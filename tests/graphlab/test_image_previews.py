"""What the window previews of a binding's images: the augmentation grid and the HoG view."""

import numpy as np
import pytest

from engine.errors import DatasetError
from graphlab.datasets.features import color_histograms, hog_picture
from graphlab.examples import open_graph
from graphlab.image_previews import (
    augmented_grid,
    feature_count,
    feature_view,
    training_images,
)
from graphlab.training import prepare_training

DIGITS = {"spec": {"name": "digits"}, "split": {"val": 0.2, "test": 0.1, "seed": 0}}


def test_the_grid_is_training_images_each_followed_by_its_augmentations():
    images = training_images(DIGITS)
    assert images.shape[1:] == (1, 8, 8) and training_images(DIGITS) is images  # kept loaded
    plain = augmented_grid(images, {}, rows=4, draws=3, seed=1)
    assert plain.shape == (16, 1, 8, 8)
    rows = plain.reshape(4, 4, 1, 8, 8)
    assert all((rows[:, 1:] == rows[:, :1]).all(axis=(1, 2, 3, 4)))  # nothing to augment
    assert all(any(np.array_equal(r[0], x) for x in images) for r in rows)  # training images
    rotated = augmented_grid(images, {"rotate": 30}, rows=4, draws=3, seed=1)
    np.testing.assert_array_equal(rotated[::4], plain[::4])  # the same picks
    assert not np.array_equal(rotated, plain)
    np.testing.assert_array_equal(rotated, augmented_grid(images, {"rotate": 30}, 4, 3, seed=1))
    assert not np.array_equal(rotated[::4], augmented_grid(images, {}, 4, 3, seed=2)[::4])


def test_the_feature_view_uses_the_bindings_options():
    binding = {**DIGITS, "features": {"hog": {"orientations": 6, "pixels_per_cell": 2},
                                      "color_hist": {"bins": 8}}}  # fmt: skip
    view = feature_view(binding, index=3)
    image = training_images(DIGITS)[3]
    np.testing.assert_array_equal(view.image, image)
    assert view.hog == {"orientations": 6, "pixels_per_cell": 2, "cells_per_block": 2}
    np.testing.assert_array_equal(view.picture, hog_picture(image, 6, 2, 2))
    high = training_images(DIGITS).max()
    np.testing.assert_array_equal(view.histogram, color_histograms(image[None], 8, high)[0])
    assert view.histogram.shape == (8,) and not view.colour
    assert feature_count(binding) == 3 * 3 * 2 * 2 * 6 + 8  # 4x4 cells: 3x3 blocks of 2x2
    assert feature_count({**binding, "features": {"bow": True}}) == 32 and not feature_count(DIGITS)
    default = feature_view(DIGITS, index=3)  # no features bound: the stages' defaults
    assert default.hog == {"orientations": 9, "pixels_per_cell": 4, "cells_per_block": 2}
    assert default.histogram.shape == (16,)


def test_previews_refuse_vectors_and_a_missing_dataset():
    with pytest.raises(DatasetError, match="samples are not images"):
        training_images({"spec": {"name": "spiral"}})
    with pytest.raises(DatasetError, match="no dataset is bound"):
        feature_view({})


def test_training_refuses_augmentation_of_feature_vectors():
    doc = open_graph("linear-svm-hog-mnist")
    doc.dataset["augment"] = {"rotate": 10}
    with pytest.raises(DatasetError, match="dataset.augment works on images and dataset.features"):
        prepare_training(doc, {"epochs": 1})
