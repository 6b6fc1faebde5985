"""Zoomed far out, one item draws every node as a plain box and every edge, in a few calls.

Below OVERVIEW_ZOOM text is unreadable anyway; painting 1,000 boxes with ``drawRects`` and
all edges as one path costs about what a few node paints do, and zooming re-renders no
node. Node and edge items stay in the scene without contents (for clicks, rubber-band
selection and menus).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from ui.canvas.edge_item import edge_pen
from ui.canvas.node_item import NODE_WIDTH, TITLE_H, style

#: below this view scale the overview replaces the nodes' own painting
OVERVIEW_ZOOM = 0.4


class OverviewItem(QGraphicsItem):
    """Boxes for every node of ``scene.nodes`` (title bar, body, selection and problem
    borders) and the curves of ``scene.edges`` as one path."""

    def __init__(self, scene) -> None:
        super().__init__()
        self._scene = scene
        self._boxes: tuple[dict[str, list[QRectF]], list[QRectF], QPainterPath] | None = None
        self.setZValue(-0.5)  # above the edges, below any node's children (badges)
        self.pens = {
            "normal": QPen(QColor("#15181b"), 0),
            "invalid": QPen(QColor("#e53935"), 2.0),
            "selected": QPen(QColor("#ffa726"), 2.0),
        }
        for pen in self.pens.values():
            pen.setCosmetic(True)
        self.hide()

    def boundingRect(self) -> QRectF:
        return self._scene.sceneRect()

    def invalidate(self) -> None:
        """A node moved, changed selection or validity, came or went: redo the boxes."""
        self._boxes = None
        if self.isVisible():
            self.update()

    def _collect(self) -> tuple[dict[str, list[QRectF]], list[QRectF], QPainterPath]:
        boxes: dict[str, list[QRectF]] = {"normal": [], "invalid": [], "selected": []}
        titles = []
        for item in self._scene.nodes.values():
            x, y = item.x(), item.y()
            kind = "selected" if item.isSelected() else "invalid" if item.problem else "normal"
            boxes[kind].append(QRectF(x, y, NODE_WIDTH, item.height))
            titles.append(QRectF(x, y, NODE_WIDTH, TITLE_H))
        wires = QPainterPath()
        for edge in self._scene.edges.values():
            wires.addPath(edge.path())
        return boxes, titles, wires

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self._boxes is None:
            self._boxes = self._collect()
        boxes, titles, wires = self._boxes
        painter.setPen(edge_pen())
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(wires)
        s = style()
        painter.setBrush(s.body)
        for kind, rects in boxes.items():
            if rects:
                painter.setPen(self.pens[kind])
                painter.drawRects(rects)
        painter.setPen(Qt.NoPen)
        painter.setBrush(s.title)
        painter.drawRects(titles)
