"""What the trainer publishes: plain event records and callback lists (no Qt).

Subscribe with ``trainer.metrics.on_step(f)``, ``on_epoch(f)`` or ``on_stats(f, every=N, ...)``.
Callbacks run in the training thread, synchronously, so they should only store the event (the
app's dashboard reads the latest one on a timer). The expensive statistics of ``on_stats`` are
computed only on the steps they are due (every N-th step), never on the others.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.backend import to_numpy


@dataclass(frozen=True)
class StepEvent:
    """After each optimizer step. step counts steps from 1; lr is the rate that step used."""

    epoch: int
    step: int
    loss: float
    lr: float


@dataclass(frozen=True)
class EpochEvent:
    """After each epoch (epoch counts from 1): accuracies in eval mode, None when unknown.

    train_accuracy is measured on a fixed sample of the training set (at most the trainer's
    ``train_eval_samples`` rows); val_* on the whole validation split.
    """

    epoch: int
    step: int
    train_accuracy: float | None
    val_accuracy: float | None
    val_loss: float | None


#: histograms of larger arrays are taken over an evenly strided sample of about this many
#: values (plenty for a few dozen bins)
HISTOGRAM_SAMPLE = 1 << 12


@functools.lru_cache(maxsize=64)
def sample_stride(size: int) -> int:
    """The stride of the histogram sample of ``size`` values: about size / HISTOGRAM_SAMPLE,
    prime and not dividing ``size``, so that it passes through every column, row and channel
    of an (N, C, H, W) array (a stride of 4 over 8x8 images would only see two columns)."""
    step = size // HISTOGRAM_SAMPLE
    if step <= 1:
        return 1
    while size % step == 0 or any(step % d == 0 for d in range(2, math.isqrt(step) + 1)):
        step += 1
    return step


@dataclass(frozen=True)
class Histogram:
    """Counts (bins,) of an array's finite values in equal bins between edges (bins + 1,).

    Arrays with more than HISTOGRAM_SAMPLE values are sampled at a prime stride: the shape
    of the distribution is what a dashboard shows, and a full histogram of every activation
    would cost more than the training step it describes.
    """

    counts: np.ndarray
    edges: np.ndarray

    @classmethod
    def of(cls, array, bins: int) -> Histogram:
        values = array.reshape(-1)[:: sample_stride(array.size)]
        values = to_numpy(values).astype(np.float64)
        values = values[np.isfinite(values)]
        low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
        if high <= low:
            low, high = low - 0.5, high + 0.5
        index = ((values - low) * (bins / (high - low))).astype(np.intp)
        counts = np.bincount(np.minimum(index, bins - 1), minlength=bins)
        return cls(counts, np.linspace(low, high, bins + 1))


@dataclass(frozen=True)
class GridScores:
    """Class scores on a grid over 2-D data: xs (nx,), ys (ny,), scores (ny, nx, classes)."""

    xs: np.ndarray
    ys: np.ndarray
    scores: np.ndarray


@dataclass
class StatsEvent:
    """The statistics one subscription asked for, on a step it was due; the rest stay empty.

    grad_norms: parameter -> L2 norm of its gradient. update_ratios: parameter ->
    |update| / |weights| of this step (the curriculum's heuristic: around 1e-3).
    activation_histograms / gradient_histograms: node -> Histogram of its output and of
    dL/d(output). weights: the chosen parameter's values (numpy). grid: class scores on a grid.
    """

    epoch: int
    step: int
    grad_norms: dict[str, float] = field(default_factory=dict)
    update_ratios: dict[str, float] = field(default_factory=dict)
    activation_histograms: dict[str, Histogram] = field(default_factory=dict)
    gradient_histograms: dict[str, Histogram] = field(default_factory=dict)
    weights: np.ndarray | None = None
    grid: GridScores | None = None


@dataclass
class StatsRequest:
    """One ``on_stats`` subscription: what to compute and how often.

    gradients: gradient norms and update/weight ratios of the trainable parameters.
    histograms: activation and gradient histograms of ``nodes`` (default: the activation
    nodes, or every non-leaf node when the graph has none) with ``bins`` bins.
    weights: a parameter id whose values to send (a conv filter bank, say).
    grid: points per axis of a grid over 2-D training data, to send class scores on it.
    start: the step the interval counts from (due at start + every, start + 2 every, ...); a
    caller that changes ``every`` sets it to the step of the last statistics, so the next come
    a full interval later.
    """

    callback: Callable[[StatsEvent], None]
    every: int = 50
    gradients: bool = True
    histograms: bool = False
    nodes: list[str] | None = None
    bins: int = 30
    weights: str | None = None
    grid: int | None = None
    start: int = 0

    def due(self, step: int) -> bool:
        return (step - self.start) % self.every == 0


class Metrics:
    """The callback lists of one trainer."""

    def __init__(self) -> None:
        self.step_callbacks: list[Callable[[StepEvent], None]] = []
        self.epoch_callbacks: list[Callable[[EpochEvent], None]] = []
        self.stats_requests: list[StatsRequest] = []

    def on_step(self, callback: Callable[[StepEvent], None]) -> None:
        self.step_callbacks.append(callback)

    def on_epoch(self, callback: Callable[[EpochEvent], None]) -> None:
        self.epoch_callbacks.append(callback)

    def on_stats(self, callback: Callable[[StatsEvent], None], every: int = 50, **what):
        """Subscribe to statistics every ``every`` steps; ``what`` as in :class:`StatsRequest`."""
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        request = StatsRequest(callback, every, **what)
        self.stats_requests.append(request)
        return request

    def remove(self, callback) -> None:
        """Unsubscribe ``callback`` from every list it is in."""
        self.step_callbacks = [c for c in self.step_callbacks if c != callback]
        self.epoch_callbacks = [c for c in self.epoch_callbacks if c != callback]
        self.stats_requests = [r for r in self.stats_requests if r.callback != callback]

    def due(self, step: int) -> list[StatsRequest]:
        return [r for r in self.stats_requests if r.due(step)]


def grid_points(X: np.ndarray, resolution: int, margin: float = 0.1):
    """xs (r,), ys (r,) spanning 2-D data X (N, 2) plus a margin, and the (r*r, 2) points."""
    low, high = X.min(axis=0), X.max(axis=0)
    pad = (high - low) * margin
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1)
