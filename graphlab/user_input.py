"""A person's own input for a graph: an array file, an image, a drawing or a number.

``InputReader(doc)`` knows what each input node of ``doc`` expects (its declared shape and
dtype) and how the graph's dataset scales pixels, and turns a FILE into that input's array:
``.npy`` (never unpickled), ``.npz`` holding one array, an image (``.png``, ``.jpg``, ...:
grey or RGB, resized to the input's height and width, scaled like the bound dataset) or a
literal number for a scalar input. One sample without the batch axis gets one. Every
problem is an :class:`InputError` of one sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.ops.base import fmt
from graphlab.budget import read_file
from graphlab.document import GraphDocument
from graphlab.npzfile import read_numpy
from graphlab.pixels import InputError, border_is_light, read_image, resize

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")


@dataclass(frozen=True)
class PixelScale:
    """How image pixels in [0, 1] become dataset values: times ``top`` (16 for digits, 255
    for MNIST), inverted when the image's border is light but the dataset's plain background
    is dark (or the other way round; None: the dataset has no plain background, never
    invert), then the dataset's preprocessing (None: pixels stay in [0, 1])."""

    top: float = 1.0
    dark_background: bool | None = None
    preprocessing: object = None  # graphlab.datasets.Preprocessing


class InputReader:
    """Reads values for the input nodes of ``doc``; ``scale`` says how images are scaled
    (default: like the bound dataset, found on first use)."""

    def __init__(self, doc: GraphDocument, scale: PixelScale | None = None) -> None:
        self.doc = doc
        self._scale = scale

    # -- which input, which shape ---------------------------------------------------------

    def input_ids(self) -> list[str]:
        return [nid for nid, node in self.doc.nodes.items() if node.op == "input"]

    def data_input(self) -> str:
        """The input fed with samples: the dataset's data input, else the one float input."""
        bound = self.doc.dataset.get("data_input")
        if bound in self.doc.nodes:
            return bound
        floats = [n for n in self.input_ids() if self.dtype(n) == "float"]
        if len(floats) != 1:
            raise InputError(
                f"{self.doc.name} has {len(floats)} float inputs ({', '.join(floats) or 'none'}); "
                "name one with --input ID=FILE"
            )
        return floats[0]

    def check_id(self, nid: str) -> None:
        if nid not in self.input_ids():
            known = ", ".join(self.input_ids()) or "none"
            raise InputError(f"{self.doc.name} has no input {nid!r} (its inputs: {known})")

    def shape(self, nid: str) -> tuple[int | None, ...]:
        """The declared shape, None for an axis of any size (the batch)."""
        self.check_id(nid)
        declared = self.doc.nodes[nid].attrs.get("shape")
        if not isinstance(declared, list | tuple) or not all(isinstance(d, int) for d in declared):
            raise InputError(f"input {nid!r} has no valid shape yet (set its shape attr)")
        return tuple(None if d == -1 else d for d in declared)

    def dtype(self, nid: str) -> str:
        return self.doc.nodes[nid].attrs.get("dtype", "float")

    def image_size(self, nid: str) -> tuple[int, int, int]:
        """(channels, height, width) an image must become for input ``nid``."""
        shape = self.shape(nid)
        if len(shape) == 4 and shape[1] in (1, 3) and None not in shape[1:]:
            return shape[1], shape[2], shape[3]
        side = math.isqrt(shape[-1] or 0) if len(shape) == 2 else 0
        if side and side * side == shape[-1]:
            return 1, side, side
        raise InputError(
            f"input {nid!r} has shape {fmt(shape)}, which is no image "
            "(expected (N, 1 or 3, H, W) or (N, D) with D a square)"
        )

    # -- reading ------------------------------------------------------------------------

    def read(self, nid: str, source: str) -> np.ndarray:
        """The array for input ``nid`` from ``source`` (a path or a number), batch axis first."""
        self.check_id(nid)
        try:
            number = float(source)
        except ValueError:
            number = None
        if number is not None and not Path(source).exists():
            return self.fit(nid, np.asarray(number), f"the number {source}")
        path = Path(source).expanduser()
        if not path.is_file():
            raise InputError(f"{source}: no such file")
        suffix = path.suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            return self.from_pixels(nid, read_image(path, self.image_size(nid)[0]))
        if suffix in (".npy", ".npz"):
            return self.fit(nid, read_array(path), path.name)
        raise InputError(
            f"{source}: unknown kind of file (expected .npy, .npz, an image such as "
            ".png or .jpg, or a number)"
        )

    def from_pixels(self, nid: str, pixels: np.ndarray) -> np.ndarray:
        """An image (C, h, w) in [0, 1], of any size, as one sample of input ``nid``."""
        channels, height, width = self.image_size(nid)
        pixels = resize(pixels, height, width)
        scale = self.pixel_scale()
        if scale.dark_background is not None and border_is_light(pixels) == scale.dark_background:
            pixels = 1.0 - pixels
        sample = (pixels * np.float32(scale.top))[None]
        if scale.preprocessing is not None:
            sample = scale.preprocessing.apply(sample)
        return self.fit(nid, sample.reshape(1, *self.shape(nid)[1:]), "the image")

    def fit(self, nid: str, array: np.ndarray, what: str) -> np.ndarray:
        """``array`` checked against input ``nid``: numbers of the right kind and shape."""
        shape, integer = self.shape(nid), self.dtype(nid) == "int"
        if array.dtype.kind not in "biuf":
            raise InputError(f"{what} holds {array.dtype} values; input {nid!r} needs numbers")
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise InputError(f"{what} holds NaN or infinite values")
        if integer and array.dtype.kind == "f" and np.any(array != np.round(array)):
            raise InputError(f"{what} holds fractions; input {nid!r} needs whole numbers (labels)")
        one_sample = shape and shape[0] is None and _fits(array.shape, shape[1:])
        if one_sample and not _fits(array.shape, shape):
            array = array[None]
        if not _fits(array.shape, shape):
            raise InputError(
                f"{what} has shape {fmt(array.shape)}; input {nid!r} needs {fmt(shape)}"
            )
        return array.astype(np.int64 if integer else np.float32)

    # -- how the dataset scales pixels ----------------------------------------------------

    def pixel_scale(self) -> PixelScale:
        if self._scale is None:
            self._scale = dataset_pixel_scale(self.doc)
        return self._scale


def dataset_pixel_scale(doc: GraphDocument) -> PixelScale:
    """How the images of ``doc``'s bound dataset are scaled (pixels in [0, 1] without one);
    statistics stored in the project answer without loading the dataset."""
    from graphlab.preprocess_store import preprocessing_of, stored_record

    record = stored_record(doc.dataset)
    if record is not None:
        stats = preprocessing_of(record)
        return PixelScale(record["pixel_top"], record["dark_background"], stats)
    if not doc.dataset.get("spec"):
        return PixelScale()
    from graphlab.binding import bound_data

    data = bound_data(doc)
    stats = data.preprocessing
    return pixel_scale_of(data.splits.train.X * stats.scale + stats.mean, stats)


def pixel_scale_of(raw: np.ndarray, stats) -> PixelScale:
    """The PixelScale of raw training samples ``raw`` preprocessed by ``stats``."""
    top = float(raw.max()) or 1.0
    if raw.ndim != 4 or raw.shape[1] != 1:  # vectors or colour photos: no plain background
        return PixelScale(top, None, stats)
    sides = [raw[:, :, 0], raw[:, :, -1], raw[..., 0], raw[..., -1]]  # digits touch top and bottom
    means = [float(side.mean()) / top for side in sides]
    low, high = min(means), max(means)
    plain = True if high < 0.5 and low < 0.15 else False if low > 0.5 and high > 0.85 else None
    return PixelScale(top, plain, stats)


def _fits(actual: tuple[int, ...], declared: tuple[int | None, ...]) -> bool:
    return len(actual) == len(declared) and all(
        d is None or d == a for a, d in zip(actual, declared, strict=True)
    )


def read_array(path: Path) -> np.ndarray:
    """The array in a ``.npy`` or the one array in a ``.npz``, read as every numpy file is
    (:mod:`graphlab.npzfile`: sizes checked against the memory budget first, no pickles)."""
    arrays = read_numpy(read_file(path, InputError), path.name, InputError)
    if len(arrays) != 1:
        raise InputError(
            f"{path.name} holds {len(arrays)} arrays ({', '.join(arrays) or 'none'}); "
            "give a .npz with exactly one"
        )
    return next(iter(arrays.values()))
