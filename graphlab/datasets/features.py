"""Image features as a dataset stage: HoG, colour histograms and a bag of visual words.

The notes' point: "the feature representation of the image will be fed into the linear
classifier rather than the raw pixels". A dataset binding may declare
``"features": {"hog": {...}, "color_hist": {...}, "bow": {...}}`` (any of them, in that order):
each image (C, H, W) becomes one vector of the stages' features concatenated, standardized
with the training split's mean and std only. HoG is scikit-image's ``hog``; the colour
histogram is of the hue (HSV) for colour images and of the intensity for grey ones; the bag of
words fits a vocabulary of K patches on the training split (scikit-learn's MiniBatchKMeans)
and counts each image's patches by nearest word. Results are cached on disk by content hash
(:mod:`graphlab.datasets.feature_cache`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from engine.errors import DatasetError
from engine.ops.base import Attr, fmt
from graphlab.datasets.options import validate_options

STAGES = {
    "hog": (
        Attr("orientations", "int", 9, "orientation bins", minimum=2, maximum=36),
        Attr("pixels_per_cell", "int", 4, "cell size in pixels", minimum=2, maximum=64),
        Attr("cells_per_block", "int", 2, "block size in cells", minimum=1, maximum=8),
    ),
    "color_hist": (Attr("bins", "int", 16, "histogram bins", minimum=2, maximum=256),),
    "bow": (
        Attr("words", "int", 32, "vocabulary size K", minimum=2, maximum=1024),
        Attr("patch", "int", 5, "patch size in pixels", minimum=2, maximum=32),
        Attr("stride", "int", 3, "patch stride in pixels", minimum=1, maximum=32),
    ),
}
#: patches the vocabulary is fitted on, at most (sampled from the training split)
VOCABULARY_SAMPLE = 20_000


@dataclass(frozen=True)
class FeatureSpec:
    """The stages a binding declares, each with its validated options (None: not used)."""

    hog: dict | None = None
    color_hist: dict | None = None
    bow: dict | None = None

    @classmethod
    def from_spec(cls, spec) -> FeatureSpec:
        """From ``{"hog": {"orientations": 9}, "bow": {}}``; ``true`` means the defaults."""
        if not isinstance(spec, dict) or not spec:
            raise DatasetError(f"features: expected stages such as {{'hog': {{}}}}, got {spec!r}")
        unknown = set(spec) - set(STAGES)
        if unknown:
            raise DatasetError(
                f"features has no stage {sorted(unknown)[0]!r}; stages: {', '.join(STAGES)}"
            )
        stages = {}
        for name, value in spec.items():
            options = {} if value is True else value
            if not isinstance(options, dict):
                raise DatasetError(f"features.{name}: expected options or true, got {value!r}")
            stages[name] = validate_options(options, STAGES[name], f"features.{name}")
        return cls(**stages)

    def to_spec(self) -> dict:
        return {name: getattr(self, name) for name in STAGES if getattr(self, name) is not None}


def hog_features(X: np.ndarray, orientations=9, pixels_per_cell=4, cells_per_block=2):
    """scikit-image's HoG of each image of X (N, C, H, W): (N, F) float32."""
    from skimage.feature import hog

    _check_images(X, pixels_per_cell * cells_per_block, "hog")
    options = {
        "orientations": orientations,
        "pixels_per_cell": (pixels_per_cell, pixels_per_cell),
        "cells_per_block": (cells_per_block, cells_per_block),
        "feature_vector": True,
    }
    out = []
    for x in X:
        pixels, channel_axis = _image(x)
        out.append(hog(pixels, channel_axis=channel_axis, **options))
    return np.stack(out).astype(np.float32)


def hog_picture(image: np.ndarray, orientations=9, pixels_per_cell=4, cells_per_block=2):
    """The per-cell orientation glyphs of one image (C, H, W): (H, W) float in [0, 1]."""
    from skimage.feature import hog

    pixels, channel_axis = _image(image)
    _, picture = hog(
        pixels,
        orientations=orientations,
        pixels_per_cell=(pixels_per_cell, pixels_per_cell),
        cells_per_block=(cells_per_block, cells_per_block),
        visualize=True,
        channel_axis=channel_axis,
    )
    top = picture.max()
    return picture / top if top > 0 else picture


def color_histograms(X: np.ndarray, bins: int, high: float) -> np.ndarray:
    """Per image of X (N, C, H, W): the hue histogram (C = 3, HSV) or the intensity histogram
    (C = 1, over [0, high]), as fractions of the pixels: (N, bins) float32."""
    _check_images(X, 1, "color_hist")
    if X.shape[1] == 3:
        from skimage.color import rgb2hsv

        scaled = np.clip(np.moveaxis(X, 1, -1) / max(high, 1e-12), 0.0, 1.0)
        values, top = rgb2hsv(scaled)[..., 0], 1.0
    else:
        values, top = X.mean(axis=1), max(high, 1e-12)
    edges = np.linspace(0.0, top, bins + 1)
    flat = values.reshape(len(X), -1)
    which = np.clip(np.searchsorted(edges, flat, side="right") - 1, 0, bins - 1)
    counts = np.stack([np.bincount(row, minlength=bins) for row in which])
    return (counts / flat.shape[1]).astype(np.float32)


def image_patches(X: np.ndarray, patch: int, stride: int) -> np.ndarray:
    """Every ``patch`` x ``patch`` window of each image at ``stride``: (N, P, C*patch*patch)."""
    _check_images(X, patch, "bow")
    windows = sliding_window_view(X, (patch, patch), axis=(2, 3))[:, :, ::stride, ::stride]
    n, c, rows, cols = windows.shape[:4]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n, rows * cols, c * patch * patch)


def fit_vocabulary(X: np.ndarray, words: int, patch: int, stride: int, seed: int) -> np.ndarray:
    """K visual words (K, C*patch*patch): MiniBatchKMeans on patches of the images X."""
    from sklearn.cluster import MiniBatchKMeans

    patches = image_patches(X, patch, stride).reshape(-1, X.shape[1] * patch * patch)
    rng = np.random.default_rng(seed)
    if len(patches) > VOCABULARY_SAMPLE:
        patches = patches[rng.choice(len(patches), VOCABULARY_SAMPLE, replace=False)]
    if len(patches) < words:
        raise DatasetError(f"bow: {len(patches)} training patches cannot make {words} words")
    kmeans = MiniBatchKMeans(n_clusters=words, random_state=seed, n_init=3, batch_size=2048)
    return kmeans.fit(patches.astype(np.float64)).cluster_centers_.astype(np.float32)


def bow_histograms(X: np.ndarray, vocabulary: np.ndarray, patch: int, stride: int):
    """Per image: how many of its patches each word is nearest to, (N, K) float32 (each row
    sums to the number of patches per image)."""
    patches = image_patches(X, patch, stride)
    squared = (vocabulary**2).sum(axis=1)
    out = np.empty((len(X), len(vocabulary)), np.float32)
    for i, image in enumerate(patches):
        nearest = np.argmin(squared - 2.0 * image @ vocabulary.T, axis=1)
        out[i] = np.bincount(nearest, minlength=len(vocabulary))
    return out


@dataclass(frozen=True, eq=False)
class FittedFeatures:
    """The stages of a spec fitted on a training split: what transforming new images needs."""

    spec: FeatureSpec
    high: float  # the training split's largest pixel value (colour histogram range)
    vocabulary: np.ndarray | None  # (K, C*patch*patch) for bow
    mean: np.ndarray  # (F,) of the training features
    std: np.ndarray  # (F,), zeros counted as 1

    @classmethod
    def fit(cls, spec: FeatureSpec, train: np.ndarray, seed: int = 0) -> FittedFeatures:
        """Fit on the training images (N, C, H, W): range, vocabulary, standardization."""
        high = float(train.max()) if train.size else 1.0
        vocabulary = None
        if spec.bow is not None:
            vocabulary = fit_vocabulary(train, **spec.bow, seed=seed)
        raw = cls(spec, high, vocabulary, np.zeros(0), np.ones(0)).raw(train)
        std = raw.std(axis=0)
        return cls(spec, high, vocabulary, raw.mean(axis=0), np.where(std > 0, std, 1.0))

    def raw(self, X: np.ndarray) -> np.ndarray:
        """The stages' features of X (N, C, H, W) concatenated, not standardized: (N, F)."""
        parts = []
        if self.spec.hog is not None:
            parts.append(hog_features(X, **self.spec.hog))
        if self.spec.color_hist is not None:
            parts.append(color_histograms(X, self.spec.color_hist["bins"], self.high))
        if self.spec.bow is not None:
            bow = self.spec.bow
            parts.append(bow_histograms(X, self.vocabulary, bow["patch"], bow["stride"]))
        return np.concatenate(parts, axis=1).astype(np.float32)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Standardized features (N, F) float32 of images X (N, C, H, W)."""
        return ((self.raw(X) - self.mean) / self.std).astype(np.float32)


def _image(x: np.ndarray) -> tuple[np.ndarray, int | None]:
    """One image (C, H, W) as scikit-image takes it: (H, W) grey or (H, W, C), channel axis."""
    return (x[0], None) if x.shape[0] == 1 else (np.moveaxis(x, 0, -1), -1)


def _check_images(X: np.ndarray, smallest: int, stage: str) -> None:
    if X.ndim != 4:
        raise DatasetError(f"features.{stage} needs images (N, C, H, W), got {fmt(X.shape)}")
    if min(X.shape[2:]) < smallest:
        raise DatasetError(
            f"features.{stage}: images {fmt(X.shape)} are smaller than one {smallest}-pixel block"
        )
