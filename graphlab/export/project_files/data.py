"""This project's dataset as GraphLab prepared it: the same samples, split and preprocessing.

Written by ``graphlab export GRAPH --torch-project DIR``; needs numpy and torch (Pillow for an
image folder), not GraphLab. ``project.json`` names the dataset ("dataset": a built-in set
stored in dataset.npz, or the user's files: IDX, CIFAR-10, npz, an image folder; edit its
paths to move the project), the split ("split": val, test, seed, GraphLab's rule) and the
augmentation ("augment"). ``preprocessing.npz`` holds the statistics GraphLab fitted on the
training split: x -> (x - mean) / scale, applied unchanged to every split.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import pickle
import re
import struct
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

HERE = Path(__file__).resolve().parent
CONFIG = json.loads((HERE / "project.json").read_text())
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


def read_file(path: Path) -> bytes:
    """The bytes of ``path``, gunzipped when it is a gzip file."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """An IDX file of unsigned bytes with ``ndim`` dimensions (MNIST's format)."""
    data = read_file(path)
    if data[:4] != bytes((0, 0, 8, ndim)):
        raise ValueError(f"{path}: not an IDX file of unsigned bytes with {ndim} dimensions")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """IDX images (N, H, W) and labels (N,): images (N, 1, H, W)."""
    return read_idx(Path(spec["images"]), 3)[:, None], read_idx(Path(spec["labels"]), 1)


class BatchUnpickler(pickle.Unpickler):
    """Builds numpy arrays and plain values only (a CIFAR-10 python batch); nothing else runs."""

    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED or (
            module.startswith("numpy") and name in ("_reconstruct", "scalar", "_frombuffer")
        ):
            return codecs.encode if module == "_codecs" else super().find_class(module, name)
        raise pickle.UnpicklingError(f"a CIFAR-10 batch never needs {module}.{name}")


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch, binary (1 label byte + 3072 pixel bytes per record) or python."""
    data = read_file(path)
    if data[:1] == b"\x80":
        batch = BatchUnpickler(io.BytesIO(data), encoding="bytes").load()
        X, y = (batch.get(key.encode(), batch.get(key)) for key in ("data", "labels"))
        return np.asarray(X, np.uint8), np.asarray(y, np.int64)
    records = np.frombuffer(data, np.uint8).reshape(-1, 3073)
    return records[:, 1:], records[:, 0].astype(np.int64)


def load_cifar10(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """A batch file, or every batch of the split ('train' or 'test') in a folder."""
    path = Path(spec["path"])
    files = [path]
    if path.is_dir():
        prefix = {"train": "data_batch_", "test": "test_batch"}[spec.get("split", "train")]
        pattern = re.compile(rf"{prefix}\d*(\.bin)?")
        files = sorted((f for f in path.iterdir() if pattern.fullmatch(f.name)),
                       key=lambda f: (len(f.name), f.name))  # fmt: skip
    parts = [read_cifar_batch(f) for f in files]
    X = np.concatenate([p[0] for p in parts]).reshape(-1, 3, 32, 32)
    return X, np.concatenate([p[1] for p in parts])


def load_npz(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """Arrays X ((N, D), (N, H, W) or (N, C, H, W)) and y of an .npz file."""
    with np.load(spec["path"], allow_pickle=False) as arrays:
        X, y = arrays["X"], arrays["y"]
    return (X[:, None] if X.ndim == 3 else X), y


def load_folder(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """ROOT/CLASS/IMAGE files, classes in sorted order, resized (bilinear) to spec["size"];
    grayscale (C=1) when every image is, else RGB."""
    from PIL import Image

    root, size = Path(spec["path"]), spec.get("size")
    classes = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    pixels, labels, gray = [], [], []
    for label, folder in enumerate(classes):
        for file in sorted(f for f in folder.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES):
            with Image.open(file) as image:
                gray.append(image.mode in {"1", "L", "LA", "I", "I;16", "F"})
                rgb = image.convert("RGB")
            if size:
                rgb = rgb.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            pixels.append(np.asarray(rgb, np.uint8))
            labels.append(label)
    X = np.stack(pixels).transpose(0, 3, 1, 2)
    return (X[:, :1] if all(gray) else X), np.array(labels)


def load_stored(spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """A built-in GraphLab dataset, stored beside this file."""
    with np.load(HERE / spec["path"], allow_pickle=False) as arrays:
        return arrays["X"], arrays["y"]


LOADERS = {
    "stored": load_stored,
    "mnist": load_mnist,
    "cifar10": load_cifar10,
    "npz": load_npz,
    "folder": load_folder,
}


def load_dataset(spec: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """X float32 (N, D) or (N, C, H, W) as stored (pixels 0-255), y int64 (N,)."""
    spec = spec or CONFIG["dataset"]
    X, y = LOADERS[spec["format"]](spec)
    return np.asarray(X, np.float32), np.asarray(y, np.int64)


def split_indices(n: int, val: float, test: float, seed: int):
    """GraphLab's split: a permutation of range(n) from ``seed``; the first round(val * n)
    indices validate, the next round(test * n) test, the rest train."""
    n_val, n_test = round(val * n), round(test * n)
    order = np.random.default_rng(seed).permutation(n)
    return order[n_val + n_test :], order[:n_val], order[n_val : n_val + n_test]


def prepared_splits() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"train", "val", "test"}: (X preprocessed float32, y int64), as GraphLab trains on."""
    X, y = load_dataset()
    split = CONFIG["split"]
    with np.load(HERE / "preprocessing.npz", allow_pickle=False) as stats:
        mean, scale = stats["mean"], stats["scale"]
    parts = split_indices(len(X), split["val"], split["test"], split["seed"])
    return {
        name: (((X[rows] - mean) / scale).astype(np.float32), y[rows])
        for name, rows in zip(("train", "val", "test"), parts, strict=True)
    }


def augment(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """GraphLab's training augmentation of a batch (N, C, H, W): random crop of the image
    zero-padded by crop_padding, random shift by up to translate of its size, random flip."""
    spec = CONFIG.get("augment") or {}
    if spec.get("crop_padding"):
        p = spec["crop_padding"]
        X = random_windows(X, rng, p, p, *X.shape[2:])
    if spec.get("translate"):
        X = random_windows(X, rng, *(round(spec["translate"] * d) for d in X.shape[2:]),
                           *X.shape[2:])  # fmt: skip
    if spec.get("flip"):
        X = X.copy()
        flip = rng.random(len(X)) < 0.5
        X[flip] = X[flip, :, :, ::-1]
    return X


def random_windows(X: np.ndarray, rng, pad_h: int, pad_w: int, h: int, w: int) -> np.ndarray:
    """One random (h, w) window per image of X zero-padded by (pad_h, pad_w)."""
    padded = np.pad(X, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (h, w), axis=(2, 3))
    top = rng.integers(0, windows.shape[2], size=len(X))
    left = rng.integers(0, windows.shape[3], size=len(X))
    return np.ascontiguousarray(windows[np.arange(len(X)), :, top, left])


def loaders(batch_size: int, rank: int = 0, world: int = 1, seed: int = 0):
    """(train loader, {"val", "test": this rank's shard (X, y) tensors}): the training split
    shuffled by a DistributedSampler, batches of batch_size // world per process."""
    parts = prepared_splits()
    train = TensorDataset(*map(torch.from_numpy, parts["train"]))
    sampler = DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True, seed=seed)
    loader = DataLoader(train, batch_size=max(1, batch_size // world), sampler=sampler)
    shards = {
        name: tuple(torch.from_numpy(a[rank::world]) for a in parts[name])
        for name in ("train", "val", "test")
    }
    return loader, shards
