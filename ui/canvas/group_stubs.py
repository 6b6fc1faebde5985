"""Stubs for the wires that cross the border of the group you entered.

Inside an entered group a wire from an outside node into a member (or from a member out)
has no other end on the canvas. A stub draws it as a short wire from a label naming the
outside node (for a wire out, with the port it feeds) to the member's port: left of an
input, right of an output, the way Blender and Houdini show a group's inputs and outputs.
The labels are placed with the stepper chips' grid (:class:`ui.stepper.chip_layout.ChipPlacer`)
so that none covers a node or another label; hovering one shows the whole "from -> to".
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from ui.canvas.group_item import GROUP_BORDER, GROUP_TITLE
from ui.canvas.node_item import style
from ui.stepper.chip_layout import ChipPlacer

#: scene units between a label and its port, around its text, and the longest label
GAP, PAD, MAX_TEXT = 36.0, 6.0, 150.0
#: how many label heights above and below, and label widths further out, a label may go
ROWS, COLUMNS = 8, 4
#: (column, row) of each place a label may take, best first: beside its port, then rows above
#: and below, then a label width further out
SPOTS = [
    (column, row * sign)
    for column in range(COLUMNS)
    for row in range(ROWS)
    for sign in ((1,) if row == 0 else (1, -1))
]


class StubItem(QGraphicsItem):
    """A label ``text`` at ``box`` with a dashed wire to the member's port ``end`` (scene
    points); ``incoming``: the wire enters the group (the label is left of the port)."""

    def __init__(self, text: str, tip: str, end_item, end, incoming: bool) -> None:
        super().__init__()
        self.text, self.incoming = text, incoming
        self.end_item, self._end = end_item, end  # end(): the port's scene point, now
        self.box = QRectF()
        self.setZValue(-0.5)
        self.setToolTip(tip)

    def size(self) -> tuple[float, float]:
        """The label's width and height (scene units)."""
        metrics = style().small_metrics
        width = min(metrics.horizontalAdvance(self.text), MAX_TEXT) + 2 * PAD
        return width, metrics.height() + PAD

    def port(self) -> QPointF:
        return self._end()

    def put(self, box: QRectF) -> None:
        self.prepareGeometryChange()
        self.box = box

    def refresh(self) -> None:
        """Follow the member's port (called when its item moves)."""
        self.prepareGeometryChange()
        self.update()

    def boundingRect(self) -> QRectF:
        port = self.port()  # a rect of size 0 would be ignored by united()
        return self.box.united(QRectF(port.x() - 1, port.y() - 1, 2, 2)).adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        port, box = self.port(), self.box
        near = QPointF(box.right() if self.incoming else box.left(), box.center().y())
        pen = QPen(GROUP_BORDER, 1.5, Qt.DashLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawLine(near, port)
        painter.setPen(QPen(GROUP_BORDER, 1.0))
        painter.setBrush(QBrush(GROUP_TITLE))
        painter.drawRoundedRect(box, 4.0, 4.0)
        s = style()
        painter.setFont(s.small_font)
        painter.setPen(QColor("#eceff1"))
        text = s.small_metrics.elidedText(self.text, Qt.ElideRight, int(MAX_TEXT))
        painter.drawText(box, Qt.AlignCenter, text)


class GroupStubs:
    """The stubs of the scope shown on ``scene`` (none at the whole graph)."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self.items: list[StubItem] = []
        #: after members moved: one placement once the moves' events are through
        self._later = QTimer(scene)
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(self.place)

    def place_soon(self) -> None:
        """Place the labels again once control returns to the event loop (a layout that
        moves many members places them once)."""
        if self.items:
            self._later.start()

    def clear(self) -> None:
        for item in self.items:
            if item in item.end_item.edges:
                item.end_item.edges.remove(item)
            self.scene.removeItem(item)
        self.items = []

    def add(self, text: str, tip: str, end_item, end, incoming: bool) -> None:
        """A stub to ``end_item``'s port (``end()`` its scene point); call :meth:`place` after."""
        item = StubItem(text, tip, end_item, end, incoming)
        end_item.edges.append(item)  # it follows the item's moves, as a wire does
        self.scene.addItem(item)
        self.items.append(item)

    def place(self) -> None:
        """Put every label where it covers no node, group or other label: beside its port
        first, then a row above or below, then a label width further out."""
        if not self.items:  # the whole graph, or a group no wire crosses
            return
        shown = [*self.scene.nodes.values(), *self.scene.groups.items.values()]
        placer = ChipPlacer([i.sceneBoundingRect() for i in shown if i.isVisible()], 1.0)
        for item in sorted(self.items, key=lambda i: (i.port().y(), i.port().x())):
            width, height = item.size()
            port, side = item.port(), -1.0 if item.incoming else 1.0
            boxes = (self._box(port, side, width, height, c, r) for c, r in SPOTS)
            first = self._box(port, side, width, height, *SPOTS[0])
            box = next((b for b in boxes if placer.free(_corners(b))), first)
            placer.take(_corners(box))
            item.put(box)

    @staticmethod
    def _box(port: QPointF, side: float, width: float, height: float, column, row) -> QRectF:
        near = port.x() + side * (GAP + column * (width + GAP))
        left = near if side > 0 else near - width
        return QRectF(left, port.y() - height / 2 + row * (height + 2.0), width, height)

    def rect(self) -> QRectF:
        """The rectangle holding every label (empty when there are none)."""
        united = QRectF()
        for item in self.items:
            united = united.united(item.box)
        return united


def _corners(box: QRectF) -> tuple[float, float, float, float]:
    return box.left(), box.top(), box.right(), box.bottom()
