"""The fitted preprocessing statistics kept in a project (``dataset.preprocess.fitted``).

When a run trains, the statistics fitted on the training split are stored with the binding
as plain JSON: the center mode, the mean and scale (nested lists shaped like one sample, or
broadcasting against it), the settings they were fitted with, how raw pixels look (for
``--input`` and ``predict`` on images) and a fingerprint of the raw training split. A later
load uses the stored statistics instead of fitting again, and notes when the dataset's
fingerprint differs (the data changed since); without the dataset at all, the statistics
still travel with the project and its exports.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.errors import DatasetError
from graphlab.datasets.preprocess import Preprocessing

#: samples per step when summing, and the most samples looked at for the pixel scale
CHUNK = 2048


def fingerprint(X: np.ndarray) -> dict[str, float]:
    """A cheap summary of the (preprocessed) training samples that changes when they do,
    summed in float64 a chunk at a time."""
    total = squares = 0.0
    for start in range(0, len(X), CHUNK):
        chunk = np.asarray(X[start : start + CHUNK], dtype=np.float64)
        total, squares = total + float(chunk.sum()), squares + float(np.square(chunk).sum())
    return {"samples": int(len(X)), "sum": round(total, 3), "sum_squares": round(squares, 3)}


def record_settings(binding: dict) -> dict:
    """What statistics depend on: the preprocess settings, the dataset spec and the split
    (another dataset or split is fitted again, not reused)."""
    preprocess = binding.get("preprocess") or {}
    return {
        "center": preprocess.get("center", "none"),
        "scale": preprocess.get("scale"),
        "spec": binding.get("spec"),
        "split": binding.get("split", {}),
    }


def fitted_record(data, binding: dict) -> dict:
    """The JSON record of ``data``'s statistics (a BoundData) fitted under ``binding``, with
    the raw images' pixel scale from up to CHUNK samples."""
    from graphlab.user_input import pixel_scale_of

    stats, train = data.preprocessing, data.splits.train.X
    pixels = pixel_scale_of(train[:CHUNK] * stats.scale + stats.mean, stats)
    return {
        "settings": record_settings(binding),
        "center": stats.center,
        "mean": stats.mean.tolist(),
        "scale": stats.scale.tolist(),
        "pixel_top": float(pixels.top),
        "dark_background": pixels.dark_background,
        "fingerprint": fingerprint(train),
        "class_names": [str(name) for name in data.splits.train.class_names],
    }


def stored_record(binding: dict) -> dict | None:
    """The stored record when it was fitted under the binding's current settings, dataset
    spec and split."""
    preprocess = binding.get("preprocess", {}) if isinstance(binding, dict) else {}
    record = preprocess.get("fitted") if isinstance(preprocess, dict) else None
    if not isinstance(record, dict):
        return None
    return record if record.get("settings") == record_settings(binding) else None


def preprocessing_of(record: dict) -> Preprocessing:
    """The Preprocessing a record holds (DatasetError when it is damaged)."""
    try:
        mean, scale = (np.asarray(record.get(k), dtype=np.float32) for k in ("mean", "scale"))
    except (TypeError, ValueError):
        mean = scale = np.array(np.nan, np.float32)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(scale))):
        raise DatasetError("dataset.preprocess.fitted: mean and scale must be finite numbers")
    center = np.array(str(record.get("center")))
    return Preprocessing.from_arrays({"center": center, "mean": mean, "scale": scale})


def change_note(record: dict, train: np.ndarray) -> str:
    """One sentence when the training split (preprocessed by the record's statistics) is not
    the one the record was fitted on, else ''."""
    then, now = record.get("fingerprint", {}), fingerprint(train)
    if then == now:
        return ""
    return (
        f"the dataset changed since its preprocessing statistics were fitted "
        f"({then.get('samples', '?')} training samples then, {now['samples']} now); "
        "the stored statistics are used (clear dataset.preprocess.fitted to fit them again)"
    )


def with_record(binding: dict, record: dict) -> dict:
    """A copy of ``binding`` holding ``record`` as its fitted statistics."""
    preprocess = dict(binding.get("preprocess", {}))
    preprocess["fitted"] = record
    return {**binding, "preprocess": preprocess}


def summary(record: dict) -> dict[str, Any]:
    """What the inspector shows: center, the mean and scale's shapes and ranges, the samples."""
    mean, scale = np.asarray(record["mean"]), np.asarray(record["scale"])
    return {
        "center": record["center"],
        "mean": f"{mean.shape}: {mean.min():.4g} .. {mean.max():.4g}",
        "scale": f"{scale.shape}: {scale.min():.4g} .. {scale.max():.4g}",
        "fitted on": f"{record.get('fingerprint', {}).get('samples', '?')} training samples",
    }
