"""The Dataset record every loader returns, and the checks that make one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import DatasetError
from engine.ops.base import fmt
from graphlab.budget import check_bytes

MAX_CLASSES = 100_000


@dataclass(frozen=True, eq=False)
class Dataset:
    """Samples and labels, ready for a graph.

    X: float32, (N, D) for points and vectors, or (N, C, H, W) for images. Pixel values are kept
    as stored (0-255 for MNIST, CIFAR-10 and image folders, 0-16 for digits); scaling belongs to
    preprocessing, fitted on the training split.
    y: int64, (N,), each label an index into ``class_names``.
    """

    X: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    name: str
    is_image: bool

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, indices: np.ndarray) -> Dataset:
        """The samples at ``indices`` (a new record with copied arrays)."""
        return Dataset(self.X[indices], self.y[indices], self.class_names, self.name, self.is_image)


def make_dataset(
    X: np.ndarray, y: np.ndarray, class_names: Sequence[str] | None, name: str, where: str
) -> Dataset:
    """Check and convert raw arrays into a Dataset; ``where`` names the source in messages.

    X: (N, D) vectors or (N, C, H, W) images of finite numbers; y: (N,) integer labels >= 0.
    Without ``class_names`` the classes are named "0", "1", ... up to the largest label.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.dtype.kind not in "biuf":
        raise DatasetError(f"{where}: X must hold numbers, not {X.dtype} values")
    if X.ndim not in (2, 4):
        raise DatasetError(
            f"{where}: X must be (N, D) vectors or (N, C, H, W) images, got shape {fmt(X.shape)}"
        )
    if y.ndim != 1 or len(y) != len(X):
        raise DatasetError(
            f"{where}: y must be one label per sample, shape ({len(X)},), got {fmt(y.shape)}"
        )
    if len(y) == 0:
        raise DatasetError(f"{where}: the dataset is empty")
    y = _integer_labels(y, where)
    if y.max() >= MAX_CLASSES:
        raise DatasetError(
            f"{where}: label {int(y.max())} is too large (at most {MAX_CLASSES} classes)"
        )
    check_bytes(4 * X.size, where, f"X of shape {fmt(X.shape)} as float32", DatasetError)
    X = X.astype(np.float32, copy=False)
    if not np.all(np.isfinite(X)):
        raise DatasetError(f"{where}: X contains NaN or infinite values")
    if class_names is None:
        class_names = [str(i) for i in range(int(y.max()) + 1)]
    class_names = tuple(str(c) for c in class_names)
    if y.max() >= len(class_names):
        raise DatasetError(
            f"{where}: label {int(y.max())} is out of range for {len(class_names)} classes"
        )
    return Dataset(X, y, class_names, name, X.ndim == 4)


def _integer_labels(y: np.ndarray, where: str) -> np.ndarray:
    """y as int64, refusing fractional, negative or non-numeric labels."""
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise DatasetError(f"{where}: labels must be whole numbers")
    elif y.dtype.kind not in "biu":
        raise DatasetError(f"{where}: labels must be integers, not {y.dtype} values")
    y = y.astype(np.int64)
    if y.min() < 0:
        raise DatasetError(f"{where}: labels must be >= 0, found {int(y.min())}")
    return y
