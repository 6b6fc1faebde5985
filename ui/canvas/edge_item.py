"""Edges: cubic curves from an output port to an input port that follow their nodes."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from graphlab.document import DocEdge
from ui.canvas.wire_path import wire_path
from ui.theme import canvas_colour

#: width of the band around a curve that a right-click or hover still hits (scene units)
HIT_WIDTH = 10.0


def curve(start: QPointF, end: QPointF) -> QPainterPath:
    """A cubic from ``start`` leaving rightwards to ``end`` arriving from the left."""
    return wire_path(start, end)


_pen: QPen | None = None


def edge_pen() -> QPen:
    """One cosmetic 1-pixel pen for all edges: Qt's fast antialiased line path (a scaled
    2-unit pen took several times longer to repaint 1,500 edges)."""
    global _pen
    if _pen is None:
        _pen = QPen(canvas_colour("edge"), 1.0)
        _pen.setCosmetic(True)
    return _pen


def restyle_edges(items) -> None:
    """Edges in the theme's colour (after a theme change)."""
    global _pen
    _pen = None
    for item in items:
        item.setPen(edge_pen())


#: a selected wire: wider and in the selection colour (Delete removes it)
SELECTED_PEN = QPen(QColor("#ffb74d"), 2.5)
SELECTED_PEN.setCosmetic(True)


class EdgeItem(QGraphicsPathItem):
    """The curve of document edge ``edge`` between two node items; a click selects it."""

    def __init__(self, edge: DocEdge, src, dst) -> None:
        super().__init__()
        self.edge, self.src, self.dst = edge, src, dst
        self.setPen(edge_pen())
        self.setZValue(-1.0)
        self.setFlag(QGraphicsPathItem.ItemIsSelectable)
        self.refresh()

    #: reroute points ((x, y) in the scene) and the wire style (issue 29; ui/canvas/extras.py)
    via: tuple = ()
    style = "curved"

    def paint(self, painter, option, widget=None) -> None:
        if self.isSelected():  # the curve itself highlighted, not Qt's dashed box
            painter.setPen(SELECTED_PEN)
            painter.drawPath(self.path())
            return
        super().paint(painter, option, widget)

    def refresh(self) -> None:
        start, end = self.src.output_pos(), self.dst.input_pos(self.edge.port)
        self.setPath(wire_path(start, end, self.via, self.style))

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(HIT_WIDTH)
        return stroker.createStroke(self.path())


class WireItem(QGraphicsPathItem):
    """The curve that follows the cursor while a connection is dragged: dashed orange, or
    over an input port solid green (it may connect there) or dashed red (it may not)."""

    def __init__(self) -> None:
        super().__init__()
        self.pens = {
            None: QPen(QColor("#ffcc80"), 2.0, Qt.DashLine),
            True: QPen(QColor("#81c784"), 2.5, Qt.SolidLine),
            False: QPen(QColor("#e57373"), 2.0, Qt.DashLine),
        }
        self.verdict: bool | None = None
        self.setPen(self.pens[None])
        self.setZValue(500.0)
        self.hide()

    def follow(self, start: QPointF, end: QPointF) -> None:
        self.setPath(curve(start, end))
        self.show()

    def set_verdict(self, verdict: bool | None) -> None:
        self.verdict = verdict
        self.setPen(self.pens[verdict])
