"""Your own input in the window: a drawing pad whose drawing is the graph's input.

The "Your input" dock holds a :class:`DrawingPad` (28x28, or the input's size when larger;
the left button draws, the right button erases) and the class the graph predicts. While the
user draws, the prediction follows the strokes; each finished stroke stores the drawing as the
input's value (one undoable :class:`SetUserInput`), so the forward values and the stepper
follow. Clear forgets the value (the bound dataset feeds the input again). Images dropped on
an input node and the inspector's "Use image..." live in :mod:`ui.input_drop`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QUndoCommand
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.errors import GraphLabError
from graphlab.crashlog import failure_message
from graphlab.document import Change, GraphDocument
from graphlab.predict import class_names, class_probabilities, top_classes
from graphlab.user_input import InputReader

PAD_SIDE = 28  # cells of the pad at least (MNIST's size)
MAX_PAD_SIDE = 64
BRUSH = 1.6  # brush radius in cells of a 28-cell pad (at least)
_NONE = object()


class SetUserInput(QUndoCommand):
    """Store ``value`` (nested lists) as input ``nid``'s value, or forget it (value None)."""

    def __init__(self, doc: GraphDocument, nid: str, value, text: str = "") -> None:
        super().__init__(text or f"Set {nid} value")
        self.doc, self.nid, self.new = doc, nid, value
        self.old = doc.inputs.get(nid, _NONE)

    def redo(self) -> None:
        self._put(self.new)

    def undo(self) -> None:
        self._put(None if self.old is _NONE else self.old)

    def _put(self, value) -> None:
        if value is None:
            self.doc.clear_input_value(self.nid)
        else:
            self.doc.set_input_value(self.nid, value)


class DrawingPad(QWidget):
    """A grid of grey cells in [0, 1] drawn with the mouse: ``pixels`` (H, W) float32.

    ``drawn`` after every change of a stroke, ``finished`` when the stroke ends.
    """

    drawn = Signal()
    finished = Signal()

    def __init__(self, side: int = PAD_SIDE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pixels = np.zeros((side, side), dtype=np.float32)
        self.radius = BRUSH
        self.last: QPointF | None = None
        self.erasing = False
        self.setMinimumSize(96, 96)
        self.setCursor(Qt.CrossCursor)
        self.setToolTip("Draw with the left button, erase with the right one")

    def sizeHint(self) -> QSize:
        return QSize(224, 224)

    def square(self) -> QRectF:
        """Where the grid is drawn: the largest square at the top left."""
        side = min(self.width(), self.height())
        return QRectF(0, 0, side, side)

    def resize_grid(self, side: int, input_side: int) -> None:
        """``side`` cells a side, for an input ``input_side`` pixels a side: the brush is
        at least one input pixel wide (the 8x8 digits have thick strokes)."""
        self.radius = max(BRUSH * side / PAD_SIDE, side / input_side)
        if self.pixels.shape[0] != side:
            self.pixels = np.zeros((side, side), dtype=np.float32)
            self.update()

    def clear(self) -> None:
        self.pixels[:] = 0.0
        self.update()

    def cell(self, pos: QPointF) -> QPointF:
        """Widget coordinates -> (column, row) in cells (fractional)."""
        scale = self.pixels.shape[0] / self.square().width()
        return QPointF(pos.x() * scale, pos.y() * scale)

    def stroke(self, start: QPointF, end: QPointF) -> None:
        """Paint (or erase) a round brush along the segment from ``start`` to ``end`` (cells)."""
        rows, cols = np.mgrid[: self.pixels.shape[0], : self.pixels.shape[1]] + 0.5
        length = max(abs(end.x() - start.x()), abs(end.y() - start.y()))
        for t in np.linspace(0.0, 1.0, int(length * 2) + 2):
            x = start.x() + (end.x() - start.x()) * t
            y = start.y() + (end.y() - start.y()) * t
            distance = np.hypot(cols - x, rows - y)
            ink = np.clip(1.0 - (distance - self.radius / 2) / self.radius, 0.0, 1.0)
            if self.erasing:
                self.pixels *= 1.0 - ink
            else:
                np.maximum(self.pixels, ink, out=self.pixels)
        self.update()
        self.drawn.emit()

    def mousePressEvent(self, event) -> None:
        self.erasing = event.button() == Qt.RightButton
        self.last = self.cell(event.position())
        self.stroke(self.last, self.last)

    def mouseMoveEvent(self, event) -> None:
        if self.last is not None:
            here = self.cell(event.position())
            self.stroke(self.last, here)
            self.last = here

    def mouseReleaseEvent(self, event) -> None:
        if self.last is not None:
            self.last = None
            self.finished.emit()

    def paintEvent(self, event) -> None:
        grey = np.ascontiguousarray(np.round(self.pixels * 255).astype(np.uint8))
        image = QImage(
            grey.data, grey.shape[1], grey.shape[0], grey.shape[1], QImage.Format_Grayscale8
        )
        painter = QPainter(self)
        painter.drawImage(self.square(), image)
        painter.setPen(self.palette().mid().color())
        painter.drawRect(self.square().adjusted(0, 0, -1, -1))
        painter.end()


class InputPanel(QWidget):
    """The pad, Clear, and the predicted class of the document's data input."""

    def __init__(self, doc: GraphDocument, stack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc, self.stack = doc, stack
        self.pad = DrawingPad()
        self.clear_button = QPushButton("Clear")
        self.prediction = QLabel(wordWrap=True, textInteractionFlags=Qt.TextSelectableByMouse)
        self.prediction.setObjectName("prediction")
        self.status = QLabel(wordWrap=True)
        self.status.setEnabled(False)
        #: the class shown last ("" before any prediction)
        self.predicted = ""
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.pad)
        row.addStretch()
        layout.addLayout(row)
        layout.addWidget(self.clear_button)
        layout.addWidget(self.prediction)
        layout.addWidget(self.status)
        layout.addStretch()
        self.timer = QTimer(self, singleShot=True, interval=30)  # coalesce a stroke's moves
        self.timer.timeout.connect(self.show_prediction)
        self.pad.drawn.connect(self.timer.start)
        self.pad.finished.connect(self.store)
        self.clear_button.clicked.connect(self.clear)
        self._forget()
        doc.subscribe(self._on_change)

    # -- what the pad feeds -------------------------------------------------------------

    def _forget(self) -> None:
        """Drop what was worked out for the document (its structure or parameters changed)."""
        self.reader, self.graph, self.names, self.nid = InputReader(self.doc), None, None, None
        try:
            self.nid = self.reader.data_input()
            channels, height, width = self.reader.image_size(self.nid)
        except GraphLabError as exc:
            self.status.setText(f"Drawing needs an image input: {exc}")
            self.pad.setEnabled(False)
            return
        self.pad.setEnabled(True)
        side = min(max(PAD_SIDE, height, width), MAX_PAD_SIDE)
        self.pad.resize_grid(side, min(height, width))
        self.status.setText(f"Feeds input {self.nid} ({channels}x{height}x{width}).")

    def _on_change(self, change: Change) -> None:
        if change.kind == "settings_changed":
            return
        self._forget()
        if change.kind == "reset":
            self.pad.clear()
            self.prediction.clear()
        elif self.pad.pixels.any():
            self.timer.start()

    def sample(self) -> np.ndarray:
        """The drawing as one sample of the input (1, ...), converted like an image file."""
        channels = self.reader.image_size(self.nid)[0]
        pixels = np.repeat(self.pad.pixels[None], channels, axis=0)
        return self.reader.from_pixels(self.nid, pixels)

    # -- reactions ----------------------------------------------------------------------

    def show_prediction(self) -> str:
        """Predict the drawing's class and show the top three; returns the top class name."""
        if self.nid is None:
            return ""
        try:
            self.graph = self.graph or self.doc.compile()
            probabilities = class_probabilities(self.doc, self.sample(), self.nid, self.graph)
            if self.names is None:
                self.names = class_names(self.doc, probabilities.shape[1])
            (ranked,) = top_classes(probabilities, self.names, 3)
        except Exception as exc:  # noqa: BLE001 (an unfinished graph is shown, not raised)
            self.prediction.setText(failure_message(exc, "predicting the drawing's class"))
            return ""
        rest = ", ".join(f"{name} {100 * p:.0f}%" for name, p in ranked[1:])
        best, probability = ranked[0]
        self.prediction.setText(f"<b>predicted: {best}</b> ({100 * probability:.0f}%)  {rest}")
        self.predicted = best
        return best

    def store(self) -> None:
        """The stroke ended: the drawing becomes the input's value (one undo step)."""
        if self.nid is None:
            return
        try:
            value = self.sample().tolist()
        except GraphLabError as exc:
            self.status.setText(str(exc))
            return
        self.stack.push(SetUserInput(self.doc, self.nid, value, f"Draw on {self.nid}"))
        self.show_prediction()

    def clear(self) -> None:
        """Wipe the pad and forget the drawn value."""
        self.pad.clear()
        self.prediction.clear()
        if self.nid is not None and self.nid in self.doc.inputs:
            self.stack.push(SetUserInput(self.doc, self.nid, None, f"Clear {self.nid}"))
