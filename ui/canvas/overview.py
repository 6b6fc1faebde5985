"""Zoomed far out, one item draws every node as a plain box and every edge, in a few calls.

Far out text is unreadable anyway; painting 1,000 boxes with ``drawRects``, their ports
with ``drawPoints`` and all edges as one path costs about what a few node paints do, and
zooming re-renders no node. Node and edge items stay in the scene without contents (for
clicks, port drags, rubber-band selection and menus).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from ui.canvas.edge_item import edge_pen
from ui.canvas.node_item import NODE_WIDTH, PORT_R, TITLE_H, style

#: below this view scale the overview replaces the nodes' own painting
OVERVIEW_ZOOM = 0.3
#: the same for graphs of more than LARGE_GRAPH nodes, where hundreds of nodes are in view
#: at this scale and re-rendering each one after a zoom step would take longer than a frame
LARGE_OVERVIEW_ZOOM = 0.6
LARGE_GRAPH = 200


def overview_wanted(zoom: float, nodes: int) -> bool:
    """Whether a view at scale ``zoom`` of a graph of ``nodes`` nodes shows the overview."""
    return zoom < (LARGE_OVERVIEW_ZOOM if nodes > LARGE_GRAPH else OVERVIEW_ZOOM)


class OverviewItem(QGraphicsItem):
    """Boxes for every node of ``scene.nodes`` (title bar, body, ports, selection and
    problem borders) and the curves of ``scene.edges`` as one path."""

    def __init__(self, scene) -> None:
        super().__init__()
        self._scene = scene
        self._drawing: tuple | None = None
        self.setZValue(-0.5)  # above the edge items, below any node's children (badges)
        self.pens = {
            "normal": QPen(QColor("#15181b"), 0),
            "invalid": QPen(QColor("#e53935"), 2.0),
            "selected": QPen(QColor("#ffa726"), 2.0),
        }
        for pen in self.pens.values():
            pen.setCosmetic(True)
        s = style()
        self.port_pens = [
            QPen(brush.color(), 2 * PORT_R, Qt.SolidLine, Qt.RoundCap)
            for brush in (s.port_in, s.port_out)
        ]
        self.hide()

    def boundingRect(self) -> QRectF:
        return self._scene.sceneRect()

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemVisibleHasChanged:
            # while the overview shows, node and edge items draw nothing (and vice versa)
            self._scene._items_draw_themselves(not value)
        return super().itemChange(change, value)

    def invalidate(self) -> None:
        """A node moved, changed selection or validity, came or went: redo the drawing."""
        self._drawing = None
        if self.isVisible():
            self.update()

    def _collect(self) -> tuple:
        boxes: dict[str, list[QRectF]] = {"normal": [], "invalid": [], "selected": []}
        titles, inputs, outputs = [], [], []
        for item in self._scene.nodes.values():
            x, y = item.x(), item.y()
            kind = "selected" if item.isSelected() else "invalid" if item.problem else "normal"
            boxes[kind].append(QRectF(x, y, NODE_WIDTH, item.height))
            titles.append(QRectF(x, y, NODE_WIDTH, TITLE_H))
            outputs.append(item.output_pos())
            inputs.extend(item.input_pos(port) for port in item.inputs)
        wires = QPainterPath()
        for edge in self._scene.edges.values():
            wires.addPath(edge.path())
        return boxes, titles, (inputs, outputs), wires

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self._drawing is None:
            self._drawing = self._collect()
        boxes, titles, ports, wires = self._drawing
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
        for pen, points in zip(self.port_pens, ports, strict=True):
            painter.setPen(pen)
            painter.drawPoints(points)
