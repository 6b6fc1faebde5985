"""Train / validation / test split with an explicit seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import DatasetError
from graphlab.datasets.record import Dataset


@dataclass(frozen=True, eq=False)
class DatasetSplits:
    """Three disjoint parts of one dataset and the indices of their samples in it."""

    train: Dataset
    val: Dataset
    test: Dataset
    train_indices: np.ndarray
    val_indices: np.ndarray
    test_indices: np.ndarray


def split_indices(
    n: int, val: float, test: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random permutation of range(n) cut into train, val and test index arrays.

    val and test are fractions of n (rounded); the training part keeps the rest and must not
    be empty.
    """
    for name, fraction in (("val", val), ("test", test)):
        if not 0.0 <= fraction < 1.0:
            raise DatasetError(f"split: the {name} fraction must be in [0, 1), got {fraction}")
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise DatasetError(f"split: the seed must be a whole number >= 0, got {seed!r}")
    n_val, n_test = round(val * n), round(test * n)
    if n_val + n_test >= n:
        raise DatasetError(f"split: val {val} and test {test} leave no training samples out of {n}")
    order = np.random.default_rng(seed).permutation(n)
    return order[n_val + n_test :], order[:n_val], order[n_val : n_val + n_test]


def split_dataset(
    dataset: Dataset, val: float = 0.1, test: float = 0.1, seed: int = 0
) -> DatasetSplits:
    """``dataset`` shuffled with ``seed`` and cut into train, validation and test parts."""
    train, val_idx, test_idx = split_indices(len(dataset), val, test, seed)
    return DatasetSplits(
        dataset.subset(train),
        dataset.subset(val_idx),
        dataset.subset(test_idx),
        train,
        val_idx,
        test_idx,
    )
