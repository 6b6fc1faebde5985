"""A collapsed group on the canvas: one node-like item whose ports are the crossing wires.

Inputs on the left (one row per outside node feeding the group), outputs on the right (one
row per inside node whose value leaves it), each named after the node (or its rename).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from graphlab.groups import Group, Ports
from ui.canvas.node_item import (
    NODE_WIDTH,
    PORT_HIT,
    PORT_R,
    ROW_H,
    SHAPE_H,
    TITLE_H,
    NodeItem,
    style,
)

GROUP_TITLE = QColor("#4a3f6b")
GROUP_BORDER = QColor("#9575cd")


class GroupItem(QGraphicsItem):
    """The item of group ``group`` with its ``ports`` and their shown ``names``."""

    def __init__(self, group: Group, ports: Ports, names: dict[str, str], size: int) -> None:
        super().__init__()
        self.edges: list = []  # set before setPos: itemChange reads it
        self.gid = group.id
        self.setFlags(
            QGraphicsItem.ItemIsMovable
            | QGraphicsItem.ItemIsSelectable
            | QGraphicsItem.ItemSendsGeometryChanges
        )
        self.setZValue(1.0)
        self.set_group(group, ports, names, size)
        self.setPos(*group.pos)

    def set_group(self, group: Group, ports: Ports, names: dict[str, str], size: int) -> None:
        """Take the title, ports, names and member count (``size`` nodes inside)."""
        self.prepareGeometryChange()
        self.title, self.ports, self.names, self.size = group.title, ports, names, size
        rows = max(1, len(ports.inputs), len(ports.outputs))
        self.height = TITLE_H + rows * ROW_H + SHAPE_H
        self._bounds = QRectF(-PORT_R - 1, -1, NODE_WIDTH + 2 * PORT_R + 2, self.height + 2)
        self.setToolTip(f"group {group.id}: {size} nodes (double-click or Tab to enter)")
        self.update()

    #: as a node: a user's move snaps to the grid, the wires follow
    itemChange = NodeItem.itemChange
    _overview_changed = NodeItem._overview_changed

    def boundingRect(self) -> QRectF:
        return self._bounds

    def input_pos(self, key: str) -> QPointF:
        """Scene position of the input port fed by outside node ``key``."""
        row = self.ports.inputs.index(key) if key in self.ports.inputs else 0
        return self.pos() + QPointF(0.0, TITLE_H + (row + 0.5) * ROW_H)

    def output_pos(self, key: str) -> QPointF:
        """Scene position of the output port carrying inside node ``key``'s value."""
        row = self.ports.outputs.index(key) if key in self.ports.outputs else 0
        return self.pos() + QPointF(NODE_WIDTH, TITLE_H + (row + 0.5) * ROW_H)

    def port_at(self, scene_pos: QPointF) -> str | None:
        """The key of the port at ``scene_pos``, if any."""
        spots = [(k, self.input_pos(k)) for k in self.ports.inputs]
        spots += [(k, self.output_pos(k)) for k in self.ports.outputs]
        for key, at in spots:
            near_x = abs(at.x() - scene_pos.x()) <= PORT_HIT
            if near_x and abs(at.y() - scene_pos.y()) <= ROW_H / 2:
                return key
        return None

    def paint(self, painter: QPainter, option, widget=None) -> None:
        s = style()
        border = s.selected if self.isSelected() else QPen(GROUP_BORDER, 1.5)
        painter.setPen(border)
        painter.setBrush(s.body)
        painter.drawRoundedRect(QRectF(0.0, 0.0, NODE_WIDTH, self.height), 5.0, 5.0)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QBrush(GROUP_TITLE))
        painter.drawRoundedRect(QRectF(1.0, 1.0, NODE_WIDTH - 2.0, TITLE_H - 1.0), 4.0, 4.0)
        painter.setPen(s.port_pen)
        for side, keys, brush in ((0.0, self.ports.inputs, s.port_in),
                                  (NODE_WIDTH, self.ports.outputs, s.port_out)):  # fmt: skip
            painter.setBrush(brush)
            for row in range(len(keys)):
                painter.drawEllipse(QPointF(side, TITLE_H + (row + 0.5) * ROW_H), PORT_R, PORT_R)
        pad, half = 9.0, NODE_WIDTH / 2 - 9.0
        painter.setFont(s.title_font)
        painter.setPen(s.text)
        title = s.title_metrics.elidedText(f"▣ {self.title}", Qt.ElideRight, int(NODE_WIDTH - 18))
        painter.drawText(QRectF(pad, 0.0, NODE_WIDTH - 2 * pad, TITLE_H), Qt.AlignVCenter, title)
        painter.setFont(s.small_font)
        painter.setPen(s.muted)
        for keys, x, align in ((self.ports.inputs, pad, Qt.AlignLeft),
                               (self.ports.outputs, NODE_WIDTH / 2, Qt.AlignRight)):  # fmt: skip
            for row, key in enumerate(keys):
                text = s.small_metrics.elidedText(
                    self.names.get(key, key), Qt.ElideRight, int(half)
                )
                rect = QRectF(x, TITLE_H + row * ROW_H, half, ROW_H)
                painter.drawText(rect, Qt.AlignVCenter | align, text)
        foot = QRectF(pad, self.height - SHAPE_H, NODE_WIDTH - 2 * pad, SHAPE_H - 2.0)
        painter.drawText(foot, Qt.AlignVCenter | Qt.AlignLeft, f"group of {self.size} nodes")
