"""CIFAR-10 batches: the binary version and the python version (through a restricted unpickler).

Binary batch: records of 1 label byte + 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each
32x32 row-major). Python batch: a pickled dict with b'data' (N, 3072) uint8 and b'labels' (N,).
Loading never runs code from a file: the unpickler only builds numpy arrays, dtypes and plain
Python values, and refuses any other global (os.system, eval, ...) before it can be called.
It has size limits too: the pickle is scanned first (at most MAX_OPCODES opcodes, MAX_DEPTH
levels of nesting), every array or buffer it asks to allocate is checked against the memory
budget, and only the batch structure is accepted (b'data' an array, b'labels' a flat list or
array of integers), so shared sub-lists can never be expanded into billions of values.
"""

from __future__ import annotations

import codecs
import functools
import io
import math
import pickle
import pickletools
import re
from pathlib import Path

import numpy as np

from engine.errors import DatasetError
from graphlab.budget import check_bytes
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


MAX_OPCODES = 1_000_000
MAX_DEPTH = 32


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only ALLOWED_GLOBALS; anything else raises DatasetError.

    The constructors that allocate (``ndarray``, ``_reconstruct``, ``bytes``, ``bytearray``)
    are wrapped so that the size they are asked for is checked against the budget first.
    """

    def __init__(self, data: bytes, path: Path):
        _scan(data, path)
        super().__init__(io.BytesIO(data), encoding="bytes")
        self.path = path

    def find_class(self, module: str, name: str):
        try:
            found = ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise DatasetError(
                f"{self.path}: refused to load: the pickle asks for {module}.{name}, which a "
                "CIFAR-10 batch never needs (only numpy arrays and plain values are allowed)"
            ) from None
        if found is np.ndarray:
            return _CheckedNdarray(self.path)
        if found is multiarray._reconstruct:
            return functools.partial(_reconstruct, self.path)
        if found in (bytes, bytearray):
            return functools.partial(_buffer, found, self.path)
        return found

    def persistent_load(self, pid):
        raise DatasetError(f"{self.path}: refused to load: the pickle uses persistent ids")


def _scan(data: bytes, path: Path) -> None:
    """Refuse a pickle with too many opcodes or too deep nesting, before building anything."""
    depth = count = 0
    try:
        for op, _, _ in pickletools.genops(data):
            count += 1
            depth += op.name == "MARK"
            depth -= op.name in MARK_CONSUMERS
            if count > MAX_OPCODES or depth > MAX_DEPTH:
                raise DatasetError(
                    f"{path}: refused to load: the pickle has more than {MAX_OPCODES} objects or "
                    f"{MAX_DEPTH} levels of nesting, which a CIFAR-10 batch never has"
                )
            if op.name == "STOP":
                return
    except (ValueError, EOFError, KeyError, UnicodeDecodeError):
        pass  # the unpickler reports a malformed pickle with one sentence


MARK_CONSUMERS = frozenset({"LIST", "TUPLE", "DICT", "SETITEMS", "APPENDS", "ADDITEMS",
                            "FROZENSET", "POP_MARK", "INST", "OBJ"})  # fmt: skip


class _CheckedNdarray:
    """``numpy.ndarray`` for the unpickler: calling it checks the size it would allocate."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, shape, dtype=float, *args, **kwargs):
        _check_alloc(self.path, shape, dtype)
        return np.ndarray(shape, dtype, *args, **kwargs)


def _reconstruct(path: Path, cls, shape, dtype):
    cls = np.ndarray if isinstance(cls, _CheckedNdarray) else cls
    _check_alloc(path, shape, dtype)
    return multiarray._reconstruct(cls, shape, dtype)


def _buffer(kind, path: Path, *args):
    if args and isinstance(args[0], int):  # bytes(N) allocates N zero bytes
        check_bytes(args[0], path, f"a {kind.__name__} in the pickle", DatasetError)
    return kind(*args)


def _check_alloc(path: Path, shape, dtype) -> None:
    try:
        dims = (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
        itemsize = np.dtype(dtype).itemsize
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{path}: the pickle asks for an invalid array ({exc})") from None
    if any(d < 0 for d in dims):
        raise DatasetError(f"{path}: the pickle asks for an array with a negative size")
    check_bytes(math.prod(dims) * itemsize, path, f"an array of shape {dims}", DatasetError)


def load_cifar10(path: Path, split: str = "train") -> Dataset:
    """One batch file, or every batch of ``split`` ('train' or 'test') in a folder.

    Returns images (N, 3, 32, 32) float32 in 0-255 and labels (N,) with the ten CIFAR-10 names.
    """
    files = _batch_files(path, split) if path.is_dir() else [path]
    parts, total = [], 0
    for file in files:
        parts.append(_read_batch(file))
        total += parts[-1][0].nbytes
        check_bytes(5 * total, path, f"{len(parts)} batches (as float32)", DatasetError)
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
    except Exception:  # any malformed pickle: truncated, wrong opcodes, bad arguments
        raise DatasetError(
            f"{path}: not a readable CIFAR-10 python batch (damaged or not a pickle)"
        ) from None
    if not isinstance(batch, dict):
        raise DatasetError(f"{path}: expected a pickled dict, found {type(batch).__name__}")
    X = batch[_key(batch, "data", path)]
    y = batch[_key(batch, "labels", path)]
    if not isinstance(X, np.ndarray):
        raise DatasetError(f"{path}: b'data' must be a numpy array, found {type(X).__name__}")
    if isinstance(y, list | tuple):
        if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in y):
            raise DatasetError(f"{path}: labels must be integers (a flat list of them)")
        if not all(0 <= v < len(CLASS_NAMES) for v in y):
            raise DatasetError(f"{path}: a label is not a CIFAR-10 class (0-9)")
        y = np.array(y, dtype=np.int64)
    if not isinstance(y, np.ndarray) or y.dtype.kind not in "iu":
        raise DatasetError(f"{path}: labels must be integers")
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
    raise DatasetError(f"{path}: the batch has no {name!r} entry ({len(batch)} other entries)")
