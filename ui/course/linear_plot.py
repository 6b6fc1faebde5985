"""The plot of the linear classifier loss view: points, each class's zero-score line with
its rotation handle and gradient direction, and the background coloured by the winning class.

Mouse (on the plot): drag a handle to rotate its line, drag a line's body to shift it, drag a
point to move it; click empty space to add a point of the chosen class; right-click a point
to delete it. The plot only reports these as signals; the view changes the numbers.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal

from graphlab.course.linear import line_anchor, winning_class

CLASS_COLOURS = ("#d62728", "#2ca02c", "#1f77b4")
TINTS = np.array([[250, 205, 205], [205, 240, 205], [205, 220, 250]], dtype=np.ubyte)
EXTENT = 3.0  # the plot shows [-EXTENT, EXTENT] on both axes
HANDLE = 0.6  # distance of a line's handle from its anchor, along the normal
GRAB_PX = 9  # how near (pixels) the mouse must be to grab a point, handle or line
GRID = 150


class Signals(QObject):
    """What the mouse asks for; the view applies it."""

    rotate = Signal(int, object)  # class, handle position (2,)
    shift = Signal(int, object)  # class, delta (2,)
    move_point = Signal(int, object)  # point index, new position (2,)
    add_point = Signal(object)  # position (2,)
    delete_point = Signal(int)  # point index


class LinearViewBox(pg.ViewBox):
    """A fixed square view that turns clicks and drags into :class:`Signals`."""

    def __init__(self, plot: LinearPlot) -> None:
        super().__init__(enableMenu=False)
        self.plot = plot
        self.setMouseEnabled(False, False)
        self._grab: tuple[str, int] | None = None
        self._last = None

    def _at(self, ev_pos) -> np.ndarray:
        p = self.mapToView(ev_pos)
        return np.array([p.x(), p.y()])

    def mouseClickEvent(self, ev) -> None:
        where = self._at(ev.pos())
        hit = self.plot.hit(where)
        if ev.button() == Qt.RightButton and hit and hit[0] == "point":
            self.plot.signals.delete_point.emit(hit[1])
        elif ev.button() == Qt.LeftButton and hit is None:
            self.plot.signals.add_point.emit(where)
        ev.accept()

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.LeftButton:
            ev.ignore()
            return
        ev.accept()
        where = self._at(ev.pos())
        if ev.isStart():
            self._grab = self.plot.hit(self._at(ev.buttonDownPos()))
            self._last = self._at(ev.buttonDownPos())
        if self._grab is not None:
            kind, index = self._grab
            signals = self.plot.signals
            if kind == "point":
                signals.move_point.emit(index, where)
            elif kind == "handle":
                signals.rotate.emit(index, where)
            else:
                signals.shift.emit(index, where - self._last)
        self._last = where
        if ev.isFinish():
            self._grab = None


class LinearPlot(pg.PlotWidget):
    """Draws X (N, 2), y (N,), W (C, 2), b (C,) and the gradient dW (C, 2)."""

    def __init__(self) -> None:
        self.signals = Signals()
        super().__init__(viewBox=LinearViewBox(self))
        self.setBackground("w")
        self.setAspectLocked(True)
        self.setRange(xRange=(-EXTENT, EXTENT), yRange=(-EXTENT, EXTENT), padding=0)
        self.background = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.background)
        self.lines, self.normals, self.handles, self.arrows = [], [], [], []
        for colour in CLASS_COLOURS:
            self.lines.append(self.plot([], [], pen=pg.mkPen(colour, width=3)))
            self.normals.append(self.plot([], [], pen=pg.mkPen(colour, width=2)))
            self.arrows.append(self.plot([], [], pen=pg.mkPen(colour, width=2, style=Qt.DashLine)))
            self.handles.append(
                self.plot([], [], pen=None, symbol="o", symbolSize=14, symbolBrush=colour)
            )
        self.points = pg.ScatterPlotItem(size=13, pen=pg.mkPen("k", width=1.5))
        self.addItem(self.points)
        axis = np.linspace(-EXTENT, EXTENT, GRID)
        self._grid = np.stack(np.meshgrid(axis, axis), axis=-1)
        self.X = np.zeros((0, 2))
        self.W, self.b = np.zeros((3, 2)), np.zeros(3)

    def draw(self, X, y, W, b, dW) -> None:
        """Redraw everything from the current numbers."""
        self.X, self.W, self.b = X, W, b
        self.background.setImage(TINTS[winning_class(W, b, self._grid)], levels=(0, 255))
        self.background.setRect(-EXTENT, -EXTENT, 2 * EXTENT, 2 * EXTENT)
        brushes = [pg.mkBrush(CLASS_COLOURS[int(c)]) for c in y]
        self.points.setData(pos=X, brush=brushes)
        for k in range(len(W)):
            anchor, unit = line_anchor(W[k], b[k]), _unit(W[k])
            along = np.array([-unit[1], unit[0]]) * 4 * EXTENT
            ends = np.array([anchor - along, anchor + along])
            self.lines[k].setData(ends[:, 0], ends[:, 1])
            handle = anchor + HANDLE * unit
            self.normals[k].setData([anchor[0], handle[0]], [anchor[1], handle[1]])
            self.handles[k].setData([handle[0]], [handle[1]])
            step = -_unit(dW[k]) * HANDLE * 1.5 if np.any(dW[k]) else np.zeros(2)
            tip = anchor + step
            self.arrows[k].setData([anchor[0], tip[0]], [anchor[1], tip[1]])

    def handle_position(self, k: int) -> np.ndarray:
        """Where class k's rotation handle is drawn (view coordinates)."""
        return line_anchor(self.W[k], self.b[k]) + HANDLE * _unit(self.W[k])

    def hit(self, where: np.ndarray) -> tuple[str, int] | None:
        """What lies under ``where``: ("point", i), ("handle", k), ("line", k) or None."""
        tolerance = GRAB_PX * float(max(self.getViewBox().viewPixelSize()))
        if len(self.X):
            distance = np.hypot(*(self.X - where).T)
            if distance.min() < tolerance:
                return "point", int(distance.argmin())
        for k in range(len(self.W)):
            if np.hypot(*(self.handle_position(k) - where)) < tolerance:
                return "handle", k
        for k in range(len(self.W)):
            norm = float(np.hypot(*self.W[k]))
            if norm > 0 and abs(self.W[k] @ where + self.b[k]) / norm < tolerance:
                return "line", k
        return None


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.hypot(*v))
    return v / norm if norm > 0 else np.array([1.0, 0.0])
