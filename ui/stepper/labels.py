"""Canvas items of the stepper: value and gradient labels, and the current node's frame.

A label shows a scalar as a number (4 significant digits) or a tensor as its shape, its
norm and a small heatmap thumbnail; clicking a tensor label opens the full heatmap.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
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
#: above the nodes and edges, below the canvas's wiring feedback
LABEL_Z = 20.0


def label_text(value) -> str:
    """``3`` for a scalar, ``(4, 10) |2.31|`` (shape and L2 norm) for a tensor."""
    array = to_numpy(value)
    if array.size == 1:
        return number(array)
    return f"{fmt(array.shape)} |{float(np.linalg.norm(array)):.3g}|"


class ValueLabel(QGraphicsItem):
    """A value (green) or gradient (red) label anchored at a scene point.

    ``above`` puts it over the anchor (values), otherwise under it (gradients).
    """

    def __init__(self, colour: QColor, above: bool) -> None:
        super().__init__()
        self.colour, self.above = colour, above
        self.text, self.title, self.array = "", "", None
        self.value = self.pixmap = None
        self.font = QFont()
        self.font.setPointSizeF(9.0)
        self.font.setBold(True)
        self._rect = QRectF()
        self.anchor = QPointF()
        self.setZValue(LABEL_Z)
        self.setAcceptedMouseButtons(Qt.LeftButton)
        self.hide()

    def set_value(self, title: str, value) -> None:
        """Show ``value`` (a scalar or tensor) named ``title`` in dialogs and tooltips."""
        if value is self.value and title == self.title and self.isVisible():
            return  # the same array as shown: keep its thumbnail
        self.value = value
        array = to_numpy(value)
        self.prepareGeometryChange()
        self.title, self.text = title, label_text(array)
        self.array = array if array.size > 1 else None
        self.pixmap = thumbnail(array, THUMB) if self.array is not None else None
        self.setCursor(Qt.PointingHandCursor if self.array is not None else Qt.ArrowCursor)
        self.setToolTip(f"{title}: click for the heatmap" if self.array is not None else title)
        width = QFontMetricsF(self.font).horizontalAdvance(self.text) + 2 * PAD
        height = QFontMetricsF(self.font).height() + 2 * PAD
        if self.pixmap is not None:
            width += self.pixmap.width() + PAD
            height = max(height, self.pixmap.height() + 2 * PAD)
        self._rect = QRectF(-width / 2, -height - 2 if self.above else 2, width, height)
        self.show()

    def clear(self) -> None:
        self.hide()
        self.text, self.array, self.pixmap, self.value = "", None, None, None

    def place(self, anchor: QPointF) -> None:
        self.anchor = QPointF(anchor)
        self.setPos(anchor)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(QPen(self.colour, 1.0))
        painter.setBrush(QColor(20, 24, 28, 215))
        painter.drawRoundedRect(self._rect, 3.0, 3.0)
        x = self._rect.left() + PAD
        if self.pixmap is not None:
            top = self._rect.center().y() - self.pixmap.height() / 2
            painter.drawPixmap(QPointF(x, top), self.pixmap)
            x += self.pixmap.width() + PAD
        painter.setFont(self.font)
        painter.drawText(
            QRectF(x, self._rect.top(), self._rect.right() - x, self._rect.height()),
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
