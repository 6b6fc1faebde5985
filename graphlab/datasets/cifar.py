"""CIFAR-10 batches: the binary version and the python version (through a restricted unpickler).

Binary batch: records of 1 label byte + 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each
32x32 row-major). Python batch: a pickled dict with b'data' (N, 3072) uint8 and b'labels' (N,).
Loading never runs code from a file: the unpickler only builds numpy arrays, dtypes and plain
Python values, and refuses any other global (os.system, eval, ...) before it can be called.
"""

from __future__ import annotations

import codecs
import io
import pickle
import re
from pathlib import Path

import numpy as np

from engine.errors import DatasetError
from graphlab.datasets.fileio import read_bytes
from graphlab.datasets.record import Dataset, make_dataset

try:
    from numpy._core import multiarray, numeric
except ImportError:  # numpy < 2
    from numpy.core import multiarray, numeric

CLASS_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
IMAGE_SHAPE = (3, 32, 32)
PIXELS = 3 * 32 * 32
RECORD = 1 + PIXELS
PICKLE_PROTO = 0x80
SPLITS = {"train": "data_batch_", "test": "test_batch"}

_BUILTINS = (bytes, bytearray, int, float, complex, str, list, tuple, dict, set, frozenset, bool)
#: (module, name) -> the only objects a CIFAR batch pickle may refer to
ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,  # how protocol-2 pickles written by Python 3 store bytes
}
for _package in ("numpy.core", "numpy._core"):  # numpy 1 and numpy 2 module names
    ALLOWED_GLOBALS[(f"{_package}.multiarray", "_reconstruct")] = multiarray._reconstruct
    ALLOWED_GLOBALS[(f"{_package}.multiarray", "scalar")] = multiarray.scalar
    ALLOWED_GLOBALS[(f"{_package}.numeric", "_frombuffer")] = numeric._frombuffer
for _module in ("builtins", "__builtin__"):
    ALLOWED_GLOBALS.update({(_module, t.__name__): t for t in _BUILTINS})


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only ALLOWED_GLOBALS; anything else raises DatasetError."""

    def __init__(self, data: bytes, path: Path):
        super().__init__(io.BytesIO(data), encoding="bytes")
        self.path = path

    def find_class(self, module: str, name: str):
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise DatasetError(
                f"{self.path}: refused to load: the pickle asks for {module}.{name}, which a "
                "CIFAR-10 batch never needs (only numpy arrays and plain values are allowed)"
            ) from None

    def persistent_load(self, pid):
        raise DatasetError(f"{self.path}: refused to load: the pickle uses persistent ids")


def load_cifar10(path: Path, split: str = "train") -> Dataset:
    """One batch file, or every batch of ``split`` ('train' or 'test') in a folder.

    Returns images (N, 3, 32, 32) float32 in 0-255 and labels (N,) with the ten CIFAR-10 names.
    """
    files = _batch_files(path, split) if path.is_dir() else [path]
    parts = [_read_batch(f) for f in files]
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    return make_dataset(X, y, CLASS_NAMES, f"cifar10:{path.name}", str(path))


def _batch_files(folder: Path, split: str) -> list[Path]:
    """The batch files of ``split`` in ``folder``, in numeric order (data_batch_1, _2, ...)."""
    prefix = SPLITS[split]
    pattern = re.compile(rf"{prefix}\d*(\.bin)?")
    files = [f for f in folder.iterdir() if f.is_file() and pattern.fullmatch(f.name)]
    if not files:
        raise DatasetError(
            f"{folder}: no CIFAR-10 {split} batches ({prefix}* files) in this folder"
        )
    return sorted(files, key=lambda f: (len(f.name), f.name))


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3, 32, 32) uint8 and labels (N,) of one batch file, binary or pickled."""
    data = read_bytes(path)
    if not data:
        raise DatasetError(f"{path}: the file is empty")
    X, y = _read_pickled(data, path) if data[0] == PICKLE_PROTO else _read_binary(data, path)
    if y.size and (y.min() < 0 or y.max() >= len(CLASS_NAMES)):
        bad = int(y.max() if y.max() >= len(CLASS_NAMES) else y.min())
        raise DatasetError(f"{path}: label {bad} is not a CIFAR-10 class (0-9)")
    return X.reshape((-1, *IMAGE_SHAPE)), y


def _read_binary(data: bytes, path: Path) -> tuple[np.ndarray, np.ndarray]:
    if len(data) % RECORD:
        raise DatasetError(
            f"{path}: not a CIFAR-10 binary batch: its size ({len(data)} bytes) is not a "
            f"multiple of the {RECORD}-byte record (1 label byte + {PIXELS} pixel bytes); "
            "the file may be truncated"
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD)
    return records[:, 1:], records[:, 0].astype(np.int64)


def _read_pickled(data: bytes, path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        batch = RestrictedUnpickler(data, path).load()
    except DatasetError:
        raise
    except Exception as e:  # any malformed pickle: truncated, wrong opcodes, bad arguments
        raise DatasetError(f"{path}: not a readable CIFAR-10 python batch ({e})") from None
    if not isinstance(batch, dict):
        raise DatasetError(f"{path}: expected a pickled dict, found {type(batch).__name__}")
    data_key = _key(batch, "data", path)
    labels_key = _key(batch, "labels", path)
    X = _as_array(batch[data_key], "data", path)
    y = _as_array(batch[labels_key], "labels", path)
    if y.dtype.kind not in "iu":
        raise DatasetError(f"{path}: labels must be integers, got {y.dtype} values")
    if X.dtype != np.uint8 or X.ndim != 2 or X.shape[1] != PIXELS:
        raise DatasetError(
            f"{path}: b'data' must be uint8 of shape (N, {PIXELS}), "
            f"got {X.dtype} of shape {X.shape}"
        )
    if y.shape != (len(X),):
        raise DatasetError(f"{path}: {y.size} labels for {len(X)} images; the counts must be equal")
    return X, y.astype(np.int64)


def _key(batch: dict, name: str, path: Path):
    """The key ``name`` as bytes (Python 2 pickles) or str; DatasetError when missing."""
    for key in (name.encode(), name):
        if key in batch:
            return key
    found = ", ".join(repr(k) for k in list(batch)[:8])
    raise DatasetError(f"{path}: the batch has no {name!r} entry (found: {found})")


def _as_array(value, name: str, path: Path) -> np.ndarray:
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as e:
        raise DatasetError(f"{path}: the batch's {name!r} entry is not an array ({e})") from None
