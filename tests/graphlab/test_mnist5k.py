"""The built-in mnist-5k: 5,000 real 28x28 MNIST digits, 500 per class, a deterministic split."""

import numpy as np

from graphlab.datasets import load_dataset, split_dataset
from graphlab.datasets.builtin import MNIST_5K


def test_mnist_5k_has_5000_images_of_28x28_with_500_per_class():
    ds = load_dataset({"name": "mnist-5k"})
    assert ds.X.shape == (5000, 1, 28, 28) and ds.X.dtype == np.float32
    assert ds.is_image and ds.class_names == tuple("0123456789")
    np.testing.assert_array_equal(np.bincount(ds.y), [500] * 10)
    assert ds.X.min() == 0 and ds.X.max() == 255
    assert 0.05 < np.mean(ds.X > 0) < 0.4  # strokes on a dark background, not noise
    assert (MNIST_5K.parent / "NOTICE").read_text().count("CC BY-SA 3.0") == 1


def test_mnist_5k_split_is_deterministic():
    a = split_dataset(load_dataset({"name": "mnist-5k"}), val=0.1, test=0.2, seed=0)
    b = split_dataset(load_dataset({"name": "mnist-5k"}), val=0.1, test=0.2, seed=0)
    c = split_dataset(load_dataset({"name": "mnist-5k"}), val=0.1, test=0.2, seed=1)
    assert (len(a.train), len(a.val), len(a.test)) == (3500, 500, 1000)
    for part in ("train_indices", "val_indices", "test_indices"):
        np.testing.assert_array_equal(getattr(a, part), getattr(b, part))
    np.testing.assert_array_equal(a.test.X, b.test.X)
    assert not np.array_equal(a.test_indices, c.test_indices)
    every = np.concatenate([a.train_indices, a.val_indices, a.test_indices])
    np.testing.assert_array_equal(np.sort(every), np.arange(5000))
