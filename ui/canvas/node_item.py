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
from ui.theme import canvas_colour

NODE_WIDTH = 160.0
TITLE_H = 20.0
ROW_H = 16.0
SHAPE_H = 18.0
PORT_R = 4.5
#: how far from a port's centre a press or drop still hits it (scene units)
PORT_HIT = 9.0
#: the smallest a port's hit area gets on screen, at any zoom (pixels)
PORT_MIN_PX = 8.0
#: below this view scale a node shows only its title, in a font that stays FAR_TITLE_PX
#: pixels tall on screen (its ordinary 9-point labels would be 3-4 pixels: unreadable)
FAR_ZOOM = 0.55
FAR_TITLE_PX, FAR_MIN_PX = 11.0, 8.0


class _Style:
    """Pens, brushes and fonts shared by every node (made once a QGuiApplication exists)."""

    def __init__(self) -> None:
        self.body = QBrush(canvas_colour("node_body"))
        self.title = QBrush(canvas_colour("node_title"))
        self.border = QPen(canvas_colour("node_border"), 1.0)
        self.selected = QPen(QColor("#ffa726"), 2.5)
        self.invalid = QPen(QColor("#e53935"), 1.5)
        self.text = canvas_colour("node_text")
        self.muted = canvas_colour("node_muted")
        self.shape_ok = canvas_colour("shape_ok")
        self.shape_bad = canvas_colour("shape_bad")
        self.port_in = QBrush(QColor("#90caf9"))
        self.port_out = QBrush(QColor("#ffcc80"))
        self.port_pen = QPen(canvas_colour("node_border"), 1.0)
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


def restyle() -> None:
    """Take the theme's colours again (nodes drawn from now on use them)."""
    global _style
    _style = None


def group_colour(group: str) -> QColor:
    """A stable, muted colour per group name (the shared tag of a layer template's nodes):
    one of 12 hues 30 degrees apart, so two groups' tags differ visibly or not at all."""
    return QColor.fromHsv(15 + 30 * (zlib.crc32(group.encode()) % 12), 120, 210)


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
        self._labels: list[tuple] | None = None
        self.setFlags(
            QGraphicsItem.ItemIsMovable
            | QGraphicsItem.ItemIsSelectable
            | QGraphicsItem.ItemSendsGeometryChanges
        )
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.op_tip = f"{node.op}: {get_op(node.op).formula}"
        self.setToolTip(self.op_tip)
        self.setAcceptHoverEvents(True)  # port names on hover
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

    def port_at(self, scene_pos: QPointF, zoom: float = 1.0) -> tuple[str, str] | None:
        """("out", "") or ("in", port name) of the nearest port whose hit area holds
        ``scene_pos``, else None; at view scale ``zoom`` the area is at least PORT_MIN_PX
        pixels a side."""
        reach = PORT_MIN_PX / 2 / max(zoom, 1e-6)
        reach_x, reach_y = max(PORT_HIT, reach), max(ROW_H / 2, reach)
        candidates = [("out", "", self.output_pos())]
        candidates += [("in", p, self.input_pos(p)) for p in self.inputs]
        best, nearest = None, None
        for side, port, at in candidates:
            dx, dy = abs(at.x() - scene_pos.x()), abs(at.y() - scene_pos.y())
            if dx <= reach_x and dy <= reach_y and (nearest is None or dx + dy < nearest):
                best, nearest = (side, port), dx + dy
        return best

    def hoverMoveEvent(self, event) -> None:
        """Over a port, the tooltip names it (and its shape); elsewhere it shows the op."""
        views = self.scene().views() if self.scene() else []
        hit = self.port_at(event.scenePos(), views[0].transform().m11() if views else 1.0)
        if hit is None:
            self.setToolTip(self.op_tip)
        elif hit[0] == "out":
            self.setToolTip(f"output of {self.title}: {self.shape_text or 'shape unknown'}")
        else:
            self.setToolTip(f"input {hit[1]} of {self.title}")
        super().hoverMoveEvent(event)

    # -- state shown ----------------------------------------------------------------------

    def set_node(self, node: DocNode) -> None:
        """Take label and group from the document."""
        self.title, self.group = node.label or node.id, node.group
        self._labels = None
        self.update()

    def set_analysis(self, shape_text: str, problem: str) -> None:
        """Show the inferred shape (``""`` when unknown) and the problem (``""`` when none)."""
        if (shape_text, problem) == (self.shape_text, self.problem):
            return
        self.shape_text, self.problem = shape_text, problem
        self._labels = None
        self._overview_changed()
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
            self._overview_changed()
        elif change == QGraphicsItem.ItemSelectedHasChanged:
            self.update()
            self._overview_changed()
        return QGraphicsItem.itemChange(self, change, value)  # GroupItem reuses this method

    def _overview_changed(self) -> None:
        scene = self.scene()
        if scene is not None:
            scene.overview.invalidate()

    # -- painting -------------------------------------------------------------------------

    def paint(self, painter: QPainter, option, widget=None) -> None:
        s = style()
        if self.isSelected():
            border = s.selected
        elif self.problem:
            border = s.invalid
        else:
            border = s.border
        painter.setPen(border)
        painter.setBrush(s.body)
        painter.drawRoundedRect(QRectF(0.0, 0.0, NODE_WIDTH, self.height), 5.0, 5.0)
        painter.setPen(Qt.NoPen)
        painter.setBrush(s.title)
        painter.drawRoundedRect(QRectF(1.0, 1.0, NODE_WIDTH - 2.0, TITLE_H - 1.0), 4.0, 4.0)
        if self.group:
            painter.setBrush(group_colour(self.group))
            painter.drawRect(QRectF(1.0, 3.0, 4.0, TITLE_H - 5.0))
        painter.setPen(s.port_pen)
        painter.setBrush(s.port_in)
        for row in range(len(self.inputs)):
            painter.drawEllipse(QPointF(0.0, TITLE_H + (row + 0.5) * ROW_H), PORT_R, PORT_R)
        painter.setBrush(s.port_out)
        painter.drawEllipse(QPointF(NODE_WIDTH, TITLE_H + 0.5 * ROW_H), PORT_R, PORT_R)
        zoom = option.levelOfDetailFromTransform(painter.worldTransform())
        if zoom < FAR_ZOOM:
            labels = [self.far_title(zoom)]
        else:
            if self._labels is None:
                self._labels = self._layout_labels(s)
            labels = self._labels
        for font, colour, rect, flags, text in labels:
            painter.setFont(font)
            painter.setPen(colour)
            painter.drawText(rect, flags, text)

    def far_title(self, zoom: float) -> tuple:
        """The title alone, FAR_TITLE_PX pixels tall at view scale ``zoom`` (a long one down to
        FAR_MIN_PX, then elided; at most the body's height), centred in the body: (font,
        colour, rect, alignment, text)."""
        s = style()
        font = QFont(s.title_font)
        rect = QRectF(4.0, TITLE_H, NODE_WIDTH - 8.0, self.height - TITLE_H)
        size = min(FAR_TITLE_PX / zoom, rect.height())
        font.setPixelSize(max(1, round(size)))
        wide = QFontMetrics(font).horizontalAdvance(self.title)
        if wide > rect.width():  # a long title may shrink to FAR_MIN_PX before it is elided
            fit = int(size * rect.width() / wide)  # rounded down: it must not grow wider
            font.setPixelSize(max(1, fit, round(FAR_MIN_PX / zoom)))
        text = QFontMetrics(font).elidedText(self.title, Qt.ElideRight, int(rect.width()))
        return font, s.text, rect, Qt.AlignCenter, text

    def _layout_labels(self, s: _Style) -> list[tuple]:
        """(font, colour, rect, alignment, elided text) of every label, made once per change."""
        pad, left, right = 9.0, Qt.AlignVCenter | Qt.AlignLeft, Qt.AlignVCenter | Qt.AlignRight
        title_w = NODE_WIDTH - 2 * pad - (12.0 if self.problem else 0.0)
        labels = [
            (
                s.title_font,
                s.text,
                QRectF(pad, 0.0, title_w, TITLE_H),
                left,
                s.title_metrics.elidedText(self.title, Qt.ElideRight, int(title_w)),
            )
        ]
        half = NODE_WIDTH / 2 - pad
        for row, port in enumerate(self.inputs):
            labels.append(
                (s.small_font, s.muted, QRectF(pad, TITLE_H + row * ROW_H, half, ROW_H), left, port)
            )
        first = s.small_metrics.horizontalAdvance(self.inputs[0]) + 6 if self.inputs else 0
        op_w = NODE_WIDTH - 2 * pad - first
        op = s.small_metrics.elidedText(self.op, Qt.ElideRight, int(op_w))
        labels.append((s.small_font, s.muted, QRectF(pad + first, TITLE_H, op_w, ROW_H), right, op))
        shape_rect = QRectF(pad, self.height - SHAPE_H, NODE_WIDTH - 2 * pad, SHAPE_H - 2.0)
        shape = self.shape_text or ("invalid" if self.problem else "?")
        shape = s.small_metrics.elidedText(shape, Qt.ElideMiddle, int(shape_rect.width()))
        labels.append(
            (s.small_font, s.shape_ok if self.shape_text else s.shape_bad, shape_rect, left, shape)
        )
        return labels
