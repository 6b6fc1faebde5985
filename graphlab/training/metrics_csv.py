"""The one metrics CSV format, written by ``graphlab train --metrics`` and the dashboard's export.

One row per step: ``epoch,step,loss,lr,train_acc,val_acc``; the accuracies (eval mode) only on
the row of the step that ended an epoch, empty elsewhere. Numbers are written with 6
significant digits. Steps arrive as they happen and an epoch's accuracies may arrive a few steps
later (the app evaluates in the background), so a row that may end an epoch is held until its
accuracies arrive or the next step shows the epoch went on.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from engine.errors import GraphLabError

FIELDS = ("epoch", "step", "loss", "lr", "train_acc", "val_acc")


class MetricsCsv:
    """A streaming writer of the metrics format to ``path``; :meth:`close` writes what is held."""

    def __init__(self, path: str | Path) -> None:
        try:
            self.file = open(path, "w", newline="")  # noqa: SIM115 (closed in close())
        except OSError as exc:
            raise GraphLabError(f"{path}: cannot write ({exc.strerror or exc})") from None
        self.writer = csv.writer(self.file)
        self.writer.writerow(FIELDS)
        self.pending: deque[tuple[int, int, float, float]] = deque()
        self.ends: dict[int, tuple[float | None, float | None]] = {}

    def add_steps(self, steps) -> None:
        """Steps as (epoch, step, loss, lr) tuples, in order."""
        self.pending.extend(steps)
        self._write()

    def add_epoch_end(self, step: int, train_acc: float | None, val_acc: float | None) -> None:
        """The accuracies measured when the epoch ending at ``step`` ended."""
        self.ends[int(step)] = (train_acc, val_acc)
        self._write()

    def _write(self, final: bool = False) -> None:
        pending, ends = self.pending, self.ends
        while pending:
            epoch, step, loss, lr = pending[0]
            if step in ends:
                train, val = ends.pop(step)
            elif (len(pending) > 1 and pending[1][0] == epoch) or final:
                train = val = None
            else:  # may end its epoch: wait for the accuracies
                return
            pending.popleft()
            self.writer.writerow(
                [epoch, step, f"{loss:.6g}", f"{lr:.6g}", _cell(train), _cell(val)]
            )

    def flush(self) -> None:
        """What is written so far onto the disk (a copy or a reader sees it)."""
        self.file.flush()

    def close(self) -> None:
        self._write(final=True)
        self.file.close()


def read_metrics(path: str | Path, chunk: int = 1 << 16) -> Iterator[np.ndarray]:
    """The rows of a metrics file, about ``chunk`` at a time: arrays (rows, 6) of float64 in
    FIELDS order, NaN for an empty cell. Raises GraphLabError for a file of another format."""
    try:
        with open(path, newline="") as handle:
            if handle.readline().rstrip("\r\n") != ",".join(FIELDS):
                raise GraphLabError(f"{path}: not a GraphLab metrics file ({','.join(FIELDS)})")
            while lines := handle.readlines(chunk * 48):
                text = "".join(lines).replace("\r\n", "\n")
                text = text.replace(",,", ",nan,").replace(",,", ",nan,").replace(",\n", ",nan\n")
                rows = np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2)
                if rows.shape[1] != len(FIELDS):
                    raise GraphLabError(f"{path}: a row does not have {len(FIELDS)} cells")
                yield rows
    except (OSError, ValueError) as exc:
        raise GraphLabError(f"{path}: cannot read the metrics ({exc})") from None


def _cell(value) -> str:
    return "" if value is None else f"{value:.6g}"
