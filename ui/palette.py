"""The palette: every registry op by category plus the layer templates, searchable as you type.

Dragging an entry carries MIME type :data:`PALETTE_MIME` with the payload ``op:<name>`` or
``template:<name>``; the canvas creates the node(s) where it is dropped. Double-clicking
an entry emits :attr:`PaletteWidget.activated` with the same payload.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QMimeData, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QDrag, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.ops import REGISTRY
from graphlab.templates import LAYER_TEMPLATES
from ui.canvas import PALETTE_MIME

TEMPLATES_CATEGORY = "Layers"
PAYLOAD_ROLE = Qt.UserRole
SEARCH_ROLE = Qt.UserRole + 1


def op_tooltip(op) -> str:
    """The op's formula, its local derivative rule and its ports, as rich text."""
    ports = escape(", ".join(op.inputs) or "none")
    return (
        f"<b>{escape(op.name)}</b><br><code>{escape(op.formula)}</code><br>"
        f"<i>{escape(op.rule)}</i><br>inputs: {ports}"
    )


def palette_entries() -> dict[str, list[tuple[str, str, str, str]]]:
    """category -> [(label, payload, tooltip, words to search)], layers first, then by name."""
    groups: dict[str, list[tuple[str, str, str, str]]] = {
        TEMPLATES_CATEGORY: [
            (name, f"template:{name}", f"<b>{escape(name)}</b><br>{escape(text)}", f"{name} {text}")
            for name, text in LAYER_TEMPLATES.items()
        ]
    }
    for name, op in sorted(REGISTRY.items()):
        words = f"{name} {op.category} {op.formula} {op.rule}"
        groups.setdefault(op.category, []).append((name, f"op:{name}", op_tooltip(op), words))
    return {TEMPLATES_CATEGORY: groups.pop(TEMPLATES_CATEGORY)} | dict(sorted(groups.items()))


class PaletteTree(QTreeWidget):
    """The tree of entries; dragging one carries its payload (always a copy: entries stay)."""

    def startDrag(self, actions) -> None:
        item = self.currentItem()
        mime = self.mimeData([item]) if item is not None else None
        if mime is None:
            return
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(drag_pixmap(item.text(0), self))
        drag.exec(Qt.CopyAction)

    def mimeTypes(self):
        return [PALETTE_MIME]

    def mimeData(self, items):
        payloads = [item.data(0, PAYLOAD_ROLE) for item in items if item.data(0, PAYLOAD_ROLE)]
        if not payloads:
            return None
        mime = QMimeData()
        mime.setData(PALETTE_MIME, payloads[0].encode())
        return mime


def drag_pixmap(text: str, widget: QWidget) -> QPixmap:
    """A small highlighted label of the entry that follows the cursor while dragging."""
    metrics = widget.fontMetrics()
    ratio = widget.devicePixelRatioF()
    size = QSize(metrics.horizontalAdvance(text) + 16, metrics.height() + 8)
    pixmap = QPixmap(size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setBrush(widget.palette().color(QPalette.Highlight))
    painter.setPen(Qt.NoPen)
    painter.drawRoundedRect(QRect(QPoint(0, 0), size), 4, 4)
    painter.setPen(widget.palette().color(QPalette.HighlightedText))
    painter.drawText(QRect(QPoint(0, 0), size), Qt.AlignCenter, text)
    painter.end()
    return pixmap


class PaletteWidget(QWidget):
    """Search box above the tree; ``activated(payload)`` on double-click or Enter."""

    activated = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search ops (Ctrl+F)", clearButtonEnabled=True)
        self.tree = PaletteTree(headerHidden=True, rootIsDecorated=True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragOnly)
        self.tree.setMouseTracking(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        #: opens the op editor (ui/custom_op connects it); written ops are under "My ops"
        self.new_op_button = QPushButton("New op...", toolTip="Write your own op in numpy")
        layout.addWidget(self.new_op_button)
        self._fill()
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._activate_first_visible)
        self.tree.itemActivated.connect(self._activate)

    def _fill(self) -> None:
        for category, entries in palette_entries().items():
            group = QTreeWidgetItem(self.tree, [category])
            group.setFlags(Qt.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for label, payload, tooltip, words in entries:
                item = QTreeWidgetItem(group, [label])
                item.setData(0, PAYLOAD_ROLE, payload)
                item.setData(0, SEARCH_ROLE, f"{words} {category}".lower())
                item.setToolTip(0, tooltip)
                item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
        self.tree.expandAll()

    def refresh(self) -> None:
        """List the registry again (ops written or removed since), keeping the search."""
        self.tree.clear()
        self._fill()
        self.filter(self.search.text())

    def entries(self, visible_only: bool = False) -> list[str]:
        """The payloads listed (only those the search leaves visible, if asked)."""
        found = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                item = group.child(j)
                if not (visible_only and item.isHidden()):
                    found.append(item.data(0, PAYLOAD_ROLE))
        return found

    def filter(self, text: str) -> None:
        """Show the entries whose name, category or formula contain every word of ``text``."""
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                item = group.child(j)
                match = all(w in item.data(0, SEARCH_ROLE) for w in words)
                item.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)
            group.setExpanded(True)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.ShortcutFocusReason)
        self.search.selectAll()

    def _activate(self, item: QTreeWidgetItem) -> None:
        payload = item.data(0, PAYLOAD_ROLE)
        if payload:
            self.activated.emit(payload)

    def _activate_first_visible(self) -> None:
        visible = self.entries(visible_only=True)
        if self.search.text().strip() and visible:
            self.activated.emit(visible[0])
