"""The problems list: one line per node the document's analysis finds fault with; a click
selects it. :func:`follow_analysis` is how a panel keeps up with the document's analysis."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle, QWidget

from graphlab.analysis import Analysis
from graphlab.binding import inputs_without_values
from graphlab.changes import STRUCTURE, ChangeKind
from graphlab.document import GraphDocument
from graphlab.names import display_names, with_labels

NODE_ROLE = Qt.UserRole
#: whether a line is an input without a value (a click puts the keyboard on its value)
VALUE_ROLE = Qt.UserRole + 1
NO_VALUE = "no value: click here to set it in the inspector"
EMPTY_TEXT = "No problems: every node is connected and its shapes fit."


def follow_analysis(
    owner: QObject, doc: GraphDocument, show: Callable[[Analysis], None], kinds=STRUCTURE
) -> QTimer:
    """Call ``show(doc.analysis())`` soon, then once after each burst of changes of ``kinds``
    (coalesced by a zero-time timer owned by ``owner``), until ``owner`` is deleted."""
    timer = QTimer(owner)
    timer.setSingleShot(True)
    timer.setInterval(0)
    timer.timeout.connect(lambda: show(doc.analysis()))

    def changed(_change) -> None:
        if shiboken6.isValid(timer):
            timer.start()
        else:  # Qt deleted the owner
            with contextlib.suppress(ValueError):
                doc.unsubscribe(changed)

    doc.subscribe(changed, kinds)
    timer.start()  # the analysis there is now
    return timer


class ProblemsPanel(QListWidget):
    """Lists ``analysis.problems`` (of ``doc``'s analysis, followed when given) and, with a
    document, its inputs without values, nodes named by their labels; ``nodeChosen(node id)``
    when a line is clicked (``valueWanted(node id)`` too for a missing value), ``shown``
    after each new analysis."""

    nodeChosen = Signal(str)
    valueWanted = Signal(str)
    shown = Signal()

    def __init__(self, doc: GraphDocument | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc = doc
        if doc is not None:
            kinds = STRUCTURE | {ChangeKind.INPUT_CHANGED, ChangeKind.DATASET_CHANGED}
            follow_analysis(self, doc, self.set_analysis, kinds)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.problems: dict[str, str] = {}
        #: the most recently appeared problem, as "node: message" ("" when there is none)
        self.latest = ""
        self.itemClicked.connect(self._choose)
        self.itemActivated.connect(self._choose)

    def set_analysis(self, analysis: Analysis) -> None:
        """Show the problems of a new analysis and update :attr:`latest`."""
        problems = dict(analysis.problems)
        missing = [] if self.doc is None else inputs_without_values(self.doc)
        for nid in missing:
            problems.setdefault(nid, NO_VALUE)
        names = {} if self.doc is None else display_names(self.doc)
        if self.doc is not None:
            problems = {nid: with_labels(self.doc, text) for nid, text in problems.items()}
        new = [nid for nid in problems if self.problems.get(nid) != problems[nid]]
        self.problems = problems
        line = {nid: f"{names.get(nid, nid)}: {text}" for nid, text in problems.items()}
        if new:
            self.latest = line[new[-1]]
        elif self.latest not in line.values():
            self.latest = next(iter(line.values()), "")
        self.clear()
        icon = self.style().standardIcon(QStyle.SP_MessageBoxWarning)
        for nid, message in self.problems.items():
            item = QListWidgetItem(icon, line[nid])
            item.setData(NODE_ROLE, nid)
            item.setData(VALUE_ROLE, message == NO_VALUE)
            item.setToolTip(message)
            self.addItem(item)
        self.shown.emit()

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
        if item.data(VALUE_ROLE):
            self.valueWanted.emit(item.data(NODE_ROLE))
