"""Small overlay items: the red problem badge of a node, the refusal message at the cursor and
the text tags (a ReLU's "dead 40%") over a node."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

BADGE_R = 7.0


class BadgeItem(QGraphicsItem):
    """A red disc with "!" on a node's corner; its tooltip is the engine's message."""

    def boundingRect(self) -> QRectF:
        return QRectF(-BADGE_R - 1, -BADGE_R - 1, 2 * BADGE_R + 2, 2 * BADGE_R + 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(QPen(QColor("#ffffff"), 1.2))
        painter.setBrush(QBrush(QColor("#e53935")))
        painter.drawEllipse(QPointF(0.0, 0.0), BADGE_R, BADGE_R)
        font = QFont()
        font.setPointSizeF(8.0)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(self.boundingRect(), Qt.AlignCenter, "!")


class MessageItem(QGraphicsItem):
    """A short text in a box next to the cursor, the same size at any zoom."""

    PAD = 5.0
    MAX_WIDTH = 420
    #: from the cursor, in pixels at any zoom
    OFFSET = QPointF(14.0, 10.0)

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self._rect = QRectF()
        self.setFlag(QGraphicsItem.ItemIgnoresTransformations)
        self.setZValue(1000)
        self.font = QFont()
        self.font.setPointSizeF(9.0)

    def set_text(self, text: str) -> None:
        """Show ``text`` (wrapped at MAX_WIDTH pixels) below and right of the item's position."""
        self.prepareGeometryChange()
        self.text = text
        bounds = QRectF(0, 0, self.MAX_WIDTH, 1000).toRect()
        size = QFontMetrics(self.font).boundingRect(bounds, Qt.TextWordWrap, text).size()
        self._rect = QRectF(
            self.OFFSET.x(),
            self.OFFSET.y(),
            size.width() + 2 * self.PAD,
            size.height() + 2 * self.PAD,
        )
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(QPen(QColor("#e53935"), 1.0))
        painter.setBrush(QBrush(QColor(40, 20, 20, 235)))
        painter.drawRoundedRect(self._rect, 4.0, 4.0)
        painter.setPen(QColor("#ffebee"))
        painter.setFont(self.font)
        inner = self._rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        painter.drawText(inner, Qt.TextWordWrap, self.text)


class TagItem(QGraphicsItem):
    """A short text in a filled box whose bottom-left corner is the item's position, the same
    size at any zoom (``point_size`` points), dark text on a light fill so it reads on either
    theme; ``set_warning`` turns the fill orange."""

    PAD = 3.0
    FILLS = {False: ("#eeeeee", "#9e9e9e"), True: ("#ffb74d", "#e65100")}

    def __init__(self, point_size: float) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.ItemIgnoresTransformations)
        self.font = QFont()
        self.font.setPointSizeF(point_size)
        self._text, self.warning, self._rect = "", False, QRectF()

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        self.prepareGeometryChange()
        self._text = text
        size = QFontMetrics(self.font).size(0, text)
        height = size.height() + 2 * self.PAD
        self._rect = QRectF(0.0, -height - 2.0, size.width() + 2 * self.PAD, height)
        self.update()

    def set_warning(self, warning: bool) -> None:
        self.warning = warning
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        fill, border = self.FILLS[self.warning]
        painter.setPen(QPen(QColor(border), 1.0))
        painter.setBrush(QBrush(QColor(fill)))
        painter.drawRoundedRect(self._rect, 3.0, 3.0)
        painter.setPen(QColor("#212121"))
        painter.setFont(self.font)
        painter.drawText(self._rect, Qt.AlignCenter, self._text)
