"""The learning-rate sweep of the sanity checks: short runs at log-spaced rates, in parallel.

``lr_sweep(doc, data, lrs, steps)`` trains a copy of ``doc`` (regularization as stored) for
``steps`` minibatch steps at each rate, all from the same initial weights, and returns a
:class:`Sweep`: the final loss of each (the mean of the last tenth of the step losses; inf
for a run that diverged) and the suggested rate, the one with the lowest final loss. Runs
are spread over forked worker processes (one BLAS thread each) when ``workers`` > 1.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.errors import GraphLabError, TrainingError

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
    from graphlab.training import prepare_training

    per_epoch = max(1, -(-len(data.splits.train) // int(doc.training.get("batch_size", 64))))
    run = prepare_training(doc, {"lr": lr, "epochs": -(-steps // per_epoch)}, data=data)
    trainer, first_step = run.trainer, run.trainer.step
    trainer.metrics.on_step(lambda event: event.step - first_step >= steps and trainer.stop())
    try:
        losses = trainer.run().losses
    except TrainingError:
        return math.nan, math.inf
    tail = losses[-max(1, len(losses) // 10) :]
    return losses[0], float(np.mean(tail))


def _worker(doc, data, jobs: list[tuple[int, float]], steps: int, out, one_thread: bool) -> None:
    """A forked child: run its share of the sweep, one result message per rate."""
    if one_thread:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    for index, lr in jobs:
        try:
            out.put((index, *final_loss(doc, data, lr, steps)))
        except Exception as exc:  # reported in the parent, with its traceback logged there
            out.put((index, exc, None))


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
    workers = max(1, min(workers or os.cpu_count() or 1, len(lrs)))
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    jobs = list(enumerate(lrs))
    processes = [
        context.Process(
            target=_worker,
            args=(doc, data, jobs[w::workers], steps, out, workers > 1),
            daemon=True,
        )
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    losses, first = np.full(len(lrs), np.nan), []
    try:
        for done in range(1, len(lrs) + 1):
            index, start, loss = _next_result(out, processes, cancelled)
            if isinstance(start, BaseException):
                raise start
            losses[index] = loss
            first.append(start)
            if progress:
                progress(done, len(lrs))
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
    initial = float(np.nanmedian(first)) if not np.all(np.isnan(first)) else math.nan
    return Sweep(lrs, losses, initial, _suggest(lrs, losses, initial))


def _next_result(out, processes, cancelled):
    while True:
        if cancelled():
            raise GraphLabError("the learning-rate sweep was cancelled")
        try:
            return out.get(timeout=0.1)
        except queue.Empty:
            if not any(p.is_alive() for p in processes) and out.empty():
                raise GraphLabError("a learning-rate sweep process ended unexpectedly") from None


def _suggest(lrs: np.ndarray, losses: np.ndarray, initial: float) -> float | None:
    """The rate with the lowest final loss, if that loss is clearly below the initial one."""
    finite = np.isfinite(losses)
    if not finite.any():
        return None
    best = int(np.argmin(np.where(finite, losses, np.inf)))
    if math.isfinite(initial) and losses[best] > 0.9 * initial:
        return None
    return float(lrs[best])
