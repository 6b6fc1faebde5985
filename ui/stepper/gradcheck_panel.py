"""Gradient check in the app: the engine's check of the current graph, coloured on the canvas.

The check runs as a background job on a copy of the document (a deep CNN takes a second or
two). Each checked input and parameter gets a frame coloured by its relative error (green
below 1e-6, amber below 1e-4, red above) and a line in the panel; a click selects the node.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QListWidget, QListWidgetItem, QWidget

from engine.gradcheck import CheckResult, gradient_check
from graphlab.binding import sample_feeds
from graphlab.document import GraphDocument
from graphlab.jobs import CANCELLED, FAILED, Job
from graphlab.names import display_names
from ui.jobs import JobWatcher

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
        self._scene = None
        self.jobs = JobWatcher(self)
        self.jobs.finished.connect(self._finished)

    def run(self, doc: GraphDocument, scene) -> None:
        """Check a copy of ``doc`` in the background (the window stays responsive); the results
        appear on ``scene`` and in the list when it ends, or its error as the list's one line."""
        if self.jobs.running:
            return
        self.clear_frames()
        self.clear()
        self.results = {}
        self.addItem("Checking gradients...")
        copy = doc.snapshot()
        self._scene = scene
        self.jobs.start(lambda job: check_document(copy), "checking the gradients")

    def _finished(self, job: Job) -> None:
        self.clear()
        if job.state == CANCELLED:
            self.addItem("The graph changed during the check: press 'Gradient check' again.")
            return
        if job.state == FAILED:
            self.addItem(f"Gradient check failed: {job.error}")
            return
        self.results, scene = job.result, self._scene
        names = display_names(scene.doc)
        for nid, result in sorted(self.results.items(), key=lambda kv: -kv[1].error):
            colour, verdict = grade(result.error)
            text = (
                f"{names.get(nid, nid)} ({result.kind}): relative error {result.error:.2e} over "
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

    def clear_frames(self) -> None:
        """Remove the frames (the graph changed); a running check's result is dropped."""
        self.jobs.cancel()
        for frame in self.frames.values():
            if frame.scene() is not None:
                frame.scene().removeItem(frame)
        self.frames = {}
