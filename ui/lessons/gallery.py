"""The Lessons entry at the top of the examples gallery: activating it (double-click or
Enter) shows the lesson dock instead of opening an example; its line says how many are done."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from ui.examples_panel import DESCRIPTION_ROLE, NAME_ROLE

TITLE = "Lessons"


class GalleryEntry(QObject):
    """Adds the entry to ``gallery`` and calls ``activate()`` when it is activated."""

    def __init__(self, gallery: QListWidget, activate: Callable[[], None]) -> None:
        super().__init__(gallery)
        self.gallery, self.activate = gallery, activate
        self.item = QListWidgetItem(TITLE)
        self.item.setData(NAME_ROLE, TITLE)
        self.item.setToolTip("Double-click to show the lessons")
        gallery.insertItem(0, self.item)
        gallery.installEventFilter(self)
        gallery.viewport().installEventFilter(self)

    def describe(self, done: list[str], total: int, errors: int) -> None:
        """The entry's line: lessons done (by number) and unreadable files."""
        text = f"Guided exercises along the CS231n notes, checked by the app: {len(done)} of {total} done"
        text += f" ({', '.join(done)})" if done else ""
        if errors:
            text += f"; {errors} lesson file(s) could not be read (see the Lesson dock)"
        self.item.setData(DESCRIPTION_ROLE, text + ".")

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind == QEvent.MouseButtonDblClick and watched is self.gallery.viewport():
            if self.gallery.itemAt(event.position().toPoint()) is self.item:
                self.activate()
                return True
        elif kind == QEvent.KeyPress and watched is self.gallery:
            entered = event.key() in (Qt.Key_Return, Qt.Key_Enter)
            if entered and self.gallery.currentItem() is self.item:
                self.activate()
                return True
        return False
