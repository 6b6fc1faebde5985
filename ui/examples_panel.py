"""The examples gallery: every bundled example with its description; activating one opens it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from graphlab.examples import list_examples

NAME_ROLE = Qt.UserRole


class ExamplesPanel(QListWidget):
    """``exampleChosen(name)`` on double-click or Enter (opening replaces the document)."""

    exampleChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.setSpacing(2)
        for name, description in list_examples():
            item = QListWidgetItem(f"{name}\n{description}")
            item.setData(NAME_ROLE, name)
            item.setToolTip(f"Double-click to open {name}: {description}")
            self.addItem(item)
        self.itemActivated.connect(lambda item: self.exampleChosen.emit(item.data(NAME_ROLE)))

    def names(self) -> list[str]:
        return [self.item(i).data(NAME_ROLE) for i in range(self.count())]
