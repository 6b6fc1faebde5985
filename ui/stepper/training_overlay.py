"""While training: edges drawn by gradient norm (log scale, with a legend) and saturation badges.

The training dashboard calls :func:`show_gradient_norms` with a StatsEvent's ``grad_norms``
and :func:`show_saturation` with :func:`saturation_from_histograms` of its activation
histograms, on the UI thread, a few times per second.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QWidget

from ui.canvas.badge import TagItem
from ui.stepper.labels import CHIP_PT, LABEL_Z

#: decades shown below the largest norm (smaller norms get the faintest colour)
DECADES = 6
THIN, THICK = 1.0, 9.0
#: (op, what is counted): the activations whose saturation a badge shows
SATURATING = {"sigmoid": "saturated", "tanh": "saturated", "relu": "dead"}
#: what a badge's fraction means, for its tooltip
SATURATION_MEANING = {
    "saturated": "were in the flat tails, where the local gradient is near 0",
    "dead": "were 0, so no gradient flowed back through them",
}


def norm_colour(t: float) -> QColor:
    """Dark violet (vanishing, t=0) through red to bright yellow (largest, t=1)."""
    t = min(max(t, 0.0), 1.0)
    return QColor.fromHsvF((0.75 + 0.42 * t) % 1.0, 0.85, 0.3 + 0.7 * t)


def log_scale(norms: dict[str, float]) -> tuple[float, float]:
    """(lowest, highest) log10 norm of the scale: the top decade and DECADES below it."""
    logs = [math.log10(v) for v in norms.values() if v > 0 and math.isfinite(v)]
    high = math.ceil(max(logs)) if logs else 0.0
    return high - DECADES, high


def saturation_from_histograms(
    ops: dict[str, str], histograms: dict
) -> dict[str, tuple[str, float]]:
    """node -> (word, fraction) from activation histograms (engine.metrics.Histogram):
    sigmoid below 0.05 or above 0.95, tanh beyond +-0.95, relu in the bin of 0 (dead)."""
    result = {}
    for nid, hist in histograms.items():
        op = ops.get(nid)
        if op not in SATURATING or hist.counts.sum() == 0:
            continue
        centres = (hist.edges[:-1] + hist.edges[1:]) / 2
        if op == "sigmoid":
            hit = (centres < 0.05) | (centres > 0.95)
        elif op == "tanh":
            hit = np.abs(centres) > 0.95
        else:  # the bin holding 0 (a histogram cannot tell 0 from tiny positive values)
            hit = (hist.edges[:-1] <= 0) & (hist.edges[1:] >= 0)
        result[nid] = (SATURATING[op], float(hist.counts[hit].sum() / hist.counts.sum()))
    return result


class NormLegend(QWidget):
    """The colour bar of the log scale, in the canvas's lower left corner."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.low, self.high = -6.0, 0.0
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.resize(250, 46)
        self.hide()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.setBrush(QColor(20, 24, 28, 220))
        p.setPen(Qt.NoPen)
        p.drawRoundedRect(QRectF(self.rect()), 4, 4)
        bar = QRectF(10, 22, self.width() - 20, 10)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for i in range(11):
            gradient.setColorAt(i / 10, norm_colour(i / 10))
        p.setBrush(gradient)
        p.drawRect(bar)
        p.setPen(QColor("#e0e0e0"))
        font = QFont()
        font.setPointSizeF(8.0)
        p.setFont(font)
        p.drawText(QRectF(10, 3, bar.width(), 16), Qt.AlignLeft, "gradient norm (log scale)")
        p.drawText(QRectF(10, 32, 80, 14), Qt.AlignLeft, f"1e{int(self.low)}")
        p.drawText(QRectF(bar.right() - 80, 32, 80, 14), Qt.AlignRight, f"1e{int(self.high)}")


class TrainingOverlay:
    """Edge strokes and badges over a window's canvas; ``legend`` sits on its viewport."""

    def __init__(self, window) -> None:
        self.window = window
        self.strokes: dict[object, QGraphicsPathItem] = {}
        self.badges: dict[str, TagItem] = {}
        self.legend = NormLegend(window.view.viewport())
        self.norms: dict[str, float] = {}

    def show_norms(self, norms: dict[str, float]) -> None:
        """Stroke each edge leaving a node of ``norms`` by that norm (width and colour)."""
        scene = self.window.scene
        self.norms = dict(norms)
        low, high = log_scale(norms)
        for edge, item in scene.edges.items():
            stroke = self.strokes.get(edge)
            if edge.src not in norms:
                if stroke is not None:
                    stroke.hide()
                continue
            if stroke is None or stroke.scene() is not scene:
                stroke = self.strokes[edge] = QGraphicsPathItem()
                stroke.setZValue(-0.5)
                stroke.setAcceptedMouseButtons(Qt.NoButton)
                scene.addItem(stroke)
            value = norms[edge.src]
            t = (math.log10(value) - low) / (high - low) if value > 0 else 0.0
            t = min(max(t, 0.0), 1.0)
            pen = QPen(norm_colour(t), THIN + (THICK - THIN) * t)
            pen.setCapStyle(Qt.RoundCap)
            stroke.setPen(pen)
            stroke.setPath(item.path())
            stroke.setToolTip(f"{edge.src}: gradient norm {value:.3g}")
            stroke.show()
        self.legend.low, self.legend.high = low, high
        self.legend.move(10, self.legend.parentWidget().height() - self.legend.height() - 10)
        self.legend.show()
        self.legend.update()

    def show_saturation(self, fractions: dict[str, tuple[str, float]]) -> None:
        """A badge ("saturated 87%", "dead 40%") over each node of ``fractions``."""
        scene = self.window.scene
        for nid, (word, fraction) in fractions.items():
            if nid not in scene.nodes:
                continue
            badge = self.badges.get(nid)
            if badge is None or badge.scene() is not scene:
                badge = self.badges[nid] = TagItem(CHIP_PT)
                badge.setZValue(LABEL_Z)
                scene.addItem(badge)
            badge.set_warning(fraction > 0.5)
            badge.setText(f"{word} {fraction:.0%}")
            badge.setToolTip(
                f"{nid}: on the last statistics batch {fraction:.0%} of its outputs "
                f"{SATURATION_MEANING[word]}"
            )
            badge.show()
        self._place_badges()

    def place(self) -> None:
        """Follow the nodes (after a move)."""
        if self.norms:
            self.show_norms(self.norms)
        self._place_badges()

    def _place_badges(self) -> None:
        for nid, badge in self.badges.items():
            if nid in self.window.scene.nodes:
                rect = self.window.scene.nodes[nid].sceneBoundingRect()
                badge.setPos(rect.left(), rect.top())  # the tag sits just above the node

    def clear(self) -> None:
        for item in [*self.strokes.values(), *self.badges.values()]:
            if item.scene() is not None:
                item.scene().removeItem(item)
        self.strokes, self.badges, self.norms = {}, {}, {}
        self.legend.hide()
