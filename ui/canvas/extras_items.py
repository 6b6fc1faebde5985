"""The items of the canvas extras: a frame around nodes, a Markdown note, a reroute point.

Each item reports its edits to its ``layer`` (:class:`ui.canvas.extras.CanvasExtras`), which
turns them into one undo command; items never write the document.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QGraphicsTextItem, QStyle

FRAME_PAD, FRAME_TITLE = 24.0, 22.0
HANDLE_R = 5.0


class FrameItem(QGraphicsItem):
    """A titled, coloured rectangle behind its member nodes; dragging it drags them."""

    def __init__(self, layer, frame: dict) -> None:
        super().__init__()
        self.layer, self.fid = layer, frame["id"]
        self.title, self.colour, self.members = (
            frame["title"],
            QColor(frame["colour"]),
            frame["members"],
        )
        self.rect = QRectF(*frame["rect"])
        self.setZValue(-10.0)
        self.setFlags(QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsMovable)

    def fit(self, rects: list[QRectF]) -> None:
        """Surround ``rects`` (the members' scene rectangles), with room for the title."""
        self.prepareGeometryChange()
        self.setPos(0.0, 0.0)
        if rects:
            united = rects[0]
            for rect in rects[1:]:
                united = united.united(rect)
            self.rect = united.adjusted(-FRAME_PAD, -FRAME_PAD - FRAME_TITLE, FRAME_PAD, FRAME_PAD)
        self.update()

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        fill = QColor(self.colour)
        fill.setAlpha(40)
        border = QPen(QColor("#ffa726") if self.isSelected() else self.colour, 2.0)
        painter.setPen(border)
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(self.rect, 8.0, 8.0)
        title = QRectF(self.rect.left(), self.rect.top(), self.rect.width(), FRAME_TITLE)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QBrush(self.colour))
        painter.drawRoundedRect(title, 8.0, 8.0)
        font = QFont()
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(title.adjusted(10, 0, -10, 0), Qt.AlignVCenter | Qt.AlignLeft, self.title)

    def mousePressEvent(self, event) -> None:
        """Select the members too, so the drag moves frame and nodes together (after Qt's
        own press, which selects this item alone)."""
        super().mousePressEvent(event)
        self.setSelected(True)
        self.layer.select_members(self)

    def mouseReleaseEvent(self, event) -> None:
        """Keep the members selected after a click (Qt's release of an unmoved click leaves
        only the clicked item selected), so Ctrl+C or Delete takes the frame with them."""
        super().mouseReleaseEvent(event)
        self.setSelected(True)
        self.layer.select_members(self)

    def mouseDoubleClickEvent(self, event) -> None:
        self.layer.rename_frame(self.fid)
        event.accept()


class NoteItem(QGraphicsTextItem):
    """A Markdown note on a light card; double-click edits its text, dragging moves it."""

    def __init__(self, layer, note: dict) -> None:
        super().__init__()
        self.layer, self.nid_ = layer, note["id"]
        self.document().setMarkdown(note["text"])
        self.setTextWidth(note["size"][0])
        self.setDefaultTextColor(QColor("#263238"))
        self.setPos(*note["pos"])
        self.setZValue(-5.0)
        self.setFlags(QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemIsMovable)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(QPen(QColor("#ffa726") if self.isSelected() else QColor("#c9b458"), 1.5))
        painter.setBrush(QBrush(QColor("#fff8c4")))
        painter.drawRoundedRect(self.boundingRect(), 4.0, 4.0)
        option.state &= ~QStyle.State_Selected  # the card's border shows the selection
        super().paint(painter, option, widget)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        self.layer.note_moved(self.nid_, (self.x(), self.y()))

    def mouseDoubleClickEvent(self, event) -> None:
        self.layer.edit_note(self.nid_)
        event.accept()


class RerouteHandle(QGraphicsEllipseItem):
    """Reroute point ``index`` of wire ``key``: drag to move, double-click to remove."""

    def __init__(self, layer, key: str, index: int, at: QPointF) -> None:
        super().__init__(-HANDLE_R, -HANDLE_R, 2 * HANDLE_R, 2 * HANDLE_R)
        self.layer, self.key, self.index = layer, key, index
        self.setBrush(QBrush(QColor("#a3aeba")))
        self.setPen(QPen(QColor("#1b1e22"), 1.0))
        self.setZValue(2.0)
        self.setFlags(QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemSendsGeometryChanges)
        self.setPos(at)
        self.setToolTip("reroute point: drag to move, double-click to remove")

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemPositionHasChanged and getattr(self, "layer", None):
            self.layer.point_dragged(self)
        return super().itemChange(change, value)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        self.layer.point_moved(self.key, self.index, (self.x(), self.y()))

    def mouseDoubleClickEvent(self, event) -> None:
        self.layer.remove_point(self.key, self.index)
        event.accept()
