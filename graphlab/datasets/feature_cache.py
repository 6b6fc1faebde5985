"""The features stage over a split dataset, computed once per data and settings.

:func:`featurize_splits` fits the declared stages (:mod:`graphlab.datasets.features`) on the
training split, transforms the three splits, and keeps the result in
``$GRAPHLAB_CACHE_DIR`` (else ``$XDG_CACHE_HOME/graphlab``, else ``~/.cache/graphlab``) under
``features/<sha256>.npz``, the hash taken over the settings and what determines the images:
a built-in dataset's spec and split settings (no image is hashed), else the images themselves
(a user's files can change under the same name). The next run with the same data and
settings reads it back (within the memory budget). A damaged or foreign cache file is
ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from engine.errors import GraphLabError
from graphlab.budget import read_file
from graphlab.datasets.features import FeatureSpec, FittedFeatures
from graphlab.datasets.record import Dataset
from graphlab.datasets.split import DatasetSplits
from graphlab.npzfile import read_npz, write_npz

#: bump when what a stage computes changes, so old cache files are not read
FEATURES_VERSION = 1
PARTS = ("train", "val", "test")
CHUNK = 256  # images per progress step


def cache_folder() -> Path:
    """Where feature files are cached."""
    if os.environ.get("GRAPHLAB_CACHE_DIR"):
        return Path(os.environ["GRAPHLAB_CACHE_DIR"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "graphlab"


def featurize_splits(
    splits: DatasetSplits, spec, seed: int = 0, binding: dict | None = None
) -> DatasetSplits:
    """``splits`` with every image replaced by its standardized features (N, F), the stages
    fitted on the training split only; read from the cache when computed before.
    ``binding``: the dataset binding ``splits`` came from (its "spec" and "split"), which
    names the images of a built-in dataset without hashing them."""
    settings = FeatureSpec.from_spec(spec)
    parts = [getattr(splits, name) for name in PARTS]
    path = cache_folder() / "features" / f"{_cache_key(settings, parts, seed, binding)}.npz"
    features = _read_cached(path, parts)
    if features is None:
        features = _compute(settings, parts, seed)
        named = dict(zip(PARTS, features, strict=True))
        with contextlib.suppress(GraphLabError, OSError):  # no cache: computed each time
            path.parent.mkdir(parents=True, exist_ok=True)
            write_npz(path, named)
    made = [
        Dataset(x, part.y, part.class_names, f"{part.name} features", False)
        for x, part in zip(features, parts, strict=True)
    ]
    return DatasetSplits(*made, splits.train_indices, splits.val_indices, splits.test_indices)


def _compute(settings: FeatureSpec, parts: list[Dataset], seed: int) -> list[np.ndarray]:
    from tqdm.auto import tqdm

    fitted = FittedFeatures.fit(settings, parts[0].X, seed)
    total = sum(len(part) for part in parts)
    out = []
    with tqdm(total=total, desc="features", unit="image", disable=None, leave=False) as bar:
        for part in parts:
            chunks = [fitted.transform(part.X[i : i + CHUNK]) for i in range(0, len(part), CHUNK)]
            bar.update(len(part))
            width = len(fitted.mean)
            out.append(np.concatenate(chunks) if chunks else np.zeros((0, width), np.float32))
    return out


def _cache_key(settings: FeatureSpec, parts: list[Dataset], seed: int, binding) -> str:
    """sha256 over the settings and, for a built-in dataset's binding, its spec and split
    settings; over every image otherwise."""
    digest = hashlib.sha256()
    header = {"version": FEATURES_VERSION, "spec": settings.to_spec(), "seed": seed}
    builtin = binding is not None and "name" in binding.get("spec", {})
    if builtin:
        header["data"] = {"spec": binding["spec"], "split": binding.get("split", {})}
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    if builtin:
        return digest.hexdigest()
    for part in parts:
        X = np.ascontiguousarray(part.X)
        digest.update(f"{X.shape}{X.dtype}".encode())
        digest.update(memoryview(X).cast("B"))
    return digest.hexdigest()


def _read_cached(path: Path, parts: list[Dataset]) -> list[np.ndarray] | None:
    """The cached features when ``path`` holds them for parts of these lengths, else None."""
    if not path.is_file():
        return None
    try:
        arrays = read_npz(read_file(path, GraphLabError), path, GraphLabError)
        features = [arrays[name] for name in PARTS]
    except (GraphLabError, KeyError):
        return None
    fits = all(
        f.ndim == 2 and len(f) == len(part) and f.dtype == np.float32
        for f, part in zip(features, parts, strict=True)
    )
    return features if fits and len({f.shape[1] for f in features}) == 1 else None
