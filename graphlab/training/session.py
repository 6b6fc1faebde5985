"""One training session: a prepared run trained in a worker, and what it has published so far.

``TrainingSession(run, process=True, stats=True)`` trains ``run`` (see
:func:`~graphlab.training.settings.prepare_training`) in a forked process (the app on a Linux
CPU) or a thread, with or without the live statistics the dashboard draws. The caller polls
it: :meth:`poll` takes what is new from the worker into one :class:`RunRecord` and, when a
metrics path was given, into the one metrics CSV format. :meth:`finish` writes the trained
values back into the document. The dashboard polls on its timer, ``graphlab train`` in a loop;
both read the progress (:attr:`steps_per_epoch`, :attr:`total_steps`, :meth:`steps_done`)
from here.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import time
from pathlib import Path

from graphlab.replay.recorder import SnapshotRecorder, recordable
from graphlab.replay.store import DEFAULT_BUDGET
from graphlab.training.metrics_csv import MetricsCsv
from graphlab.training.process_worker import TrainingProcess
from graphlab.training.runs import RunRecord
from graphlab.training.runs_folder import runs_folder
from graphlab.training.worker import Snapshot, TrainingBridge, TrainingWorker

#: most steps between statistics (filters, histograms, ratios, boundary)
STATS_EVERY = 10
#: points per axis of the decision-boundary grid
GRID = 60


def stats_interval(steps_per_epoch: int) -> int:
    """Steps to the first statistics: a few times per epoch, at most every STATS_EVERY steps."""
    return max(1, min(STATS_EVERY, steps_per_epoch // 4)) if steps_per_epoch >= 4 else STATS_EVERY


_numbers = itertools.count(1)


def new_metrics_path() -> Path | None:
    """A fresh path for a run's metrics file in :func:`runs_folder` (None if it can't be made)."""
    folder = runs_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return folder / f"run-{stamp}-{os.getpid()}-{next(_numbers)}.csv"


def snapshots_folder(metrics: str | Path) -> Path:
    """The snapshot store's folder beside a run's metrics file (``run-X.csv`` -> ``run-X.snapshots``)."""
    return Path(metrics).with_suffix(".snapshots")


def use_process(device: str) -> bool:
    """Train in a forked process (Linux, CPU); else in a thread (CUDA contexts don't fork)."""
    return sys.platform.startswith("linux") and device == "cpu"


class TrainingSession:
    """Trains ``run`` in a :class:`TrainingProcess` (``process``) or a :class:`TrainingWorker`.

    stats: publish the live statistics, activation maps and final results (the dashboard);
    without, only steps and epochs (the command line). record: the run record to fill.
    metrics: a CSV path the steps and epochs stream to as they arrive. snapshots: the folder
    of the run's snapshot store (:mod:`graphlab.replay`; None: beside the metrics file, when
    there is one; False: none), kept within ``snapshot_budget`` bytes.
    """

    def __init__(
        self,
        run,
        *,
        process: bool = False,
        stats: bool = False,
        record: RunRecord | None = None,
        metrics: str | Path | None = None,
        snapshots: str | Path | bool | None = None,
        snapshot_budget: int = DEFAULT_BUDGET,
    ) -> None:
        trainer = run.trainer
        self.run = run
        self.steps_per_epoch = trainer.steps_per_epoch
        self.first_step = trainer.step
        self.total_steps = self.steps_per_epoch * trainer.epochs
        self.bridge = TrainingBridge()
        worker_class = TrainingProcess if process else TrainingWorker
        stats_every = stats_interval(self.steps_per_epoch) if stats else None
        self.worker = worker_class(run, self.bridge, stats_every, GRID if stats else None)
        self.record = record if record is not None else RunRecord()
        self.metrics = MetricsCsv(metrics) if metrics else None
        #: why the metrics file stopped being written (a full disk), None while it is fine
        self.metrics_error: OSError | None = None
        if metrics:
            self.record.metrics, self.record.index = str(metrics), self.metrics.index
        if snapshots is None and metrics:
            snapshots = snapshots_folder(metrics)
        self.recorder = None
        if snapshots and recordable(trainer):
            self.recorder = SnapshotRecorder(run, snapshots, snapshot_budget)
            self.record.snapshots = str(self.recorder.folder)
        self.stopped = False

    # -- control ---------------------------------------------------------------------------

    def start(self) -> None:
        self.worker.start()

    def pause(self) -> None:
        self.worker.pause()

    def resume(self) -> None:
        self.worker.resume()

    def stop(self) -> None:
        """End the run before its next step (:meth:`finish` still writes it back)."""
        self.stopped = True
        self.worker.stop()

    def join(self, timeout: float | None = None) -> None:
        self.worker.join(timeout)

    def is_alive(self) -> bool:
        return self.worker.is_alive()

    # -- what arrived ------------------------------------------------------------------------

    def poll(self) -> Snapshot:
        """What is new since the last poll, added to the record and the metrics file."""
        snap = self.bridge.take()
        record, metrics = self.record, self.metrics
        record.add_steps(snap.steps)
        record.add_epochs(snap.epochs)
        for event in snap.stats:
            record.add_ratios(event.step, event.update_ratios)
        if metrics is not None:
            try:
                metrics.add_steps(snap.steps)
                for event in snap.epochs:
                    metrics.add_epoch_end(event.step, event.train_accuracy, event.val_accuracy)
                metrics.flush()
            except OSError as exc:  # a full disk stops the metrics file, never the run
                self._stop_metrics(exc)
        return snap

    def _stop_metrics(self, exc: OSError) -> None:
        self.metrics_error, metrics, self.metrics = exc, self.metrics, None
        with contextlib.suppress(OSError):
            metrics.file.close()

    def steps_done(self) -> int:
        """Steps of this run that reached the record."""
        return max(self.record.last_step - self.first_step, 0)

    def progress(self) -> float:
        """The share (0-1) of this run's steps that reached the record."""
        return self.steps_done() / max(self.total_steps, 1)

    def finish(self, write_back: bool = True) -> Snapshot:
        """After the worker ended: the trained values into the document (those of the last
        good step after an error) unless not ``write_back``, the metrics file completed and
        closed; returns the last poll's snapshot."""
        self.worker.join()
        if isinstance(self.worker, TrainingProcess):
            self.worker.apply()
        snap = self.poll()
        if write_back:
            self.run.finish()
        if self.recorder is not None:
            self.recorder.close()
        if self.metrics is not None:
            try:
                self.metrics.close()
            except OSError as exc:
                self._stop_metrics(exc)
        return snap

    @property
    def exception(self) -> BaseException | None:
        """What ended the run with an error, when it ran in this process (a thread)."""
        return self.worker.exception
