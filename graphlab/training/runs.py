"""A run's record: bounded summaries of its series, built by the training session from the
worker's events, saved in the document (``doc.training["runs"]``, plain JSON in graph.json)
with the path of its full-resolution metrics file, read back and exported as that file.

Memory per run is fixed whatever its length: each series is a :class:`Summary` (min, mean
and max per bucket, at most BUCKETS buckets); the per-step rows live in the metrics file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.errors import GraphLabError
from graphlab.atomic import write_atomically
from graphlab.training.metrics_csv import RowIndex, index_rows, read_metrics, read_rows
from graphlab.training.runs_folder import gone
from graphlab.training.summary import Summary

#: runs kept in a document (oldest dropped first)
RUNS_KEPT = 8
#: most buckets per series saved in a document (finer summaries are merged down)
SAVED_BUCKETS = 512
#: the exponential smoothing factor of the smoothed loss curve
SMOOTHING = 0.9
#: the series of a record and the x each is plotted against
SERIES = {"loss": "step", "lr": "step", "train_acc": "epoch", "val_acc": "epoch"}


@dataclass
class RunRecord:
    """One training run: loss and lr per step, train and validation accuracy per epoch and
    the update ratio of each parameter, each a :class:`Summary`; the counts and latest values;
    ``metrics``: the path of the run's metrics CSV (every step), or None."""

    name: str = "run"
    settings: dict = field(default_factory=dict)
    metrics: str | None = None
    #: the folder of the run's snapshot store (graphlab.replay), or None
    snapshots: str | None = None
    loss: Summary = field(default_factory=Summary)
    lr: Summary = field(default_factory=Summary)
    train_acc: Summary = field(default_factory=Summary)
    val_acc: Summary = field(default_factory=Summary)
    ratios: dict[str, Summary] = field(default_factory=dict)
    #: the step before this run's first, the last step and its epoch, epochs that ended
    first_step: int | None = None
    last_step: int = 0
    last_epoch: int = 0
    epochs: int = 0
    #: the latest known value of each series
    latest: dict[str, float] = field(default_factory=dict)
    #: where the metrics file's rows are (not saved: made while it is written or read)
    index: RowIndex | None = field(default=None, repr=False)

    @property
    def steps(self) -> int:
        """Steps recorded."""
        return self.loss.points

    def add_steps(self, steps) -> None:
        """Steps as (epoch, step, loss, lr) tuples, in order."""
        if not len(steps):
            return
        rows = np.asarray(steps, dtype=np.float64).reshape(-1, 4)
        if self.first_step is None:
            self.first_step = int(rows[0, 1]) - 1
        self.loss.add(rows[:, 1], rows[:, 2])
        self.lr.add(rows[:, 1], rows[:, 3])
        self.last_epoch, self.last_step = int(rows[-1, 0]), int(rows[-1, 1])
        self.latest.update(loss=float(rows[-1, 2]), lr=float(rows[-1, 3]))

    def add_epochs(self, events) -> None:
        """Epoch events (engine.metrics.EpochEvent); unknown accuracies are NaN points."""
        if not events:
            return
        epochs = [event.epoch for event in events]
        for series, name in (("train_acc", "train_accuracy"), ("val_acc", "val_accuracy")):
            values = [_number(getattr(event, name)) for event in events]
            getattr(self, series).add(epochs, values)
            known = [v for v in values if not math.isnan(v)]
            if known:
                self.latest[series] = known[-1]
        self.epochs += len(events)

    def add_ratios(self, step: int, ratios: dict[str, float]) -> None:
        for key, value in ratios.items():
            self.ratios.setdefault(key, Summary()).add([step], [value])

    def to_json(self) -> dict:
        """Plain JSON for ``doc.training["runs"]`` (each series merged to SAVED_BUCKETS)."""
        return {
            "name": self.name,
            "settings": self.settings,
            "metrics": self.metrics,
            "snapshots": self.snapshots,
            "first_step": self.first_step,
            "last_step": self.last_step,
            "last_epoch": self.last_epoch,
            "epochs": self.epochs,
            "latest": self.latest,
            **{name: _saved(getattr(self, name)) for name in SERIES},
            "ratios": {key: _saved(summary) for key, summary in self.ratios.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> RunRecord:
        """A saved record; one saved as per-step lists (before summaries) is summarised."""
        if isinstance(data.get("step"), list):
            return _from_lists(data)
        record = cls(str(data.get("name", "run")), dict(data.get("settings") or {}))
        for key in ("metrics", "snapshots"):
            setattr(record, key, data[key] if isinstance(data.get(key), str) else None)
        for name in SERIES:
            if isinstance(data.get(name), dict):
                setattr(record, name, Summary.from_json(data[name]))
        ratios = data.get("ratios") if isinstance(data.get("ratios"), dict) else {}
        record.ratios = {k: Summary.from_json(v) for k, v in ratios.items() if isinstance(v, dict)}
        first = data.get("first_step")
        record.first_step = int(first) if isinstance(first, int) else None
        for key in ("last_step", "last_epoch", "epochs"):
            value = data.get(key)
            setattr(record, key, int(value) if isinstance(value, int) else 0)
        latest = data.get("latest") if isinstance(data.get("latest"), dict) else {}
        record.latest = {k: float(v) for k, v in latest.items() if isinstance(v, int | float)}
        return record

    def rows(self, first_step: int, last_step: int) -> np.ndarray | None:
        """The metrics file's rows (N, 6) of steps ``first_step`` .. ``last_step``, or None
        when the run has no readable metrics file (the steps of a run are consecutive rows).
        A run reopened from a project indexes its file on the first call (one scan)."""
        if not self.metrics or self.first_step is None:
            return None
        first = max(first_step - self.first_step - 1, 0)
        try:
            if self.index is None:
                self.index = index_rows(self.metrics)
            return read_rows(self.metrics, self.index, first, last_step - self.first_step - first)
        except GraphLabError:  # the file is gone or replaced: the summary stays
            return None

    def steps_gone(self) -> str | None:
        """Why the metrics file's steps cannot be re-read (one sentence), or None: it is there
        (or the run never had one)."""
        if not self.metrics or Path(self.metrics).is_file():
            return None
        return (
            f"The full-resolution steps of {self.name} {gone(self.metrics)}; "
            "the curve shows their summary."
        )

    def write_csv(self, path: str | Path) -> None:
        """Export the run's metrics file (the one metrics CSV format) to ``path``."""
        if not self.metrics or not Path(self.metrics).is_file():
            where = f" ({self.metrics})" if self.metrics else ""
            raise GraphLabError(f"the metrics file of {self.name}{where} is gone")
        source = Path(self.metrics)
        write_atomically(path, lambda f: f.write(source.read_bytes()), GraphLabError)


def smooth(values: np.ndarray, factor: float = SMOOTHING, start: float = 0.0, done: int = 0):
    """Exponential moving average with bias correction (as TensorBoard's smoothing) of
    ``values`` continuing an average ``start`` over ``done`` earlier values."""
    out = np.empty(len(values))
    average = start
    for i, value in enumerate(values):  # at most a summary's buckets, on the new ones
        average = factor * average + (1 - factor) * value
        out[i] = average / (1 - factor ** (done + i + 1))
    return out


def saved_runs(training: dict) -> list[RunRecord]:
    """The runs stored in a document's training settings, oldest first."""
    return [RunRecord.from_json(r) for r in training.get("runs", []) if isinstance(r, dict)]


def with_run(training: dict, record: RunRecord) -> dict:
    """The training settings with ``record`` appended to the kept runs."""
    runs = [*training.get("runs", []), record.to_json()][-RUNS_KEPT:]
    return {**training, "runs": runs}


def run_settings(settings: dict) -> dict:
    """What a run record keeps of a run's settings: all but the document's kept runs."""
    return {k: v for k, v in settings.items() if k != "runs"}


def record_from_metrics(path: str | Path, name: str = "run") -> RunRecord:
    """A run's record rebuilt from its metrics file, read in chunks (memory stays bounded).

    Epoch ends are the rows with an accuracy or the last row of an epoch."""
    record = RunRecord(name, metrics=str(path), index=RowIndex())
    held = None  # the previous chunk's last row: whether it ends an epoch needs the next row
    for rows in read_metrics(path, index=record.index):
        if held is not None:
            rows = np.concatenate([held, rows])
        held, rows = rows[-1:], rows[:-1]
        _add_rows(record, rows, next_epoch=held[0, 0])
    if held is not None:
        _add_rows(record, held, next_epoch=np.nan)
    return record


def _add_rows(record: RunRecord, rows: np.ndarray, next_epoch: float) -> None:
    """Metrics rows (N, 6) into the record; ``next_epoch``: the epoch of the row after them."""
    if not len(rows):
        return
    record.add_steps(rows[:, :4])
    following = np.r_[rows[1:, 0], next_epoch]
    accuracy = ~np.isnan(rows[:, 4]) | ~np.isnan(rows[:, 5])
    ends = accuracy | ((following != rows[:, 0]) & ~np.isnan(following))
    for series, column in (("train_acc", 4), ("val_acc", 5)):
        values = rows[ends, column]
        getattr(record, series).add(rows[ends, 0], values)
        if (~np.isnan(values)).any():
            record.latest[series] = float(values[~np.isnan(values)][-1])
    record.epochs += int(ends.sum())


def _saved(summary: Summary) -> dict:
    """The summary's JSON, merged down to at most SAVED_BUCKETS buckets."""
    if summary.size <= SAVED_BUCKETS:
        return summary.to_json()
    coarse = Summary.from_json(summary.to_json(), summary.capacity)
    while coarse.size > SAVED_BUCKETS:
        coarse.merge()
    return coarse.to_json()


def _from_lists(data: dict) -> RunRecord:
    """A record saved as per-step and per-epoch lists, as summaries."""
    record = RunRecord(str(data.get("name", "run")), dict(data.get("settings") or {}))
    steps = data.get("step", [])
    epochs = data.get("epoch", [])
    if len(steps) == len(data.get("loss", [])) == len(data.get("lr", [])) and steps:
        record.first_step, record.last_step = int(steps[0]) - 1, int(steps[-1])
        record.loss.add(steps, data["loss"])
        record.lr.add(steps, data["lr"])
    for name in ("train_acc", "val_acc"):
        values = data.get(name, [])
        if len(values) == len(epochs):
            getattr(record, name).add(epochs, [_number(v) for v in values])
    record.epochs = len(epochs)
    record.last_epoch = int(epochs[-1]) if epochs else 0
    for key, points in (data.get("ratios") or {}).items():
        pairs = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        record.ratios[key] = Summary()
        record.ratios[key].add(pairs[:, 0], pairs[:, 1])
    return record


def _number(value) -> float:
    return math.nan if value is None else float(value)
