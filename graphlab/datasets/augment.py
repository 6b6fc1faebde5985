"""Data augmentation of image batches (N, C, H, W), for training only.

Every function takes an explicit numpy Generator, returns a new array of the input's shape and
dtype, and draws one random choice per sample. Rotation, scaling and shearing make one
scikit-image warp per image (bilinear, zeros outside the image), about the image's centre.
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


def random_warp(
    X: np.ndarray,
    rng: np.random.Generator,
    rotate: float = 0.0,
    scale: float = 0.0,
    shear: float = 0.0,
) -> np.ndarray:
    """Each image rotated by an angle in [-rotate, rotate] degrees (counter-clockwise, as
    ``skimage.transform.rotate``), then each axis stretched by a factor in [1 - scale,
    1 + scale], then sheared by an angle in [-shear, shear] degrees, all about the image's
    centre, in one warp (scikit-image's ``warp`` with :data:`WARP`). Each image draws its own
    values, uniformly, for the options above 0 (in that order)."""
    from skimage.transform import warp

    _check_images(X)
    n, (h, w) = len(X), X.shape[2:]
    angles = rng.uniform(-rotate, rotate, size=n) if rotate else np.zeros(n)
    factors = rng.uniform(1.0 - scale, 1.0 + scale, size=(n, 2)) if scale else np.ones((n, 2))
    shears = rng.uniform(-shear, shear, size=n) if shear else np.zeros(n)
    out = np.empty_like(X)
    for i, image in enumerate(X):
        turn = -np.deg2rad(angles[i])  # rows grow downwards: counter-clockwise on screen
        forward = (
            _shift((w - 1) / 2, (h - 1) / 2)
            @ np.array([[1.0, -np.tan(np.deg2rad(shears[i])), 0.0], [0, 1, 0], [0, 0, 1]])
            @ np.diag([factors[i, 0], factors[i, 1], 1.0])
            @ np.array(
                [[np.cos(turn), -np.sin(turn), 0.0], [np.sin(turn), np.cos(turn), 0], [0, 0, 1]]
            )
            @ _shift(-(w - 1) / 2, -(h - 1) / 2)
        )  # (x, y, 1) of the input -> of the output; warp takes the inverse map
        warped = warp(np.moveaxis(image, 0, -1), np.linalg.inv(forward), **WARP)
        out[i] = np.moveaxis(warped.reshape(h, w, -1), -1, 0)
    return out


def _shift(x: float, y: float) -> np.ndarray:
    """The 3x3 homogeneous matrix of a translation by (x, y)."""
    return np.array([[1.0, 0.0, x], [0.0, 1.0, y], [0.0, 0.0, 1.0]])


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
    """Which augmentations a training run applies, in this order: crop, translate, the warp
    (rotate, scale, shear), flip."""

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
        if self.rotate or self.scale or self.shear:
            X = random_warp(X, rng, self.rotate, self.scale, self.shear)
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
