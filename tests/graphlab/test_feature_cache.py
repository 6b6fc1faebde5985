"""The features cache's key: a bundled dataset is named by its spec and split (no image is
hashed when a binding loads), a user's file by its images, so a changed file misses it."""

import hashlib
from types import SimpleNamespace

import numpy as np
import pytest

from graphlab.binding import bound_data
from graphlab.datasets import feature_cache
from graphlab.examples import open_graph

FEATURES = {"hog": {"pixels_per_cell": 4, "cells_per_block": 1}}


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def hashed(monkeypatch):
    """The sizes of what the cache's sha256 digests are fed (bytes), in order."""
    fed = []

    class Digest:
        def __init__(self):
            self.inner = hashlib.sha256()

        def update(self, data):
            fed.append(memoryview(data).nbytes)
            self.inner.update(data)

        def hexdigest(self):
            return self.inner.hexdigest()

    monkeypatch.setattr(feature_cache, "hashlib", SimpleNamespace(sha256=Digest))
    return fed


@pytest.fixture
def computed(monkeypatch):
    """One entry per time the features are computed (not read from the cache)."""
    calls = []
    compute = feature_cache._compute

    def counting(*args):
        calls.append(args)
        return compute(*args)

    monkeypatch.setattr(feature_cache, "_compute", counting)
    return calls


def digits_with_features(**changes):
    doc = open_graph("cnn-digits")
    doc.set_dataset({**doc.dataset, "features": FEATURES, **changes})
    return doc


def test_a_bundled_dataset_is_found_in_the_cache_without_hashing_its_images(hashed, computed):
    doc = digits_with_features()
    first = bound_data(doc)
    again = bound_data(doc)
    assert len(computed) == 1
    np.testing.assert_array_equal(first.splits.test.X, again.splits.test.X)
    images = first.splits.train.X.shape[0] * 64 * 4  # 8x8 float32 digits of the training split
    assert 0 < sum(hashed) < 1000 < images  # the settings, spec and split only
    bound_data(digits_with_features(split={"val": 0.2, "test": 0.1, "seed": 1}))
    assert len(computed) == 2  # another split: other training images, other features


def test_a_changed_data_file_misses_the_cache(tmp_path, computed):
    path = tmp_path / "mine.npz"
    rng = np.random.default_rng(0)

    def write():  # the same name and size each time, other images
        X = rng.uniform(0, 16, (60, 1, 8, 8)).astype(np.float32)
        np.savez(path, X=X, y=np.arange(60) % 10)

    doc = digits_with_features(spec={"format": "npz", "path": str(path)})
    write()
    first = bound_data(doc)
    bound_data(doc)
    assert len(computed) == 1  # the same file: read back
    write()
    second = bound_data(doc)
    assert len(computed) == 2
    assert not np.array_equal(first.splits.train.X, second.splits.train.X)
