"""The inspector's value editor of an input node: a number for a scalar input, a small
table for vectors and matrices up to 8x8, "Random" / "Zeros" / "Load .npy..." for any.

Each finished edit is one undoable :class:`ui.commands.SetInputValue` (a document method
underneath); an input without a value says so, and the Problems list links here.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.ops.base import fmt
from graphlab.pixels import InputError
from graphlab.user_input import read_array
from ui.commands import SetInputValue
from ui.guard import run_guarded
from ui.inspector_widgets import TextAttrEditor, format_value, parse_text

#: the largest table edited cell by cell (rows, columns)
TABLE_LIMIT = 8


def value_shape(shape) -> tuple[int, ...]:
    """The shape of a value for an input of ``shape`` (-1, the batch, as 1)."""
    return tuple(1 if d == -1 else int(d) for d in shape or ())


def check_value(text: str, shape) -> object:
    """The value typed for an input of ``shape`` (nested lists, -1 matching any size);
    ValueError names what is wrong."""
    value = parse_text("value", text)
    if value is None:
        raise ValueError("type a number")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("expected a number or a nested list of numbers") from None
    if not np.all(np.isfinite(array)):
        raise ValueError("expected finite numbers")
    wanted = tuple(shape or ())
    fits = array.ndim == len(wanted) and all(
        w in (-1, s) for w, s in zip(wanted, array.shape, strict=True)
    )
    if not fits:
        raise ValueError(f"expected shape {fmt(wanted)}, got {fmt(array.shape)}")
    return value


def summary(value) -> str:
    """Shape, norm and range of a stored value ("no value yet" for None)."""
    if value is None:
        return "no value yet: type one, or use Random, Zeros or Load .npy"
    array = np.asarray(value, dtype=np.float64)
    if array.size == 1:
        return f"{float(array.reshape(-1)[0]):.6g}"
    return (
        f"{fmt(array.shape)}  norm {np.linalg.norm(array):.4g}  "
        f"min {array.min():.4g}  max {array.max():.4g}"
    )


class InputValueEditor(QWidget):
    """Edits input ``nid``'s stored value in ``doc`` through ``stack``; :meth:`refresh`
    shows the document's value again (after undo or another edit)."""

    def __init__(self, doc, stack, nid: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.stack, self.nid = doc, stack, nid
        self.shape = tuple(doc.nodes[nid].attrs.get("shape", ()))
        self.size = value_shape(self.shape)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text: TextAttrEditor | None = None
        self.table: QTableWidget | None = None
        self.info = QLabel(wordWrap=True)
        if not self.shape:
            self.text = TextAttrEditor(lambda t: check_value(t, self.shape), "")
            self.text.setObjectName("input value")
            self.text.edit.setPlaceholderText("no value yet: type a number")
            self.text.committed.connect(lambda v: run_guarded(self, "Set value", self.commit, v))
            layout.addWidget(self.text)
        elif len(self.size) <= 2 and max(self.size, default=0) <= TABLE_LIMIT:
            rows, cols = (1, self.size[0]) if len(self.size) == 1 else self.size
            self.table = QTableWidget(rows, cols)
            self.table.setObjectName("input table")
            self.table.setMaximumHeight(28 * rows + 30)
            self.table.itemChanged.connect(
                lambda item: run_guarded(self, "Set value", self._cell_changed, item)
            )
            layout.addWidget(self.table)
        layout.addWidget(self.info)
        if self.shape:
            buttons = QHBoxLayout()
            for text, slot in (
                ("Random", self.random),
                ("Zeros", self.zeros),
                ("Load .npy...", self.load),
            ):
                button = QPushButton(text)
                button.clicked.connect(lambda _=False, s=slot, t=text: run_guarded(self, t, s))
                buttons.addWidget(button)
            layout.addLayout(buttons)
        self.refresh()

    @property
    def value(self):
        return self.doc.inputs.get(self.nid)

    def refresh(self) -> None:
        """Show the document's current value."""
        value = self.value
        fed = self.nid in (self.doc.dataset.get("data_input"), self.doc.dataset.get("label_input"))
        if value is None and fed:
            text = "fed by the bound dataset (a value set here is used instead)"
        elif value is None:
            text = "no value yet" if self.text is not None else summary(None)
        else:
            text = "" if self.text is not None else summary(value)
        self.info.setText(text)
        self.info.setVisible(bool(text))
        if self.text is not None:
            shown = "" if value is None else format_value(value)
            if shown != self.text.committed_text:
                self.text.set_text(shown)
        if self.table is not None:
            cells = np.zeros(self.size) if value is None else np.asarray(value, dtype=np.float64)
            rows, cols = self.table.rowCount(), self.table.columnCount()
            if cells.size != rows * cols:  # a stored value of another batch size
                cells, value = np.zeros((rows, cols)), None
            cells = cells.reshape(rows, cols)
            self.table.blockSignals(True)
            for (row, col), number in np.ndenumerate(cells):
                item = QTableWidgetItem("" if value is None else f"{number:.6g}")
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)
            self.table.blockSignals(False)

    def focus(self) -> None:
        """Put the keyboard on the value (the Problems list's "set value" link)."""
        target = self.text.edit if self.text is not None else self.table
        if target is not None:
            target.setFocus()
            if self.text is not None:
                self.text.edit.selectAll()

    # -- edits ----------------------------------------------------------------------------

    def commit(self, value) -> None:
        """Store ``value`` (a number or nested lists) as one undo step."""
        array = np.asarray(value, dtype=np.float64)
        plain = float(array) if array.ndim == 0 else array.tolist()
        self.stack.push(SetInputValue(self.doc, self.nid, plain))

    def _cell_changed(self, item: QTableWidgetItem) -> None:
        try:
            number = float(item.text())
        except ValueError:
            return self.refuse(f"{item.text()!r} is not a number")
        if not math.isfinite(number):
            return
        current = self.value
        cells = np.zeros(self.size) if current is None else np.array(current, dtype=np.float64)
        cells.reshape(self.table.rowCount(), self.table.columnCount())[
            item.row(), item.column()
        ] = number
        self.commit(cells)

    def random(self) -> None:
        """Standard normal numbers (seeded by the node id, so it repeats)."""
        seed = sum(map(ord, self.nid))
        self.commit(np.random.default_rng(seed).standard_normal(self.size))

    def zeros(self) -> None:
        self.commit(np.zeros(self.size))

    def load(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a value", "", "NumPy arrays (*.npy)")
        if path:
            self.load_path(path)

    def load_path(self, path: str) -> None:
        """Store the array in the .npy file ``path`` (no pickles); a wrong shape is refused
        with one sentence."""
        try:
            array = read_array(Path(path))
            check_value(format_value(np.asarray(array, dtype=np.float64).tolist()), self.shape)
        except InputError as exc:  # names the file itself
            return self.refuse(str(exc))
        except ValueError as exc:
            return self.refuse(f"Cannot use {Path(path).name}: {exc}")
        self.commit(array)

    def refuse(self, message: str) -> None:
        """Say why an edit changed nothing, under the value."""
        self.info.setText(message)
        self.info.setVisible(True)
