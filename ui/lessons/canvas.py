"""What a lesson step points at on the canvas: a frame around each node it asks about and,
for a gradient, a glow along the wires leaving the node (the way the gradient comes back)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsRectItem

LESSON_COLOUR = QColor(90, 70, 220)
FRAME_Z, GLOW_Z = 40.0, -1.0


class LessonHighlight:
    """Frames and wire glows over ``scene`` (a GraphScene) for the current step."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self.items: list = []
        self.nodes: list[str] = []
        self.gradient = False

    def show(self, nodes: list[str], gradient: bool = False) -> None:
        """Frame ``nodes`` (those the scene has); with ``gradient`` also their output wires."""
        self.clear()
        self.nodes, self.gradient = [n for n in nodes if n in self.scene.nodes], gradient
        for nid in self.nodes:
            frame = QGraphicsRectItem(
                self.scene.nodes[nid].sceneBoundingRect().adjusted(-7, -7, 7, 7)
            )
            pen = QPen(LESSON_COLOUR, 3.0, Qt.DashLine)
            pen.setCosmetic(True)
            frame.setPen(pen)
            frame.setZValue(FRAME_Z)
            self._add(frame)
        for edge, item in self.scene.edges.items() if gradient else ():
            if edge.src in self.nodes:
                glow = QGraphicsPathItem(item.path())
                glow.setPos(item.pos())
                colour = QColor(LESSON_COLOUR)
                colour.setAlpha(90)
                glow.setPen(QPen(colour, 9.0, Qt.SolidLine, Qt.RoundCap))
                glow.setZValue(GLOW_Z)
                self._add(glow)

    def follow(self) -> None:
        """Draw again after the graph changed or a node moved."""
        if self.nodes:
            self.show(self.nodes, self.gradient)

    def _add(self, item) -> None:
        item.setAcceptedMouseButtons(Qt.NoButton)
        self.scene.addItem(item)
        self.items.append(item)

    def clear(self) -> None:
        for item in self.items:
            if item.scene() is self.scene:
                self.scene.removeItem(item)
        self.items, self.nodes = [], []
