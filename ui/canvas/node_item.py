"""One node on the canvas: a single item whose paint() draws title, op, ports and shape.

Drawing everything in one item (no child text items) and caching it per device keeps a
1,000-node scene light; see ENVIRONMENT.md "Canvas".
"""

from __future__ import annotations

import zlib

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from engine.ops import get_op
from graphlab.document import DocNode
from ui.canvas.badge import BadgeItem

NODE_WIDTH = 160.0
TITLE_H = 20.0
ROW_H = 16.0
SHAPE_H = 18.0
PORT_R = 4.5
#: how far from a port's centre a press or drop still hits it (scene units)
PORT_HIT = 9.0
#: below this zoom only boxes are drawn (text would be unreadable anyway)
TEXT_MIN_ZOOM = 0.35


class _Style:
    """Pens, brushes and fonts shared by every node (made once a QGuiApplication exists)."""

    def __init__(self) -> None:
        self.body = QBrush(QColor("#2f343b"))
        self.title = QBrush(QColor("#3d4550"))
        self.border = QPen(QColor("#1b1e22"), 1.0)
        self.selected = QPen(QColor("#ffa726"), 2.5)
        self.invalid = QPen(QColor("#e53935"), 1.5)
        self.text = QColor("#eceff1")
        self.muted = QColor("#aab4be")
        self.shape_ok = QColor("#80cbc4")
        self.shape_bad = QColor("#ef9a9a")
        self.port_in = QBrush(QColor("#90caf9"))
        self.port_out = QBrush(QColor("#ffcc80"))
        self.port_pen = QPen(QColor("#1b1e22"), 1.0)
        self.title_font = QFont()
        self.title_font.setPointSizeF(9.0)
        self.title_font.setBold(True)
        self.small_font = QFont()
        self.small_font.setPointSizeF(8.0)
        self.title_metrics = QFontMetrics(self.title_font)
        self.small_metrics = QFontMetrics(self.small_font)


_style: _Style | None = None


def style() -> _Style:
    global _style
    if _style is None:
        _style = _Style()
    return _style


def group_colour(group: str) -> QColor:
    """A stable, muted colour per group name (the shared tag of a layer template's nodes)."""
    return QColor.fromHsv(zlib.crc32(group.encode()) % 360, 110, 200)


class NodeItem(QGraphicsItem):
    """The item of document node ``nid``; ``edges`` are the edge items touching it."""

    def __init__(self, node: DocNode) -> None:
        super().__init__()
        # itemChange runs during setPos below: everything it reads is set first
        self.edges: list = []
        self.nid = node.id
        self.op = node.op
        self.inputs = get_op(node.op).inputs
        self.title, self.group = node.label or node.id, node.group
        self.shape_text, self.problem = "", ""
        self.height = TITLE_H + max(1, len(self.inputs)) * ROW_H + SHAPE_H
        self._bounds = QRectF(-PORT_R - 1, -1, NODE_WIDTH + 2 * PORT_R + 2, self.height + 2)
        self.badge = None
        self.setFlags(
            QGraphicsItem.ItemIsMovable
            | QGraphicsItem.ItemIsSelectable
            | QGraphicsItem.ItemSendsGeometryChanges
        )
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setToolTip(f"{node.op}: {get_op(node.op).formula}")
        self.setPos(*node.pos)

    # -- geometry -------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return self._bounds

    def input_pos(self, port: str) -> QPointF:
        """Scene position of input ``port``'s dot (left edge)."""
        row = self.inputs.index(port)
        return self.pos() + QPointF(0.0, TITLE_H + (row + 0.5) * ROW_H)

    def output_pos(self) -> QPointF:
        """Scene position of the output dot (right edge, first body row)."""
        return self.pos() + QPointF(NODE_WIDTH, TITLE_H + 0.5 * ROW_H)

    def port_at(self, scene_pos: QPointF) -> tuple[str, str] | None:
        """("out", "") or ("in", port name) when ``scene_pos`` is on a port, else None."""
        candidates = [("out", "", self.output_pos())]
        candidates += [("in", p, self.input_pos(p)) for p in self.inputs]
        for side, port, at in candidates:
            if abs(at.x() - scene_pos.x()) <= PORT_HIT and abs(at.y() - scene_pos.y()) <= ROW_H / 2:
                return side, port
        return None

    # -- state shown ----------------------------------------------------------------------

    def set_node(self, node: DocNode) -> None:
        """Take label and group from the document."""
        self.title, self.group = node.label or node.id, node.group
        self.update()

    def set_analysis(self, shape_text: str, problem: str) -> None:
        """Show the inferred shape (``""`` when unknown) and the problem (``""`` when none)."""
        if (shape_text, problem) == (self.shape_text, self.problem):
            return
        self.shape_text, self.problem = shape_text, problem
        if problem and self.badge is None:
            self.badge = BadgeItem(self)
            self.badge.setPos(NODE_WIDTH - 2.0, 0.0)
        if self.badge is not None:
            self.badge.setVisible(bool(problem))
            self.badge.setToolTip(problem)
        self.update()

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemPositionChange:
            scene = self.scene()
            if scene is not None and scene.snapping_user_move():
                return scene.snap(value)
        elif change == QGraphicsItem.ItemPositionHasChanged:
            for edge in self.edges:
                edge.refresh()
        elif change == QGraphicsItem.ItemSelectedHasChanged:
            self.update()
        return super().itemChange(change, value)

    # -- painting -------------------------------------------------------------------------

    def paint(self, painter: QPainter, option, widget=None) -> None:
        s = style()
        body = QRectF(0.0, 0.0, NODE_WIDTH, self.height)
        if self.isSelected():
            border = s.selected
        elif self.problem:
            border = s.invalid
        else:
            border = s.border
        painter.setPen(border)
        painter.setBrush(s.body)
        painter.drawRoundedRect(body, 5.0, 5.0)
        painter.setPen(Qt.NoPen)
        painter.setBrush(s.title)
        painter.drawRoundedRect(QRectF(1.0, 1.0, NODE_WIDTH - 2.0, TITLE_H - 1.0), 4.0, 4.0)
        if self.group:
            painter.setBrush(group_colour(self.group))
            painter.drawRect(QRectF(1.0, 3.0, 4.0, TITLE_H - 5.0))
        self._paint_ports(painter, s)
        if option.levelOfDetailFromTransform(painter.worldTransform()) >= TEXT_MIN_ZOOM:
            self._paint_text(painter, s)

    def _paint_ports(self, painter: QPainter, s: _Style) -> None:
        painter.setPen(s.port_pen)
        painter.setBrush(s.port_in)
        for row in range(len(self.inputs)):
            painter.drawEllipse(QPointF(0.0, TITLE_H + (row + 0.5) * ROW_H), PORT_R, PORT_R)
        painter.setBrush(s.port_out)
        painter.drawEllipse(QPointF(NODE_WIDTH, TITLE_H + 0.5 * ROW_H), PORT_R, PORT_R)

    def _paint_text(self, painter: QPainter, s: _Style) -> None:
        pad = 9.0
        painter.setFont(s.title_font)
        painter.setPen(s.text)
        title_w = NODE_WIDTH - 2 * pad - (12.0 if self.problem else 0.0)
        title = s.title_metrics.elidedText(self.title, Qt.ElideRight, int(title_w))
        painter.drawText(QRectF(pad, 0.0, title_w, TITLE_H), Qt.AlignVCenter, title)
        painter.setFont(s.small_font)
        painter.setPen(s.muted)
        half = NODE_WIDTH / 2 - pad
        for row, port in enumerate(self.inputs):
            rect = QRectF(pad, TITLE_H + row * ROW_H, half, ROW_H)
            painter.drawText(rect, Qt.AlignVCenter | Qt.AlignLeft, port)
        first = s.small_metrics.horizontalAdvance(self.inputs[0]) + 6 if self.inputs else 0
        op_w = NODE_WIDTH - 2 * pad - first
        op = s.small_metrics.elidedText(self.op, Qt.ElideRight, int(op_w))
        op_rect = QRectF(pad + first, TITLE_H, op_w, ROW_H)
        painter.drawText(op_rect, Qt.AlignVCenter | Qt.AlignRight, op)
        shape_rect = QRectF(pad, self.height - SHAPE_H, NODE_WIDTH - 2 * pad, SHAPE_H - 2.0)
        painter.setPen(s.shape_ok if self.shape_text else s.shape_bad)
        shape = self.shape_text or ("invalid" if self.problem else "?")
        shape = s.small_metrics.elidedText(shape, Qt.ElideMiddle, int(shape_rect.width()))
        painter.drawText(shape_rect, Qt.AlignVCenter | Qt.AlignLeft, shape)
