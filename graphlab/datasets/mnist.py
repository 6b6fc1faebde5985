"""MNIST-style IDX files (raw or gzipped): an image file and a label file.

An IDX file is a 4-byte magic number (0, 0, type, number of dimensions), one big-endian uint32
per dimension, then the values. Here both files hold unsigned bytes (type 0x08): images with 3
dimensions (N, H, W), labels with 1 (N,). MNIST, Fashion-MNIST and KMNIST use this format.
"""

from __future__ import annotations

import functools
import math
import struct
from pathlib import Path

import numpy as np

from engine.errors import DatasetError
from graphlab.budget import check_bytes
from graphlab.datasets.fileio import read_bytes
from graphlab.datasets.record import Dataset, make_dataset

UBYTE = 0x08
MIN_CLASSES = 10


def read_idx(path: Path, ndim: int, what: str) -> np.ndarray:
    """The uint8 array of an IDX file with ``ndim`` dimensions; ``what`` is 'images' or 'labels'."""
    data = read_bytes(path, functools.partial(_declared_size, ndim=ndim))
    if len(data) < 4:
        raise DatasetError(f"{path}: too short for an IDX {what} file ({len(data)} bytes)")
    zero, kind, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != UBYTE or dims != ndim:
        raise DatasetError(
            f"{path}: not an IDX {what} file: its magic number is not "
            f"0x{UBYTE << 8 | ndim:08x} (unsigned bytes, {ndim} dimension{'s' * (ndim > 1)})"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{path}: truncated in the header ({len(data)} of {header} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = math.prod(shape)
    found = len(data) - header
    check_bytes(4 * expected, path, f"{what} of shape {shape} (as float32)", DatasetError)
    if found < expected:
        raise DatasetError(
            f"{path}: truncated: its header announces {what} of shape {shape} "
            f"({expected} bytes of data), but only {found} bytes follow"
        )
    if found > expected:
        raise DatasetError(
            f"{path}: {found - expected} unexpected bytes after the {expected} bytes of {what} "
            f"of shape {shape}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _declared_size(head: bytes, ndim: int) -> int | None:
    """Header plus data bytes an IDX header announces (None if the header is incomplete)."""
    if len(head) < 4 + 4 * ndim or head[:4] != bytes((0, 0, UBYTE, ndim)):
        return None
    return 4 + 4 * ndim + math.prod(struct.unpack(f">{ndim}I", head[4 : 4 + 4 * ndim]))


def load_mnist(images: Path, labels: Path) -> Dataset:
    """Images (N, 1, H, W) float32 in 0-255 and labels (N,); at least ten classes "0".."9"."""
    X = read_idx(images, 3, "images")
    y = read_idx(labels, 1, "labels")
    if len(X) != len(y):
        raise DatasetError(
            f"{labels}: {len(y)} labels, but {images} holds {len(X)} images; "
            "the counts must be equal"
        )
    num_classes = max(MIN_CLASSES, int(y.max(initial=0)) + 1)
    names = [str(i) for i in range(num_classes)]
    return make_dataset(X[:, None], y, names, f"mnist:{images.name}", str(images))
