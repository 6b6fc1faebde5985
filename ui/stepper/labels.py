"""Canvas items of the stepper: value and gradient labels, and the current node's frame.

A label shows a scalar as a number (4 significant digits) or a tensor as its shape, its
norm and a small heatmap thumbnail, or collapses to a dot with that as its tooltip; clicking
a tensor label opens the full heatmap.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from engine.backend import to_numpy
from engine.ops.base import fmt
from graphlab.explain import number
from ui.stepper.heatmap import TensorDialog, thumbnail

VALUE_COLOUR = QColor("#66bb6a")
GRAD_COLOUR = QColor("#ef5350")
HIGHLIGHT_COLOUR = QColor("#ffb300")
THUMB = 28
PAD = 3.0
#: chip text (points on screen: the chips ignore the zoom) and a collapsed chip's radius (px)
CHIP_PT, DOT_R = 9.0, 4.0
#: above the nodes and edges, below the canvas's wiring feedback
LABEL_Z = 20.0


def label_text(value) -> str:
    """``3`` for a scalar, ``(4, 10) |2.31|`` (shape and L2 norm) for a tensor."""
    array = to_numpy(value)
    if array.size == 1:
        return number(array)
    return f"{fmt(array.shape)} |{float(np.linalg.norm(array)):.3g}|"


class ValueLabel(QGraphicsItem):
    """A value (green) or gradient (red) chip, the same size in pixels at any zoom: a full
    chip (text, and a thumbnail for tensors) or, where there is no room, a dot whose tooltip
    says the same. :func:`ui.stepper.chip_layout.place_chips` decides where and which."""

    def __init__(self, colour: QColor, above: bool) -> None:
        super().__init__()
        self.colour, self.above = colour, above
        self.text, self.title, self.array = "", "", None
        self.value = self.pixmap = None
        self.compact = self.crowded = False
        self.leader: QPointF | None = None
        self.font = QFont()
        self.font.setPointSizeF(CHIP_PT)
        self.font.setBold(True)
        self._full = QSizeF()
        self.setFlag(QGraphicsItem.ItemIgnoresTransformations)
        self.setZValue(LABEL_Z)
        self.setAcceptedMouseButtons(Qt.LeftButton)
        self.hide()

    @property
    def has_value(self) -> bool:
        return self.value is not None

    def set_value(self, title: str, value) -> None:
        """Hold ``value`` (a scalar or tensor) named ``title`` in dialogs and tooltips; the
        layout shows it."""
        if value is self.value and title == self.title:
            return  # the same array as shown: keep its thumbnail
        self.value = value
        array = to_numpy(value)
        self.title, self.text = title, label_text(array)
        self.array = array if array.size > 1 else None
        self.pixmap = thumbnail(array, THUMB) if self.array is not None else None
        self.setCursor(Qt.PointingHandCursor if self.array is not None else Qt.ArrowCursor)
        metrics = QFontMetricsF(self.font)
        width = metrics.horizontalAdvance(self.text) + 2 * PAD
        height = metrics.height() + 2 * PAD
        if self.pixmap is not None:
            width += self.pixmap.width() + PAD
            height = max(height, self.pixmap.height() + 2 * PAD)
        self._full = QSizeF(width, height)
        self._tooltip()

    def _tooltip(self) -> None:
        text = f"{self.title} = {self.text}" if self.compact else self.title
        self.setToolTip(f"{text}: click for the heatmap" if self.array is not None else text)

    def clear(self) -> None:
        self.hide()
        self.text, self.array, self.pixmap, self.value = "", None, None, None

    def full_size(self) -> QSizeF:
        """The full chip's size in pixels."""
        return QSizeF(self._full)

    @staticmethod
    def dot_size() -> QSizeF:
        return QSizeF(2 * DOT_R, 2 * DOT_R)

    def show_at(self, centre: QPointF, compact: bool, leader: QPointF | None = None) -> None:
        """Show it centred on scene point ``centre``, as a dot when ``compact``; ``leader``
        (pixels from the centre) draws a line to its edge from a chip placed off it."""
        if compact != self.compact or leader != self.leader:
            self.prepareGeometryChange()
            self.compact, self.leader = compact, leader
        self.crowded = False
        self._tooltip()
        self.setPos(centre)
        self.show()

    def chip_rect(self) -> QRectF:
        """The chip's (or dot's) box in pixels around its position."""
        size = self.dot_size() if self.compact else self._full
        return QRectF(-size.width() / 2, -size.height() / 2, size.width(), size.height())

    def boundingRect(self) -> QRectF:
        rect = self.chip_rect()
        if self.leader is not None:
            rect = rect.united(QRectF(self.leader, self.leader).adjusted(-1, -1, 1, 1))
        return rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        rect = self.chip_rect()
        if self.leader is not None:
            painter.setPen(QPen(self.colour, 1.0, Qt.DotLine))
            end = rect.top() if self.leader.y() < 0 else rect.bottom()
            painter.drawLine(QPointF(0.0, end), self.leader)
        if self.compact:
            painter.setPen(QPen(QColor(20, 24, 28), 1.0))
            painter.setBrush(self.colour)
            painter.drawEllipse(rect.adjusted(0.5, 0.5, -0.5, -0.5))
            return
        painter.setPen(QPen(self.colour, 1.0))
        painter.setBrush(QColor(20, 24, 28, 215))
        painter.drawRoundedRect(rect, 3.0, 3.0)
        x = rect.left() + PAD
        if self.pixmap is not None:
            top = rect.center().y() - self.pixmap.height() / 2
            painter.drawPixmap(QPointF(x, top), self.pixmap)
            x += self.pixmap.width() + PAD
        painter.setFont(self.font)
        painter.drawText(
            QRectF(x, rect.top(), rect.right() - x, rect.height()),
            Qt.AlignVCenter | Qt.AlignLeft,
            self.text,
        )

    def open_tensor(self) -> TensorDialog | None:
        """The heatmap dialog of a tensor label (shown, not modal); None for scalars."""
        if self.array is None:
            return None
        views = self.scene().views() if self.scene() else []
        dialog = TensorDialog(self.title, self.array, views[0].window() if views else None)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def mousePressEvent(self, event) -> None:
        if self.array is not None:
            event.accept()
            self.open_tensor()
        else:
            event.ignore()


class NodeHighlight(QGraphicsRectItem):
    """A thick amber frame around the node being computed."""

    def __init__(self) -> None:
        super().__init__()
        pen = QPen(HIGHLIGHT_COLOUR, 3.0)
        self.setPen(pen)
        self.setBrush(Qt.NoBrush)
        self.setZValue(LABEL_Z - 1)
        self.setAcceptedMouseButtons(Qt.NoButton)
        self.nid = ""
        self.hide()

    def frame(self, nid: str, node_item) -> None:
        self.nid = nid
        self.setRect(node_item.sceneBoundingRect().adjusted(-4, -4, 4, 4))
        self.show()

    def clear(self) -> None:
        self.nid = ""
        self.hide()
