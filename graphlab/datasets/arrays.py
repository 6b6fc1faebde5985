"""A ``.npz`` file of arrays: X (N, D), (N, H, W) or (N, C, H, W), y (N,), optional class_names.

Read header first within the budget (:mod:`graphlab.npzfile`): an array of Python objects is
refused, never unpickled.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.errors import DatasetError
from graphlab.datasets.fileio import read_bytes
from graphlab.datasets.record import Dataset, make_dataset
from graphlab.npzfile import ZIP_MAGICS, read_npz

REQUIRED = ("X", "y")


def load_npz(path: Path) -> Dataset:
    """X as float32 ((N, H, W) grayscale images gain a channel axis) and y as int64 labels."""
    arrays = _read_arrays(path)
    missing = [key for key in REQUIRED if key not in arrays]
    if missing:
        found = ", ".join(sorted(arrays)) or "nothing"
        raise DatasetError(f"{path}: missing array {', '.join(missing)} (the file holds {found})")
    X, y = arrays["X"], arrays["y"]
    if X.ndim == 3:
        X = X[:, None]
    names = arrays.get("class_names")
    if names is not None and (names.ndim != 1 or names.dtype.kind not in "U"):
        raise DatasetError(f"{path}: class_names must be a 1-D array of strings")
    return make_dataset(X, y, names, f"npz:{path.stem}", str(path))


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    data = read_bytes(path)
    if data[:4] not in ZIP_MAGICS:
        raise DatasetError(f"{path}: not an .npz file (np.savez writes a zip archive of arrays)")
    return read_npz(data, path, DatasetError)
