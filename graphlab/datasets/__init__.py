"""Datasets for GraphLab, all usable offline: built-in sets, the user's files, splits,
preprocessing fitted on the training split, and training-time augmentation.

    ds = load_dataset({"name": "spiral", "classes": 3, "points": 100, "seed": 0})
    splits = split_dataset(ds, val=0.1, test=0.1, seed=0)
    splits, stats = preprocess_splits(splits, center="mean")
    batch = Augmentation(flip=True, crop_padding=1).apply(splits.train.X[:64], rng, train=True)
"""

from graphlab.datasets.augment import (
    Augmentation,
    random_crop,
    random_flip,
    random_translate,
    random_warp,
)
from graphlab.datasets.builtin import (
    BUILTINS,
    blobs,
    builtin_datasets,
    circles,
    digits,
    spiral,
    xor,
)
from graphlab.datasets.preprocess import Preprocessing, fit_preprocessing, preprocess_splits
from graphlab.datasets.record import Dataset
from graphlab.datasets.spec import FORMATS, dataset_formats, load_dataset
from graphlab.datasets.split import DatasetSplits, split_dataset, split_indices

__all__ = [
    "BUILTINS",
    "FORMATS",
    "Augmentation",
    "Dataset",
    "DatasetSplits",
    "Preprocessing",
    "blobs",
    "builtin_datasets",
    "circles",
    "dataset_formats",
    "digits",
    "fit_preprocessing",
    "load_dataset",
    "preprocess_splits",
    "random_crop",
    "random_flip",
    "random_translate",
    "random_warp",
    "spiral",
    "split_dataset",
    "split_indices",
    "xor",
]
