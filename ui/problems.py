"""The problems list: one line per node the analysis finds fault with; a click selects it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QWidget

from graphlab.analysis import Analysis

NODE_ROLE = Qt.UserRole
EMPTY_TEXT = "No problems: every node is connected and its shapes fit."


class ProblemsPanel(QListWidget):
    """Lists ``analysis.problems``; ``nodeChosen(node id)`` when a line is clicked."""

    nodeChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.problems: dict[str, str] = {}
        #: the most recently appeared problem, as "node: message" ("" when there is none)
        self.latest = ""
        self.itemClicked.connect(self._choose)
        self.itemActivated.connect(self._choose)

    def set_analysis(self, analysis: Analysis) -> None:
        """Show the problems of a new analysis and update :attr:`latest`."""
        new = [nid for nid in analysis.problems if self.problems.get(nid) != analysis.problems[nid]]
        self.problems = dict(analysis.problems)
        if new:
            self.latest = f"{new[-1]}: {self.problems[new[-1]]}"
        elif self.latest.split(":", 1)[0] not in self.problems:
            first = next(iter(self.problems), None)
            self.latest = f"{first}: {self.problems[first]}" if first else ""
        self.clear()
        icon = self.style().standardIcon(QStyle.SP_MessageBoxWarning)
        for nid, message in self.problems.items():
            item = QListWidgetItem(icon, f"{nid}: {message}")
            item.setData(NODE_ROLE, nid)
            item.setToolTip(message)
            self.addItem(item)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.count() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.PlaceholderText))
            painter.drawText(
                self.viewport().rect().adjusted(8, 8, -8, -8), Qt.TextWordWrap, EMPTY_TEXT
            )

    def _choose(self, item: QListWidgetItem) -> None:
        self.nodeChosen.emit(item.data(NODE_ROLE))
