"""The Trainer's end-of-epoch evaluation, inline or overlapped with the next epoch.

After each epoch the Trainer measures the accuracy on a fixed sample of the training split and
the accuracy and loss on the validation split, in eval mode. Inline (the default) that happens
before the next step. With ``Trainer.background_evaluation`` on the CPU, while the compiled
plan is in use and an epoch has more than one step, it runs instead in one worker thread on a
copy of the parameters taken as the epoch ended, while the next epoch trains: the same numbers,
computed on a core that the training leaves idle (the app's training process runs one BLAS
thread, leaving the other cores to the window), at a low priority. Its event is published
between later steps, in epoch order, and at the latest when the run pauses or ends. A
full-batch run (one step per epoch) evaluates inline: handing every step's evaluation to the
thread cost more than it saved (two-layer-net-spiral: ~1,700 against ~2,200 steps/s inline).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from engine.backend import to_numpy
from engine.metrics import EpochEvent, GridScores, grid_points

#: how much nicer the background evaluation thread is (Linux): it takes idle CPU time and
#: yields to the training and to the window (without it the app's p99 gaps reached 56 ms)
BACKGROUND_NICENESS = 10


def lower_thread_priority() -> None:
    """Make the calling thread BACKGROUND_NICENESS nicer (Linux only: there a thread has its
    own nice value; elsewhere the id could name another process, so nothing is done)."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        with contextlib.suppress(OSError):
            nice = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(19, nice + BACKGROUND_NICENESS))


def evaluate(trainer, X, y, params=None) -> tuple[float | None, float]:
    """(accuracy or None, mean loss) of the trainer's graph in eval mode on X (N, ...), y (N,)
    (device arrays), in chunks of ``trainer.eval_batch_size``; ``params`` (parameter id ->
    array, plan only) stands in for the graph's parameters."""
    correct, total = 0, 0.0
    size = trainer.eval_batch_size
    for start in range(0, len(X), size):
        rows = slice(start, start + size)
        loss, scores = forward_batch(
            trainer, {trainer.data_input: X[rows], trainer.label_input: y[rows]}, params
        )
        total += loss * len(y[rows])
        if scores is not None:
            correct += int((scores.argmax(axis=1) == y[rows]).sum())
    accuracy = correct / len(X) if trainer.scores is not None and len(X) else None
    return accuracy, total / max(len(X), 1)


def plan_evaluates(trainer) -> bool:
    """Whether the compiled plan is in use and computes the trainer's scores."""
    return trainer.plan is not None and trainer.scores == trainer.plan.scores


def forward_batch(trainer, feeds, params=None, plan: bool = True):
    """(loss, scores (N, M) or None) of one batch: through the plan when it evaluates (about
    twice as fast on cnn-digits) unless not ``plan``, else per node."""
    if plan and plan_evaluates(trainer):
        return trainer.plan.evaluate(feeds, params)
    graph = trainer.graph
    graph.forward(feeds, train=False)
    scores = graph.values[trainer.scores] if trainer.scores is not None else None
    return float(graph.values[trainer.loss]), scores


def grid_scores(trainer, resolution: int) -> GridScores:
    """Class scores (ny, nx, classes) on a grid over the 2-D training data, through the plan
    where it evaluates (spiral: ~5x faster than per node) unless a background evaluation holds
    the plan's evaluation chain."""
    xs, ys, points = grid_points(to_numpy(trainer.X), resolution)
    graph = trainer.graph
    feeds = {
        trainer.data_input: graph.xp.asarray(points, dtype=graph.dtype),
        trainer.label_input: graph.xp.zeros(len(points), dtype=np.int64),
    }
    scores = forward_batch(trainer, feeds, plan=not trainer.evaluations.running())[1]
    return GridScores(xs, ys, np.array(to_numpy(scores)).reshape(len(ys), len(xs), -1))


def epoch_event(trainer, epoch: int, step: int, params=None) -> EpochEvent:
    """The accuracies and validation loss after ``epoch`` (at ``step``)."""
    rows = trainer.graph.xp.asarray(trainer.train_sample)
    train_accuracy, _ = evaluate(trainer, trainer.X[rows], trainer.y[rows], params)
    val_accuracy = val_loss = None
    if trainer.val is not None:
        val_accuracy, val_loss = evaluate(trainer, *trainer.val, params)
    return EpochEvent(epoch, step, train_accuracy, val_accuracy, val_loss)


class EpochEvaluations:
    """Each epoch's evaluation for ``trainer``, inline or in the background (see the module);
    every method returns the events that are ready to publish, oldest first."""

    def __init__(self, trainer) -> None:
        self.trainer = trainer
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future | None = None

    def _in_background(self) -> bool:
        trainer = self.trainer
        cpu = trainer.graph.device == "cpu"
        several_steps = trainer.steps_per_epoch > 1
        return trainer.background_evaluation and cpu and several_steps and plan_evaluates(trainer)

    def end_epoch(self) -> list[EpochEvent]:
        """Evaluate the epoch that just ended (at most one runs in the background)."""
        trainer = self.trainer
        ready = self.wait()
        if not self._in_background():
            return [*ready, epoch_event(trainer, trainer.epoch, trainer.step)]
        params = {k: v.copy() for k, v in trainer.graph.params.items()}
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                1, thread_name_prefix="graphlab-evaluation", initializer=lower_thread_priority
            )
        self._pending = self._pool.submit(epoch_event, trainer, trainer.epoch, trainer.step, params)
        return ready

    def running(self) -> bool:
        """Whether a background evaluation may be using the plan's evaluation chain now (only
        the training thread starts one, so it stays free until the next epoch ends)."""
        return self._pending is not None and not self._pending.done()

    def finished(self) -> list[EpochEvent]:
        """The background evaluation's event if it is done; never waits."""
        return self.wait() if self._pending is not None and self._pending.done() else []

    def wait(self) -> list[EpochEvent]:
        """The background evaluation's event, waiting for it (re-raising its error)."""
        pending, self._pending = self._pending, None
        return [pending.result()] if pending is not None else []

    def close(self) -> None:
        """Forget a pending evaluation and end the worker thread (waits for a running one)."""
        self._pending = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
