"""A run's metrics as plain lists: built live by the training session from the worker's events,
saved in the document (``doc.training["runs"]``, plain JSON in graph.json, the per-step lists
thinned to SAVED_POINTS), read back, exported in the one metrics CSV format."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from graphlab.training.metrics_csv import MetricsCsv

#: runs kept in a document (oldest dropped first)
RUNS_KEPT = 8
#: most loss points saved per run (longer runs are thinned evenly)
SAVED_POINTS = 4000
#: the exponential smoothing factor of the smoothed loss curve
SMOOTHING = 0.9


@dataclass
class RunRecord:
    """Metrics of one training run. Per step: step, loss, lr, step_epoch (the epoch it belongs
    to); per epoch: epoch, epoch_step (its last step), train_acc, val_acc (None where unknown);
    update ratios: parameter -> [[step, ratio], ...]."""

    name: str = "run"
    settings: dict = field(default_factory=dict)
    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    step_epoch: list[int] = field(default_factory=list)
    epoch: list[int] = field(default_factory=list)
    epoch_step: list[int] = field(default_factory=list)
    train_acc: list[float | None] = field(default_factory=list)
    val_acc: list[float | None] = field(default_factory=list)
    ratios: dict[str, list[list[float]]] = field(default_factory=dict)

    def add_steps(self, steps) -> None:
        """Steps as (epoch, step, loss, lr) tuples."""
        for epoch, step, loss, lr in steps:
            self.step_epoch.append(int(epoch))
            self.step.append(int(step))
            self.loss.append(float(loss))
            self.lr.append(float(lr))

    def add_epochs(self, events) -> None:
        for event in events:
            self.epoch.append(int(event.epoch))
            self.epoch_step.append(int(event.step))
            self.train_acc.append(_number(event.train_accuracy))
            self.val_acc.append(_number(event.val_accuracy))

    def add_ratios(self, step: int, ratios: dict[str, float]) -> None:
        for key, value in ratios.items():
            self.ratios.setdefault(key, []).append([int(step), float(value)])

    def to_json(self) -> dict:
        """Plain lists (thinned to SAVED_POINTS losses) for ``doc.training["runs"]``."""
        data = asdict(self)
        if len(self.step) > SAVED_POINTS:
            keep = np.linspace(0, len(self.step) - 1, SAVED_POINTS).astype(int)
            for key in ("step", "loss", "lr", "step_epoch"):
                data[key] = [data[key][i] for i in keep]
        return data

    @classmethod
    def from_json(cls, data: dict) -> RunRecord:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        record = cls(**known)
        if len(record.step_epoch) != len(record.step):  # saved before step_epoch existed
            record.step_epoch = [_epoch_of(record, step) for step in record.step]
        return record

    def smoothed_loss(self) -> np.ndarray:
        return smooth(np.asarray(self.loss, dtype=np.float64))

    def write_csv(self, path: str | Path) -> None:
        """The run in the metrics CSV format (:mod:`graphlab.training.metrics_csv`)."""
        writer = MetricsCsv(path)
        for step, train, val in zip(self.epoch_step, self.train_acc, self.val_acc, strict=True):
            writer.add_epoch_end(step, train, val)
        writer.add_steps(zip(self.step_epoch, self.step, self.loss, self.lr, strict=True))
        writer.close()


def smooth(values: np.ndarray, factor: float = SMOOTHING) -> np.ndarray:
    """Exponential moving average with bias correction (as TensorBoard's smoothing)."""
    out = np.empty_like(values)
    average = 0.0
    for i, value in enumerate(values):  # in the UI timer, only over the new points
        average = factor * average + (1 - factor) * value
        out[i] = average / (1 - factor ** (i + 1))
    return out


def saved_runs(training: dict) -> list[RunRecord]:
    """The runs stored in a document's training settings, oldest first."""
    return [RunRecord.from_json(r) for r in training.get("runs", []) if isinstance(r, dict)]


def with_run(training: dict, record: RunRecord) -> dict:
    """The training settings with ``record`` appended to the kept runs."""
    runs = [*training.get("runs", []), record.to_json()][-RUNS_KEPT:]
    return {**training, "runs": runs}


def _number(value) -> float | None:
    return None if value is None else float(value)


def _epoch_of(record: RunRecord, step: int) -> int:
    """The epoch of ``step`` from the epochs' last steps (the next epoch after the last)."""
    for epoch, last in zip(record.epoch, record.epoch_step, strict=True):
        if step <= last:
            return epoch
    return record.epoch[-1] + 1 if record.epoch else 1
