"""Preprocessing from the curriculum, fitted on the training split only.

Centering subtracts the mean image ('mean': the mean of every position over the training
samples; for (N, D) data the mean point) or the per-channel mean ('channel', images only).
Scaling then divides by a constant or by the training std ('std', over the same axes as the
mean; a std of zero counts as 1). The fitted statistics are arrays, stored with the model and
applied unchanged to validation, test and new data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from engine.errors import DatasetError
from engine.ops.base import fmt
from graphlab.datasets.split import DatasetSplits

CENTERS = ("none", "mean", "channel")
CHUNK = 2048  # samples per step when summing squared deviations


@dataclass(frozen=True, eq=False)
class Preprocessing:
    """x -> (x - mean) / scale for each sample; mean and scale broadcast against one sample:
    (1, ..., 1) for 'none', the sample shape for 'mean', (C, 1, 1) for 'channel'."""

    center: str
    mean: np.ndarray
    scale: np.ndarray

    def apply(self, X: np.ndarray) -> np.ndarray:
        """(N, ...) float32 samples preprocessed; X itself is not changed."""
        free = {"none": range(self.mean.ndim), "mean": (), "channel": (1, 2)}[self.center]
        fits = X.ndim == self.mean.ndim + 1 and all(
            m == x or axis in free
            for axis, (m, x) in enumerate(zip(self.mean.shape, X.shape[1:], strict=True))
        )
        if not fits:
            raise DatasetError(
                f"preprocessing was fitted on samples of shape {fmt(self.mean.shape)}, "
                f"got data of shape {fmt(X.shape)}"
            )
        out = np.subtract(X, self.mean, dtype=np.float32)
        out /= self.scale
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The statistics as plain arrays, for an .npz saved with allow_pickle=False."""
        return {"center": np.array(self.center), "mean": self.mean, "scale": self.scale}

    @classmethod
    def from_arrays(cls, arrays) -> Preprocessing:
        """The inverse of :meth:`to_arrays`; DatasetError when an entry is missing or wrong."""
        try:
            center, mean, scale = (np.asarray(arrays[k]) for k in ("center", "mean", "scale"))
        except KeyError as e:
            raise DatasetError(f"preprocessing statistics: missing {e.args[0]!r}") from None
        if center.ndim or str(center) not in CENTERS:
            raise DatasetError(f"preprocessing statistics: unknown center {center!r}")
        if mean.dtype.kind != "f" or scale.dtype.kind != "f" or np.any(scale <= 0):
            raise DatasetError("preprocessing statistics: mean and positive scale must be floats")
        return cls(str(center), mean.astype(np.float32), scale.astype(np.float32))


def fit_preprocessing(
    X_train: np.ndarray, center: str = "mean", scale: float | str | None = None
) -> Preprocessing:
    """Statistics of the training samples X_train (N, D) or (N, C, H, W).

    center: 'none', 'mean' or 'channel'. scale: None (no scaling), a positive number to divide
    by (255 for pixels), or 'std' for the training standard deviation after centering.
    """
    if center not in CENTERS:
        raise DatasetError(
            f"preprocessing: center must be one of {', '.join(CENTERS)}, got {center!r}"
        )
    if len(X_train) == 0:
        raise DatasetError("preprocessing: the training split is empty")
    if center == "channel" and X_train.ndim != 4:
        raise DatasetError(
            f"preprocessing: the per-channel mean needs images (N, C, H, W), got {fmt(X_train.shape)}"
        )
    axes = {"none": tuple(range(X_train.ndim)), "mean": (0,), "channel": (0, 2, 3)}[center]
    mean = X_train.mean(axis=axes, dtype=np.float64, keepdims=True)
    if scale is None:
        spread = np.ones_like(mean)
    elif scale == "std":
        spread = _std(X_train, mean, axes)
        spread[spread == 0] = 1.0
    elif isinstance(scale, int | float) and not isinstance(scale, bool) and 0 < scale < 1e30:
        spread = np.full_like(mean, float(scale))
    else:
        raise DatasetError(
            f"preprocessing: scale must be None, 'std' or a positive number below 1e30, got {scale!r}"
        )
    if center == "none":
        mean = np.zeros_like(mean)
    return Preprocessing(center, mean[0].astype(np.float32), spread[0].astype(np.float32))


def _std(X: np.ndarray, mean: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Standard deviation of X around ``mean`` over ``axes``, summed in float64 a chunk of
    samples at a time (a float64 copy of a whole image set is slow and large)."""
    mean32 = mean.astype(X.dtype)
    total = np.zeros_like(mean)
    for start in range(0, len(X), CHUNK):
        deviation = X[start : start + CHUNK] - mean32
        total += np.square(deviation).sum(axis=axes, dtype=np.float64, keepdims=True)
    return np.sqrt(total / (X.size // mean.size))


def preprocess_splits(
    splits: DatasetSplits,
    center: str = "mean",
    scale: float | str | None = None,
    stats: Preprocessing | None = None,
) -> tuple[DatasetSplits, Preprocessing]:
    """Fit on ``splits.train`` only (unless fitted ``stats`` are given) and apply to all
    three parts."""
    stats = stats or fit_preprocessing(splits.train.X, center, scale)
    parts = {
        name: dataclasses.replace(part, X=stats.apply(part.X))
        for name, part in (("train", splits.train), ("val", splits.val), ("test", splits.test))
    }
    return dataclasses.replace(splits, **parts), stats
