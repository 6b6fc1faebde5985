"""Gradient flow: dots travelling along each edge from its consumer back to its source.

One QTimer (about 60 frames per second) moves every dot; a dot's size and speed grow with
the log of its gradient's mean magnitude, so large gradients are big and fast and vanishing
ones small and slow. Edges start in the order of the backward events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem

from engine.backend import to_numpy
from engine.graph import TraceEvent
from ui.stepper.labels import GRAD_COLOUR, LABEL_Z

FRAME_MS = 16
#: delay between the starts of consecutive backward events, and the cap on all delays
STAGGER_MS, MAX_DELAY_MS = 150, 1200
#: travel time of the smallest and of the largest gradient
SLOW_MS, FAST_MS = 1400, 450
SMALL_R, LARGE_R = 2.5, 8.0


def magnitude(grad) -> float:
    """log10 of the mean absolute value (-inf for an all-zero gradient)."""
    mean = float(np.mean(np.abs(to_numpy(grad))))
    return math.log10(mean) if mean > 0 else -math.inf


@dataclass
class Pulse:
    item: QGraphicsEllipseItem
    path: object  # QPainterPath of the edge, source -> consumer
    start_ms: float
    duration_ms: float


class GradientPulses(QObject):
    """Animates the backward events of a trace over ``scene``'s edges; ``finished`` at the end."""

    finished = Signal()

    def __init__(self, scene, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scene = scene
        self.enabled = True
        self.pulses: list[Pulse] = []
        self.frames = 0
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._frame)
        self.clock = QElapsedTimer()

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    def start(self, events: list[TraceEvent]) -> None:
        """Launch one dot per gradient sent along an edge by the backward ``events``."""
        self.stop()
        if not self.enabled:
            return
        edges = {(e.dst, e.port): item for e, item in self.scene.edges.items()}
        sends = [
            (order, edges[(event.node, port)], magnitude(grad))
            for order, event in enumerate(e for e in events if e.phase == "backward")
            for port, grad in event.input_grads.items()
            if (event.node, port) in edges
        ]
        finite = [m for _, _, m in sends if math.isfinite(m)]
        low, high = (min(finite), max(finite)) if finite else (0.0, 0.0)
        for order, edge_item, mag in sends:
            t = (mag - low) / (high - low) if high > low and math.isfinite(mag) else 0.5
            if not math.isfinite(mag):
                continue  # no gradient flows here: nothing to draw
            radius = SMALL_R + (LARGE_R - SMALL_R) * t
            item = QGraphicsEllipseItem(-radius, -radius, 2 * radius, 2 * radius)
            colour = QColor(GRAD_COLOUR)
            colour.setAlphaF(0.55 + 0.45 * t)
            item.setBrush(colour)
            item.setPen(QPen(QColor(255, 255, 255, 160), 0))
            item.setZValue(LABEL_Z - 2)
            item.hide()
            self.scene.addItem(item)
            delay = min(order * STAGGER_MS, MAX_DELAY_MS)
            duration = SLOW_MS + (FAST_MS - SLOW_MS) * t
            self.pulses.append(Pulse(item, edge_item.path(), delay, duration))
        self.frames = 0
        self.clock.start()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        for pulse in self.pulses:
            if pulse.item.scene() is not None:
                pulse.item.scene().removeItem(pulse.item)
        self.pulses = []

    def _frame(self) -> None:
        now = self.clock.elapsed()
        self.frames += 1
        alive = False
        for pulse in self.pulses:
            f = (now - pulse.start_ms) / pulse.duration_ms
            if 0.0 <= f <= 1.0:
                pulse.item.setPos(pulse.path.pointAtPercent(1.0 - f))
                pulse.item.show()
            else:
                pulse.item.hide()
            alive = alive or f <= 1.0
        if not alive:
            self.stop()
            self.finished.emit()
