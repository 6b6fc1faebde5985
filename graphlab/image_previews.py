"""What the window previews of a dataset binding's images: augmented training images (the
training dock's augmentation panel) and one image's HoG picture and histogram (the data
node's inspector). Qt-free; the images are the raw training split (before features and
preprocessing), loaded once per dataset and split and kept for the next few previews.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from engine.errors import DatasetError
from graphlab.binding import raw_splits
from graphlab.datasets.augment import Augmentation
from graphlab.datasets.features import (
    STAGES,
    FeatureSpec,
    color_histograms,
    hog_features,
    hog_picture,
)

#: training images of this many bindings (dataset and split) stay loaded
KEPT = 4
_loaded: dict[str, np.ndarray] = {}


def training_images(binding: dict) -> np.ndarray:
    """The raw training-split images (N, C, H, W) of a dataset binding; DatasetError when
    the binding has no dataset or its samples are not images."""
    if not binding.get("spec"):
        raise DatasetError("no dataset is bound to this graph")
    key = json.dumps([binding["spec"], binding.get("split", {})], sort_keys=True, default=str)
    if key not in _loaded:
        try:
            images = raw_splits(binding).train.X
        except (TypeError, AttributeError) as exc:
            raise DatasetError(f"the dataset binding is malformed ({exc})") from None
        if images.ndim != 4:
            raise DatasetError("the bound dataset's samples are not images")
        if len(_loaded) >= KEPT:
            _loaded.pop(next(iter(_loaded)))
        _loaded[key] = images
    return _loaded[key]


def augmented_grid(
    images: np.ndarray, augment: dict, rows: int = 4, draws: int = 3, seed: int = 0
) -> np.ndarray:
    """``rows`` images picked with ``seed``, each followed by ``draws`` augmented copies of it
    (the training augmentation ``augment``): (rows * (1 + draws), C, H, W), row by row."""
    rng = np.random.default_rng(seed)
    originals = images[rng.choice(len(images), size=min(rows, len(images)), replace=False)]
    copies = Augmentation.from_spec(augment).apply(
        np.repeat(originals, draws, axis=0), rng, train=True
    )
    grid = np.concatenate(
        [originals[:, None], copies.reshape(len(originals), draws, *images.shape[1:])], axis=1
    )
    return grid.reshape(-1, *images.shape[1:])


@dataclass(frozen=True)
class FeatureView:
    """One training image (C, H, W), its HoG picture (H, W) in [0, 1] and its colour (hue)
    or intensity histogram (bins,) as fractions of the pixels, with the options used."""

    image: np.ndarray
    picture: np.ndarray
    histogram: np.ndarray
    hog: dict
    colour: bool


def feature_view(binding: dict, index: int = 0) -> FeatureView:
    """The binding's ``index``-th training image seen as its features stage sees it (its
    ``hog`` and ``color_hist`` options, else their defaults)."""
    features = binding.get("features") or {}
    spec = FeatureSpec.from_spec(features) if features else FeatureSpec()
    hog = spec.hog or {a.name: a.default for a in STAGES["hog"]}
    bins = (spec.color_hist or {a.name: a.default for a in STAGES["color_hist"]})["bins"]
    images = training_images(binding)
    image = images[index]
    histogram = color_histograms(image[None], bins, float(images.max()))[0]
    return FeatureView(image, hog_picture(image, **hog), histogram, hog, image.shape[0] == 3)


def feature_count(binding: dict) -> int:
    """How many features per image the binding's ``features`` stages make (0 without any)."""
    features = binding.get("features") or {}
    if not features:
        return 0
    spec = FeatureSpec.from_spec(features)
    count = hog_features(training_images(binding)[:1], **spec.hog).shape[1] if spec.hog else 0
    return count + (spec.color_hist or {"bins": 0})["bins"] + (spec.bow or {"words": 0})["words"]
