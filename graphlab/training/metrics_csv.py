"""The one metrics CSV format, written by ``graphlab train --metrics`` and the dashboard's export.

One row per step: ``epoch,step,loss,lr,train_acc,val_acc``; the accuracies (eval mode) only on
the row of the step that ended an epoch, empty elsewhere. Numbers are written with 6
significant digits. Steps arrive as they happen and an epoch's accuracies may arrive a few steps
later (the app evaluates in the background), so a row that may end an epoch is held until its
accuracies arrive or the next step shows the epoch went on.
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import numpy as np

from engine.errors import GraphLabError

FIELDS = ("epoch", "step", "loss", "lr", "train_acc", "val_acc")
#: the line end of every row (as Python's csv module writes)
END = "\r\n"
#: most offsets a RowIndex keeps (its stride doubles beyond)
MAX_OFFSETS = 4096


class RowIndex:
    """Byte offsets of every ``stride``-th row of a metrics file (row 0: the first after the
    header), so that a range of rows is read without reading the rows before it; at most
    MAX_OFFSETS offsets (every other one is dropped and the stride doubles)."""

    def __init__(self, stride: int = 256) -> None:
        self.stride, self.offsets = stride, []
        self.rows = 0

    def note(self, start: int) -> None:
        """The next row starts at byte ``start``."""
        if self.rows % self.stride == 0:
            self.offsets.append(start)
            if len(self.offsets) > MAX_OFFSETS:
                self.offsets, self.stride = self.offsets[::2], self.stride * 2
        self.rows += 1


class MetricsCsv:
    """A streaming writer of the metrics format to ``path``; :meth:`close` writes what is held.
    ``index`` locates its rows for :func:`read_rows`."""

    def __init__(self, path: str | Path) -> None:
        try:
            self.file = open(path, "w", newline="")  # noqa: SIM115 (closed in close())
        except OSError as exc:
            raise GraphLabError(f"{path}: cannot write ({exc.strerror or exc})") from None
        header = ",".join(FIELDS) + END
        self.file.write(header)
        self.written = len(header)  # bytes: the rows are ASCII
        self.index = RowIndex()
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
            line = f"{epoch},{step},{loss:.6g},{lr:.6g},{_cell(train)},{_cell(val)}{END}"
            self.file.write(line)
            self.index.note(self.written)
            self.written += len(line)

    def flush(self) -> None:
        """What is written so far onto the disk (a copy or a reader sees it)."""
        self.file.flush()

    def close(self) -> None:
        self._write(final=True)
        self.file.close()


def read_metrics(
    path: str | Path, chunk: int = 1 << 16, index: RowIndex | None = None
) -> Iterator[np.ndarray]:
    """The rows of a metrics file, about ``chunk`` at a time: arrays (rows, 6) of float64 in
    FIELDS order, NaN for an empty cell; ``index`` (empty) is filled on the way. Raises
    GraphLabError for a file of another format."""
    try:
        with open(path, newline="") as handle:
            header = handle.readline()
            if header.rstrip("\r\n") != ",".join(FIELDS):
                raise GraphLabError(f"{path}: not a GraphLab metrics file ({','.join(FIELDS)})")
            offset = len(header)
            while lines := handle.readlines(chunk * 48):
                if index is not None:
                    for line in lines:
                        index.note(offset)
                        offset += len(line)
                yield _parse(path, lines)
    except (OSError, ValueError) as exc:
        raise GraphLabError(f"{path}: cannot read the metrics ({exc})") from None


def index_rows(path: str | Path) -> RowIndex:
    """The row index of a finished metrics file (a run reopened from a project), built by one
    scan of its lines without parsing them. Raises GraphLabError for another format."""
    index = RowIndex()
    try:
        with open(path, "rb") as handle:
            header = handle.readline()
            if header.decode("ascii", "replace").rstrip("\r\n") != ",".join(FIELDS):
                raise GraphLabError(f"{path}: not a GraphLab metrics file ({','.join(FIELDS)})")
            offset = len(header)
            for line in handle:
                index.note(offset)
                offset += len(line)
    except OSError as exc:
        raise GraphLabError(f"{path}: cannot read the metrics ({exc.strerror or exc})") from None
    return index


def read_rows(path: str | Path, index: RowIndex, first: int, count: int) -> np.ndarray:
    """Rows ``first`` .. ``first + count - 1`` (fewer at the end) of a metrics file, (N, 6)."""
    if count <= 0 or first >= index.rows:
        return np.zeros((0, len(FIELDS)))
    block = first // index.stride
    try:
        with open(path, newline="") as handle:
            handle.seek(index.offsets[block])
            lines = list(
                islice(handle, first - block * index.stride, first - block * index.stride + count)
            )
    except OSError as exc:
        raise GraphLabError(f"{path}: cannot read the metrics ({exc.strerror or exc})") from None
    return _parse(path, lines) if lines else np.zeros((0, len(FIELDS)))


def _parse(path, lines: list[str]) -> np.ndarray:
    """Metrics rows as an array (rows, 6), NaN for an empty cell."""
    text = "".join(lines).replace("\r\n", "\n")
    text = text if text.endswith("\n") else text + "\n"
    text = text.replace(",,", ",nan,").replace(",,", ",nan,").replace(",\n", ",nan\n")
    rows = np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2)
    if rows.shape[1] != len(FIELDS):
        raise GraphLabError(f"{path}: a row does not have {len(FIELDS)} cells")
    return rows


def _cell(value) -> str:
    return "" if value is None else f"{value:.6g}"
