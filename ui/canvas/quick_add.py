"""Quick add: a search box at the cursor over every op and layer template (double-click on
the empty canvas, or Tab). Typing filters by name, category and description; Up/Down and
Enter choose; Esc closes. The chosen node lands at the cursor as one undo step.

Opened from a wire dragged into empty space, the box lists only the entries with a port that
takes that wire (``only``) and the caller connects the chosen node (``chosen`` callback).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from engine.ops.base import fmt
from graphlab.wire_targets import wire_targets
from ui.canvas.node_item import NODE_WIDTH, TITLE_H
from ui.palette import palette_entries

PAYLOAD_ROLE = Qt.UserRole
BOX_W, BOX_H = 280, 300


def search_entries() -> list[tuple[str, str, str, str]]:
    """(shown text, payload, tooltip, words to search) of every op and template."""
    found = []
    for category, entries in palette_entries().items():
        for label, payload, tooltip, words in entries:
            found.append(
                (f"{label}  ·  {category}", payload, tooltip, f"{words} {category}".lower())
            )
    return found


def rank(words: list[str], label: str, searched: str) -> int | None:
    """Where an entry sorts for the typed ``words`` (None: it does not match): names that
    start with the first word first, then names containing it, then the rest."""
    if not all(w in searched for w in words):
        return None
    if not words:
        return 2
    name = label.split("  ·  ")[0].lower()
    return 0 if name.startswith(words[0]) else 1 if words[0] in name else 2


class QuickAdd(QFrame):
    """The search box over ``view``'s viewport."""

    def __init__(self, view) -> None:
        super().__init__(view.viewport())
        self.view = view
        self.setFrameShape(QFrame.StyledPanel)
        self.setAutoFillBackground(True)
        self.title = QLabel("Add a node")
        self.search = QLineEdit(placeholderText="Type to search ops and layers")
        self.list = QListWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for widget in (self.title, self.search, self.list):
            layout.addWidget(widget)
        self.resize(BOX_W, BOX_H)
        self.entries: list[tuple[str, str, str, str]] = []  # filled when first opened
        self.search.textChanged.connect(self.filter)
        self.search.installEventFilter(self)
        self.list.itemActivated.connect(lambda item: self.choose(item.data(PAYLOAD_ROLE)))
        self.at = QPointF()
        self.only: set[str] | None = None
        self.chosen: Callable[[str, QPointF], None] | None = None
        self.hide()

    def open_at(self, view_pos: QPoint, only=None, chosen=None, title: str = "Add a node") -> None:
        """Show the box at viewport point ``view_pos`` (the node lands there); ``only``
        limits the payloads listed; ``chosen(payload, scene_pos)`` replaces the plain add."""
        if not self.entries:
            self.entries = search_entries()
        self.at = self.view.mapToScene(view_pos)
        self.only, self.chosen = (None if only is None else set(only)), chosen
        self.title.setText(title)
        area = self.view.viewport().rect()
        x = min(max(0, view_pos.x()), max(0, area.width() - self.width()))
        y = min(max(0, view_pos.y()), max(0, area.height() - self.height()))
        self.move(x, y)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.filter("")
        self.show()
        self.raise_()
        self.search.setFocus(Qt.PopupFocusReason)

    def open_for_wire(self, src: str, at: QPointF) -> None:
        """A wire from ``src`` was dropped at scene point ``at``: list what can take it; the
        choice lands there, wired (one undo step)."""
        doc = self.view.scene().doc
        targets = wire_targets(doc, src)
        shape = doc.analysis().shapes.get(src)
        what = f"{src} {fmt(shape)}" if shape is not None else src
        if not targets:
            self.view.scene().wiring.show_message(f"No op or layer takes {what}.", at)
            return
        corner = at - QPointF(NODE_WIDTH / 2, TITLE_H / 2)

        def chosen(payload: str, _at: QPointF) -> None:
            self.view.editor.add_wired(payload, corner, src, targets[payload])

        self.open_at(self.view.mapFromScene(at), targets, chosen, f"Add a node taking {what}")

    def filter(self, text: str) -> None:
        """List the entries matching every typed word, best first (names starting with the
        first word, then names containing it, then the rest, each in palette order)."""
        words = text.lower().split()
        found = []
        for index, (shown, payload, _, searched) in enumerate(self.entries):
            place = (
                None
                if self.only is not None and payload not in self.only
                else rank(words, shown, searched)
            )
            if place is not None:
                found.append((place, index))
        self.list.clear()
        for _, index in sorted(found):
            shown, payload, tooltip, _ = self.entries[index]
            item = QListWidgetItem(shown)
            item.setData(PAYLOAD_ROLE, payload)
            item.setToolTip(tooltip)
            self.list.addItem(item)
        self.list.setCurrentRow(0 if found else -1)

    def visible_payloads(self) -> list[str]:
        """The payloads listed now, in list order."""
        return [self.list.item(r).data(PAYLOAD_ROLE) for r in range(self.list.count())]

    def eventFilter(self, watched, event) -> bool:
        if watched is self.search and event.type() == QEvent.KeyPress:
            key = event.key()
            if key in (Qt.Key_Up, Qt.Key_Down):
                self._step(-1 if key == Qt.Key_Up else 1)
                return True
            if key in (Qt.Key_Return, Qt.Key_Enter):
                item = self.list.currentItem()
                if item is not None:
                    self.choose(item.data(PAYLOAD_ROLE))
                return True
            if key == Qt.Key_Escape:
                self.close_box()
                return True
        return super().eventFilter(watched, event)

    def _step(self, delta: int) -> None:
        if self.list.count():
            row = self.list.currentRow() + delta
            self.list.setCurrentRow(max(0, min(row, self.list.count() - 1)))

    def choose(self, payload: str) -> None:
        """Add ``payload`` at the cursor (through the guard, as one undo step) and close."""
        chosen, at = self.chosen, self.at
        self.close_box()
        if chosen is not None:
            self.view.guard.run("Add a node", chosen, payload, at)
        else:
            self.view.guard.run("Add a node", self.view.add_at, payload, at)

    def close_box(self) -> None:
        self.hide()
        self.only = self.chosen = None
        self.view.setFocus()
