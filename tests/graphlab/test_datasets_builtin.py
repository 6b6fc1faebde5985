"""Built-in datasets and the dataset spec: shapes, class counts, seeds, and spec errors."""

import subprocess
import sys

import numpy as np
import pytest

from engine.errors import DatasetError
from graphlab.datasets import BUILTINS, builtin_datasets, dataset_formats, load_dataset

TOY_SETS = ["spiral", "circles", "xor", "blobs"]


def test_digits_is_scikit_learns_8x8_images():
    ds = load_dataset({"name": "digits"})
    assert ds.X.shape == (1797, 1, 8, 8) and ds.X.dtype == np.float32
    assert ds.y.shape == (1797,) and ds.y.dtype == np.int64
    assert ds.is_image and ds.class_names == tuple("0123456789")
    assert ds.X.min() == 0 and ds.X.max() == 16
    assert set(np.unique(ds.y)) == set(range(10))
    from sklearn.datasets import load_digits

    bunch = load_digits()
    np.testing.assert_array_equal(ds.X[:, 0], bunch.images)
    np.testing.assert_array_equal(ds.y, bunch.target)


def test_digits_load_without_importing_scikit_learn():
    code = "import sys; from graphlab.datasets import digits; digits(); print('sklearn' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("spec", "n", "classes"),
    [
        ({"name": "spiral", "classes": 4, "points": 50, "seed": 1}, 200, 4),
        ({"name": "circles", "points": 30}, 60, 2),
        ({"name": "xor", "points": 25, "noise": 0.05}, 50, 2),
        ({"name": "blobs", "classes": 5, "points": 20}, 100, 5),
    ],
)
def test_toy_sets_have_documented_shapes(spec, n, classes):
    ds = load_dataset(spec)
    assert ds.X.shape == (n, 2) and ds.X.dtype == np.float32
    assert ds.y.dtype == np.int64 and not ds.is_image
    assert ds.num_classes == classes
    np.testing.assert_array_equal(np.bincount(ds.y), [n // classes] * classes)


@pytest.mark.parametrize("name", TOY_SETS)
def test_toy_sets_are_reproducible_by_seed(name):
    a = load_dataset({"name": name, "seed": 3})
    b = load_dataset({"name": name, "seed": 3})
    c = load_dataset({"name": name, "seed": 4})
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.allclose(a.X, c.X)


def test_spiral_follows_the_cs231n_recipe():
    ds = load_dataset({"name": "spiral", "classes": 3, "points": 100, "seed": 0})
    radius = np.hypot(ds.X[:, 0], ds.X[:, 1]).reshape(3, 100)
    np.testing.assert_allclose(radius, np.tile(np.linspace(0, 1, 100), (3, 1)), atol=1e-6)
    angle = np.arctan2(ds.X[:, 0], ds.X[:, 1]).reshape(3, 100)  # X = r (sin t, cos t)
    mid = np.exp(1j * angle[:, 50])  # compare angles on the circle
    expected = np.exp(1j * np.array([4 * j + 4 * 50 / 99 for j in range(3)]))
    assert np.all(np.abs(np.angle(mid / expected)) < 1.0)  # within 5 std of the 0.2 noise


def test_xor_labels_follow_the_quadrant():
    ds = load_dataset({"name": "xor", "points": 200})
    np.testing.assert_array_equal(ds.y, (ds.X[:, 0] * ds.X[:, 1] < 0).astype(np.int64))


def test_circles_rings_have_the_given_radii():
    ds = load_dataset({"name": "circles", "points": 500, "noise": 0.0, "factor": 0.3})
    radius = np.hypot(ds.X[:, 0], ds.X[:, 1])
    np.testing.assert_allclose(radius[ds.y == 0], 1.0, atol=1e-5)
    np.testing.assert_allclose(radius[ds.y == 1], 0.3, atol=1e-5)


def test_builtin_list_names_every_set_with_a_description():
    listed = dict(builtin_datasets())
    assert set(listed) == {"digits", "mnist-5k", *TOY_SETS} == set(BUILTINS)
    assert all(desc and "\n" not in desc for desc in listed.values())
    assert {name for name, _ in dataset_formats()} == {"mnist", "cifar10", "npz", "folder"}


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"name": "moons"}, ["unknown built-in dataset 'moons'", "digits, spiral"]),
        ({"format": "hdf5", "path": "x"}, ["unknown dataset format 'hdf5'", "mnist, cifar10"]),
        ({"name": "spiral", "arms": 3}, ["no key 'arms'", "name, classes, points, seed"]),
        ({"name": "digits", "seed": 1}, ["no key 'seed'", "allowed keys: name"]),
        ({"name": "spiral", "classes": 1}, ["'spiral'", "classes", "[2, 100]"]),
        ({"name": "spiral", "points": 2.5}, ["'spiral'", "points", "integer"]),
        ({"name": "digits", "format": "npz"}, ["exactly one of 'name'", "'format'"]),
        ({}, ["exactly one of 'name'"]),
        ({"format": "mnist", "images": "a"}, ["needs 'labels'"]),
        ({"format": "npz", "path": 3}, ["'path' must be a path string"]),
        ({"format": "cifar10", "path": "x", "split": "val"}, ["split", "'train', 'test'"]),
        ({"format": "npz", "path": "x", "mmap": True}, ["no key 'mmap'", "format, path"]),
    ],
)
def test_bad_specs_say_what_is_allowed(spec, words):
    with pytest.raises(DatasetError) as err:
        load_dataset(spec)
    for word in words:
        assert word in str(err.value)


def test_a_spec_must_be_a_dict():
    with pytest.raises(DatasetError, match="dict such as"):
        load_dataset(["digits"])


def test_importing_the_package_does_not_import_sklearn_or_pillow():
    code = (
        "import sys, graphlab.datasets; "
        "print(sorted({'sklearn', 'PIL', 'torch'} & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
