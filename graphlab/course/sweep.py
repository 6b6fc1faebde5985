"""The learning-rate sweep of the sanity checks: short runs at log-spaced rates, in parallel.

``lr_sweep(doc, data, lrs, steps)`` trains a copy of ``doc`` (regularization as stored) for
``steps`` minibatch steps at each rate, all from the same initial weights, and returns a
:class:`Sweep`: the final loss of each (the mean of the last tenth of the step losses; inf
for a run that diverged) and the suggested rate, the one with the lowest final loss. Runs
are spread over forked worker processes (:mod:`graphlab.course.parallel`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.errors import TrainingError
from graphlab.course.parallel import fork_map

#: the rates the sweep tries by default: 1e-6 .. 1, two per decade
DEFAULT_RATES = tuple(float(v) for v in np.logspace(-6, 0, 13))


@dataclass
class Sweep:
    """lrs (R,), final losses (R,) (inf: diverged), the first loss, the suggested rate."""

    lrs: np.ndarray
    losses: np.ndarray
    initial_loss: float
    suggested: float | None

    @property
    def learned(self) -> bool:
        """Whether some rate brought the loss clearly below where it started."""
        return self.suggested is not None


def final_loss(doc, data, lr: float, steps: int) -> tuple[float, float]:
    """(first step's loss, mean loss of the last tenth of ``steps`` steps) at rate ``lr``."""
    from graphlab.training import prepare_training, training_settings

    per_epoch = -(-len(data.splits.train) // training_settings(doc)["batch_size"])
    run = prepare_training(doc, {"lr": lr, "epochs": -(-steps // per_epoch)}, data=data)
    trainer, first_step = run.trainer, run.trainer.step
    trainer.metrics.on_step(lambda event: event.step - first_step >= steps and trainer.stop())
    try:
        losses = trainer.run().losses
    except TrainingError:
        return math.nan, math.inf
    tail = losses[-max(1, len(losses) // 10) :]
    return losses[0], float(np.mean(tail))


def lr_sweep(
    doc,
    data,
    lrs=DEFAULT_RATES,
    steps: int = 200,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Sweep:
    """Final loss after ``steps`` steps at each of ``lrs``; ``progress(done, total)``."""
    lrs = np.asarray(lrs, dtype=float)
    results = fork_map(
        lambda lr: final_loss(doc, data, lr, steps),
        list(lrs),
        workers,
        progress,
        cancelled,
        "the learning-rate sweep",
    )
    first = [start for start, _ in results if math.isfinite(start)]
    losses = np.array([loss for _, loss in results])
    initial = float(np.median(first)) if first else math.nan
    return Sweep(lrs, losses, initial, _suggest(lrs, losses, initial))


def _suggest(lrs: np.ndarray, losses: np.ndarray, initial: float) -> float | None:
    """The rate with the lowest final loss, if that loss is clearly below the initial one."""
    finite = np.isfinite(losses)
    if not finite.any():
        return None
    best = int(np.argmin(np.where(finite, losses, np.inf)))
    if math.isfinite(initial) and losses[best] > 0.9 * initial:
        return None
    return float(lrs[best])
