"""Data augmentation of image batches (N, C, H, W), for training only.

Every function takes an explicit numpy Generator, returns a new array of the input's shape and
dtype, and draws one random choice per sample. Rotation, scaling and shearing are
scikit-image's warps (bilinear, zeros outside the image), about the image's centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from engine.errors import DatasetError
from engine.ops.base import Attr, fmt
from graphlab.datasets.options import validate_options


def random_flip(X: np.ndarray, rng: np.random.Generator, p: float = 0.5) -> np.ndarray:
    """Each image mirrored left-right with probability ``p``."""
    _check_images(X)
    out = X.copy()
    flip = rng.random(len(X)) < p
    out[flip] = X[flip, :, :, ::-1]
    return out


def random_crop(
    X: np.ndarray, rng: np.random.Generator, padding: int, size: tuple[int, int] | None = None
) -> np.ndarray:
    """A random (h, w) window (default: the image size) of each image zero-padded by
    ``padding`` pixels on every side, as for CIFAR-10 (padding 4, crop 32x32)."""
    _check_images(X)
    h, w = size if size is not None else X.shape[2:]
    if h > X.shape[2] + 2 * padding or w > X.shape[3] + 2 * padding:
        raise DatasetError(
            f"augmentation: a {h}x{w} crop does not fit images {fmt(X.shape)} padded by {padding}"
        )
    return _random_windows(X, rng, padding, padding, h, w)


def random_translate(X: np.ndarray, rng: np.random.Generator, fraction: float) -> np.ndarray:
    """Each image shifted by up to ``fraction`` of its height and width in each direction
    (whole pixels, uniform), the uncovered border filled with zeros."""
    _check_images(X)
    shift_h, shift_w = (round(fraction * d) for d in X.shape[2:])
    return _random_windows(X, rng, shift_h, shift_w, *X.shape[2:])


#: the settings of every warp (scikit-image): bilinear, zero fill, values kept as they are
WARP = {"order": 1, "mode": "constant", "cval": 0.0, "preserve_range": True}


def random_rotate(X: np.ndarray, rng: np.random.Generator, degrees: float) -> np.ndarray:
    """Each image rotated about its centre by an angle drawn uniformly from [-degrees, degrees]
    (counter-clockwise), with ``skimage.transform.rotate`` and :data:`WARP`."""
    from skimage.transform import rotate

    _check_images(X)
    angles = rng.uniform(-degrees, degrees, size=len(X))
    return _per_channel(X, [lambda image, a=a: rotate(image, a, **WARP) for a in angles])


def random_scale(X: np.ndarray, rng: np.random.Generator, fraction: float) -> np.ndarray:
    """Each image stretched about its centre by a factor drawn uniformly from
    [1 - fraction, 1 + fraction], for each axis independently (an affine warp)."""
    _check_images(X)
    factors = rng.uniform(1.0 - fraction, 1.0 + fraction, size=(len(X), 2))
    return _affine(X, [{"scale": tuple(f)} for f in factors])


def random_shear(X: np.ndarray, rng: np.random.Generator, degrees: float) -> np.ndarray:
    """Each image sheared about its centre by an angle drawn uniformly from [-degrees, degrees]
    (an affine warp: rows slide sideways in proportion to their height)."""
    _check_images(X)
    angles = np.deg2rad(rng.uniform(-degrees, degrees, size=len(X)))
    return _affine(X, [{"shear": float(a)} for a in angles])


def _affine(X: np.ndarray, parameters: list[dict]) -> np.ndarray:
    """Image i of X warped by ``AffineTransform(**parameters[i])`` about the image's centre."""
    from skimage.transform import AffineTransform, warp

    h, w = X.shape[2:]
    to_origin = AffineTransform(translation=(-(w - 1) / 2, -(h - 1) / 2))
    back = AffineTransform(translation=((w - 1) / 2, (h - 1) / 2))
    maps = [(to_origin + AffineTransform(**p) + back).inverse for p in parameters]
    return _per_channel(X, [lambda image, m=m: warp(image, m, **WARP) for m in maps])


def _per_channel(X: np.ndarray, warps: list) -> np.ndarray:
    """``warps[i]`` (an (H, W) image -> (H, W)) applied to every channel of image i of X."""
    out = np.empty_like(X)
    for i, (image, warp_one) in enumerate(zip(X, warps, strict=True)):
        for c, channel in enumerate(image):
            out[i, c] = warp_one(channel)
    return out


def _random_windows(X: np.ndarray, rng, pad_h: int, pad_w: int, h: int, w: int) -> np.ndarray:
    """One random (h, w) window per image of X zero-padded by (pad_h, pad_w): (N, C, h, w)."""
    padded = np.pad(X, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    windows = sliding_window_view(padded, (h, w), axis=(2, 3))  # (N, C, top, left, h, w)
    top = rng.integers(0, windows.shape[2], size=len(X))
    left = rng.integers(0, windows.shape[3], size=len(X))
    return windows[np.arange(len(X)), :, top, left]


def _check_images(X: np.ndarray) -> None:
    if X.ndim != 4:
        raise DatasetError(f"augmentation needs image batches (N, C, H, W), got {fmt(X.shape)}")


@dataclass(frozen=True)
class Augmentation:
    """Which augmentations a training run applies, in this order: crop, translate, rotate,
    scale, shear, flip."""

    flip: bool = False
    crop_padding: int = 0
    translate: float = 0.0
    rotate: float = 0.0
    scale: float = 0.0
    shear: float = 0.0

    OPTIONS = (
        Attr("flip", "bool", False, "random horizontal flip"),
        Attr("crop_padding", "int", 0, "random crop of the zero-padded image", minimum=0),
        Attr("translate", "float", 0.0, "random shift, fraction of the size", minimum=0.0,
             maximum=0.5),
        Attr("rotate", "float", 0.0, "random rotation, degrees", minimum=0.0, maximum=180.0),
        Attr("scale", "float", 0.0, "random stretch of each axis, fraction", minimum=0.0,
             maximum=0.5),
        Attr("shear", "float", 0.0, "random shear, degrees", minimum=0.0, maximum=45.0),
    )  # fmt: skip

    @classmethod
    def from_spec(cls, spec) -> Augmentation:
        """From a JSON-friendly dict such as {"flip": true, "crop_padding": 4}."""
        return cls(**validate_options(spec, cls.OPTIONS, "augmentation"))

    def apply(self, X: np.ndarray, rng: np.random.Generator, train: bool) -> np.ndarray:
        """The augmented batch in training; ``X`` itself, untouched, in evaluation."""
        if not train:
            return X
        if self.crop_padding:
            X = random_crop(X, rng, self.crop_padding)
        if self.translate:
            X = random_translate(X, rng, self.translate)
        if self.rotate:
            X = random_rotate(X, rng, self.rotate)
        if self.scale:
            X = random_scale(X, rng, self.scale)
        if self.shear:
            X = random_shear(X, rng, self.shear)
        if self.flip:
            X = random_flip(X, rng)
        return X

    def to_spec(self) -> dict:
        """The JSON-friendly dict of the options that differ from their defaults."""
        return {
            a.name: getattr(self, a.name)
            for a in self.OPTIONS
            if getattr(self, a.name) != a.default
        }
