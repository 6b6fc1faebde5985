"""Gradient check in the app: the engine's check of the current graph, coloured on the canvas.

Each checked input and parameter gets a frame coloured by its relative error (green below
1e-6, amber below 1e-4, red above) and a line in the panel; a click selects the node.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QListWidget, QListWidgetItem, QWidget

from engine.errors import GraphLabError
from engine.gradcheck import CheckResult, gradient_check
from graphlab.binding import sample_feeds
from graphlab.document import GraphDocument

NODE_ROLE = Qt.UserRole
#: (largest error, colour, verdict), checked in order
GRADES = (
    (1e-6, "#43a047", "ok"),
    (1e-4, "#ffb300", "suspicious"),
    (float("inf"), "#e53935", "wrong"),
)
CHECK_BATCH = 2


def grade(error: float) -> tuple[str, str]:
    """(colour, verdict) of a relative error."""
    return next((colour, verdict) for limit, colour, verdict in GRADES if error < limit)


def check_document(doc: GraphDocument) -> dict[str, CheckResult]:
    """The engine's gradient check of ``doc`` on its stored inputs or a small batch."""
    graph = doc.compile()
    return gradient_check(graph, sample_feeds(doc, batch=CHECK_BATCH), output=doc.loss_node(graph))


class GradientCheckPanel(QListWidget):
    """Lists the relative error of every checked node; ``nodeChosen(id)`` on a click."""

    nodeChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.frames: dict[str, QGraphicsRectItem] = {}
        self.results: dict[str, CheckResult] = {}
        self.itemClicked.connect(lambda item: self.nodeChosen.emit(item.data(NODE_ROLE) or ""))
        self.addItem("Press 'Gradient check' to compare the analytic and numerical gradients.")

    def run(self, doc: GraphDocument, scene) -> dict[str, CheckResult]:
        """Check ``doc`` now and show the results on ``scene`` and in the list."""
        self.clear_frames()
        self.clear()
        try:
            self.results = check_document(doc)
        except GraphLabError as exc:
            self.results = {}
            self.addItem(f"Gradient check failed: {exc}")
            return {}
        for nid, result in sorted(self.results.items(), key=lambda kv: -kv[1].error):
            colour, verdict = grade(result.error)
            text = (
                f"{nid} ({result.kind}): relative error {result.error:.2e} over "
                f"{result.checked} elements - {verdict}"
            )
            if result.kinks:
                text += f" ({result.kinks} left out at kinks)"
            item = QListWidgetItem(text)
            item.setData(NODE_ROLE, nid)
            item.setForeground(QColor(colour))
            self.addItem(item)
            if nid in scene.nodes:
                frame = QGraphicsRectItem(
                    scene.nodes[nid].sceneBoundingRect().adjusted(-6, -6, 6, 6)
                )
                frame.setPen(QPen(QColor(colour), 4.0))
                frame.setZValue(15.0)
                frame.setAcceptedMouseButtons(Qt.NoButton)
                frame.setToolTip(text)
                scene.addItem(frame)
                self.frames[nid] = frame
        if not self.results:
            self.addItem("Nothing to check: the graph has no float inputs or parameters.")
        return self.results

    def clear_frames(self) -> None:
        for frame in self.frames.values():
            if frame.scene() is not None:
                frame.scene().removeItem(frame)
        self.frames = {}
