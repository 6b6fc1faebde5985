"""Training from Python: the tqdm progress bar (shared with ``graphlab train``) and the run.

:func:`train_document` trains a document in a :class:`TrainingSession` (as ``graphlab train``
does, through :func:`graphlab.cli_train.train_until_done`), keeps the run in the document's
history and returns a :class:`Run`: the :class:`RunRecord` and its metrics file in the one
metrics CSV format (:mod:`graphlab.training.metrics_csv`).
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.errors import GraphLabError, TrainingError
from graphlab.training.metrics_csv import FIELDS, read_metrics
from graphlab.training.runs import RunRecord


class TrainingBar:
    """A tqdm bar over a :class:`TrainingSession`'s steps (a widget in Jupyter when ipywidgets
    is there), with the loss and accuracy, and a line for about every tenth epoch that ended.
    Where nothing redraws a bar (stderr is a file or a pipe), only those lines are written,
    each with the steps done: ``epoch 3: 3/3 steps  loss 0.7470  acc 0.540``."""

    def __init__(self, session, stream=None, disable: bool = False) -> None:
        tqdm, widget = _tqdm_class()
        self.session = session
        #: epochs between the lines written (about ten lines per run)
        trainer = session.run.trainer
        self.every = max(1, round(trainer.epochs / 10))
        self.last_epoch = trainer.epoch + trainer.epochs  # a resumed run counts on
        self.stream = stream or sys.stderr  # stderr of the moment, not of import time
        self.plain = not disable and not widget and not self.stream.isatty()
        self.bar = tqdm(total=session.total_steps, unit="step", file=self.stream,
                        disable=disable or self.plain, dynamic_ncols=True, leave=True)  # fmt: skip
        self.loss: float | None = None
        self.accuracy: float | None = None
        self.closed = disable or self.plain

    def show(self, snap) -> None:
        """Take one poll's steps and epochs (a :class:`~graphlab.training.worker.Snapshot`)."""
        losses = {step: loss for _, step, loss, _ in snap.steps}
        if snap.steps:
            epoch, _, self.loss, _ = snap.steps[-1]
            self.bar.set_description(f"epoch {epoch}", refresh=False)
        for event in snap.epochs:
            known = event.val_accuracy if event.val_accuracy is not None else event.train_accuracy
            self.accuracy = known
            shown = "" if known is None else f"  acc {known:.3f}"
            at = losses.get(event.step, self.loss)
            loss = "" if at is None else f"  loss {at:.4f}"
            shown_now = event.epoch % self.every == 0 or event.epoch == self.last_epoch
            if shown_now and self.plain:
                done = event.step - self.session.first_step
                print(f"epoch {event.epoch}: {done}/{self.session.total_steps} steps{loss}{shown}",
                      file=self.stream, flush=True)  # fmt: skip
            elif shown_now and not self.closed:
                self.bar.write(f"epoch {event.epoch}:{loss}{shown}", file=self.stream)
        if self.closed:
            return
        postfix = {} if self.loss is None else {"loss": f"{self.loss:.4f}"}
        if self.accuracy is not None:
            postfix["acc"] = f"{self.accuracy:.3f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(self.session.steps_done() - self.bar.n)
        if not self.session.is_alive() and self.session.steps_done() > 0:
            self.close()

    def close(self) -> None:
        """End the bar (idempotent)."""
        if not self.closed:
            self.closed = True
            self.bar.close()


def _tqdm_class():
    """(tqdm's notebook widget where Jupyter can show it (ipywidgets), else the text bar,
    whether it is the widget)."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        from tqdm import tqdm

        return tqdm, False
    from tqdm.auto import tqdm

    return tqdm, any(c.__module__ == "tqdm.notebook" for c in tqdm.__mro__)


class Run:
    """One training run: its settings, the latest loss and accuracies, every step's metrics."""

    def __init__(self, record: RunRecord) -> None:
        #: the run's record (bounded summaries, as the dashboard keeps it)
        self.record = record

    @property
    def settings(self) -> dict[str, Any]:
        """The training settings the run used (optimizer, lr, epochs, batch_size, ...)."""
        return dict(self.record.settings)

    @property
    def latest(self) -> dict[str, float]:
        """The last loss, lr, train_acc and val_acc known."""
        return dict(self.record.latest)

    @property
    def metrics(self) -> list[dict[str, float | None]]:
        """One dict per step: epoch, step, loss, lr, train_acc, val_acc (None where the
        accuracies were not measured: every step but an epoch's last)."""
        if not self.record.metrics:
            return []
        rows = []
        for chunk in read_metrics(self.record.metrics):
            for row in chunk.tolist():
                rows.append(
                    {k: None if math.isnan(v) else v for k, v in zip(FIELDS, row, strict=True)}
                )
        for row in rows:
            row["epoch"], row["step"] = int(row["epoch"]), int(row["step"])
        return rows

    def to_csv(self, path: str | Path | None = None) -> str:
        """The metrics in the one CSV format (``epoch,step,loss,lr,train_acc,val_acc``), also
        written to ``path`` when given."""
        if path is not None:
            self.record.write_csv(path)
        if not self.record.metrics or not Path(self.record.metrics).is_file():
            raise GraphLabError(f"the metrics file of {self.record.name} is gone")
        return Path(self.record.metrics).read_text()

    def plot(self):
        """Loss per step and accuracy per epoch with matplotlib; returns the figure."""
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise GraphLabError("run.plot() needs matplotlib: pip install matplotlib") from None
        rows = self.metrics
        figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
        left.plot([r["step"] for r in rows], [r["loss"] for r in rows])
        left.set(xlabel="step", ylabel="loss")
        for series in ("train_acc", "val_acc"):
            points = [(r["epoch"], r[series]) for r in rows if r[series] is not None]
            if points:
                right.plot(*zip(*points, strict=True), marker="o", label=series)
        right.set(xlabel="epoch", ylabel="accuracy")
        right.legend()
        return figure

    def __repr__(self) -> str:
        shown = ", ".join(f"{k} {v:.4g}" for k, v in self.record.latest.items())
        return f"<graphlab.Run {self.record.name}: {self.record.steps} steps, {shown}>"


def train_document(doc, overrides: dict[str, Any], device: str = "cpu", progress: bool = True,
                   metrics: str | Path | None = None) -> Run:  # fmt: skip
    """Train ``doc`` with its settings under ``overrides``; the trained values and the run
    go back into the document. TrainingError (one sentence) when the run fails."""
    from graphlab.cli_train import train_until_done
    from graphlab.crashlog import failure_message
    from graphlab.training import prepare_training
    from graphlab.training.run_names import finished_name
    from graphlab.training.runs import run_settings, saved_runs, with_run
    from graphlab.training.session import TrainingSession, new_metrics_path

    run = prepare_training(doc, overrides, device=device)
    path = metrics or new_metrics_path() or tempfile.mkstemp(suffix=".csv")[1]
    number, started = len(saved_runs(doc.training)) + 1, time.strftime("%H:%M")
    record = RunRecord(f"run {number}", run_settings(run.settings))
    session = TrainingSession(run, record=record, metrics=path)
    bar = TrainingBar(session, disable=not progress)
    try:
        train_until_done(session, bar)
    finally:
        bar.close()
    failure = session.exception
    if failure is not None:
        if isinstance(failure, GraphLabError):
            raise failure
        raise TrainingError(failure_message(failure, "training")) from failure
    record.name = finished_name(number, started, session)
    doc.set_training(with_run(doc.training, record))
    return Run(record)
