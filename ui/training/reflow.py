"""Layouts that fit the dashboard into any dock: a grid of plots that reflows to the width
(scrolling down when the rows do not fit) with double-click to maximise a plot, a flow
layout for rows of controls, and readable axis ticks."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QLayout, QStackedWidget, QVBoxLayout, QWidget

from ui.widgets import scrolled

#: the smallest a plot gets before the grid scrolls (pixels)
PLOT_MIN = (250, 180)
#: axis tick labels (points)
TICK_PT = 9.0


def readable_axes(plot: QWidget) -> None:
    """Tick labels of ``plot`` (a pg.PlotWidget; others are left alone) at TICK_PT points."""
    if not isinstance(plot, pg.PlotWidget):
        return
    font = QFont()
    font.setPointSizeF(TICK_PT)
    for name in ("bottom", "left"):
        plot.getAxis(name).setStyle(tickFont=font, tickTextOffset=3)


class PlotGrid(QStackedWidget):
    """``widgets`` in as many equal columns as the width allows (each at least PLOT_MIN or its
    own minimum size hint), rows scrolling when they do not fit; hidden widgets take no cell.
    Double-clicking a widget shows it alone (``maximised``); double-clicking it again, or
    :meth:`restore`, puts it back."""

    maximisedChanged = Signal(object)

    def __init__(self, widgets: list[QWidget], min_size: tuple[int, int] = PLOT_MIN) -> None:
        super().__init__()
        self.widgets, self.min_size = list(widgets), min_size
        self.inner = QWidget()
        self.grid = QGridLayout(self.inner)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.scroll = scrolled(self.inner)
        self.single = QWidget()
        QVBoxLayout(self.single).setContentsMargins(0, 0, 0, 0)
        self.addWidget(self.scroll)
        self.addWidget(self.single)
        self.maximised: QWidget | None = None
        self._columns = 0
        self._due = QTimer(self, singleShot=True, interval=0)
        self._due.timeout.connect(self.reflow)
        self._watched: dict[QWidget, QWidget] = {}
        for index, widget in enumerate(self.widgets):
            self.grid.addWidget(widget, 0, index)  # parented, shown unless hidden on purpose
            readable_axes(widget)
            widget.installEventFilter(self)
            self._watched[widget] = widget
            viewport = getattr(widget, "viewport", None)
            if viewport is not None:  # a QGraphicsView gets its mouse events on its viewport
                viewport().installEventFilter(self)
                self._watched[viewport()] = widget
        self.scroll.viewport().installEventFilter(self)
        self.reflow(force=True)

    def cell_size(self) -> QSize:
        """The smallest cell: PLOT_MIN, widened to the largest shown widget's minimum hint."""
        width, height = self.min_size
        for widget in self.shown():
            hint = widget.minimumSizeHint()
            width, height = max(width, hint.width()), max(height, hint.height())
        return QSize(width, height)

    def shown(self) -> list[QWidget]:
        return [w for w in self.widgets if not w.isHidden() and w is not self.maximised]

    def reflow(self, force: bool = False) -> None:
        """Lay the shown widgets out in as many columns as the viewport's width allows."""
        shown, cell = self.shown(), self.cell_size()
        spacing = self.grid.spacing()
        fit = (self.scroll.viewport().width() + spacing) // (cell.width() + spacing)
        columns = max(1, min(len(shown), fit))
        placed = [self.grid.itemAt(i).widget() for i in range(self.grid.count())]
        if not force and columns == self._columns and placed == shown:
            return
        self._columns = columns
        for widget in placed:
            self.grid.removeWidget(widget)
        for index in range(self.grid.rowCount()):
            self.grid.setRowStretch(index, 0)
        for index, widget in enumerate(shown):
            widget.setMinimumSize(cell)
            row, column = divmod(index, columns)
            self.grid.addWidget(widget, row, column)
            self.grid.setRowStretch(row, 1)
        for column in range(self.grid.columnCount()):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)

    def maximise(self, widget: QWidget) -> None:
        """Show ``widget`` alone in the whole area."""
        if self.maximised is not None:
            self.restore()
        self.maximised = widget
        self.grid.removeWidget(widget)
        self.single.layout().addWidget(widget)
        self.setCurrentWidget(self.single)
        self.reflow(force=True)
        self.maximisedChanged.emit(widget)

    def restore(self) -> None:
        """Put the maximised widget back into the grid."""
        if self.maximised is None:
            return
        self.single.layout().removeWidget(self.maximised)
        self.maximised = None
        self.setCurrentWidget(self.scroll)
        self.reflow(force=True)
        self.maximisedChanged.emit(None)

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if watched is self.scroll.viewport():
            if kind == QEvent.Resize:
                self.reflow()
        elif kind in (QEvent.ShowToParent, QEvent.HideToParent):
            if watched in self.widgets and watched is not self.maximised:
                self._due.start()
        elif kind == QEvent.MouseButtonDblClick and watched in self._watched:
            widget = self._watched[watched]
            if widget is self.maximised:
                self.restore()
            else:
                self.maximise(widget)
            return True
        return False


class FlowLayout(QLayout):
    """Items left to right, wrapping to a new row when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self.items: list = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:
        self.items.append(item)

    def count(self) -> int:
        return len(self.items)

    def itemAt(self, index: int):
        return self.items[index] if 0 <= index < len(self.items) else None

    def takeAt(self, index: int):
        return self.items.pop(index) if 0 <= index < len(self.items) else None

    def expandingDirections(self):
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self.items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _place(self, rect: QRect, move: bool) -> int:
        """Lay the items out in ``rect`` (when ``move``); the height they take."""
        x, y, row_height, space = rect.x(), rect.y(), 0, self.spacing()
        for item in self.items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and row_height > 0:
                x, y, row_height = rect.x(), y + row_height + space, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + space
            row_height = max(row_height, hint.height())
        return y + row_height - rect.y()
