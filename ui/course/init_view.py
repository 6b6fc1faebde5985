"""The initialization experiment view (Course menu): a 10-layer MLP's activations and their
gradients, layer by layer, for tanh or ReLU and four weight scales.

Numbers from ``graphlab.course.init_experiment`` (an engine graph); this window only draws.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from graphlab.course.init_experiment import ACTIVATIONS, SCALES, run_experiment

SAMPLES = 500  # random inputs per run (the notes use 1000; 500 keeps a change under a second)
MEAN, STD = "#1f77b4", "#d62728"


class InitView(QWidget):
    """Histograms of every layer (activations above, gradients below) and mean/std curves."""

    def __init__(self, window=None) -> None:
        super().__init__()
        self.activation_box = QComboBox()
        self.activation_box.addItems(list(ACTIVATIONS))
        self.scale_box = QComboBox()
        for key, text in SCALES.items():
            self.scale_box.addItem(f"{key}: {text}", key)
        self.scale_box.setCurrentIndex(list(SCALES).index("xavier"))
        controls = QHBoxLayout()
        for text, box in (("activation", self.activation_box), ("weights", self.scale_box)):
            controls.addWidget(QLabel(text))
            controls.addWidget(box)
        self.summary = QLabel()
        controls.addWidget(self.summary, 1)
        self.histograms = pg.GraphicsLayoutWidget()
        self.histograms.setBackground("w")
        self.curves = {}
        summary_row = QHBoxLayout()
        for part in ("activations", "gradients"):
            plot = pg.PlotWidget(title=f"{part}: mean and std per layer")
            plot.setBackground("w")
            plot.addLegend(offset=(-10, -10))
            plot.setLabel("bottom", "layer")
            plot.setLogMode(y=False)
            self.curves[part] = (
                plot.plot([], [], pen=pg.mkPen(MEAN, width=2), symbol="o", name="mean"),
                plot.plot([], [], pen=pg.mkPen(STD, width=2), symbol="s", name="std"),
            )
            summary_row.addWidget(plot)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.histograms, 3)
        layout.addLayout(summary_row, 2)
        self.activation_box.currentIndexChanged.connect(self.refresh)
        self.scale_box.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Run the experiment for the chosen activation and scale and redraw."""
        self.result = run_experiment(
            self.activation_box.currentText(), self.scale_box.currentData(), samples=SAMPLES
        )
        layers = np.arange(1, len(self.result.activations.std) + 1)
        self.histograms.clear()
        for row, part in enumerate(("activations", "gradients")):
            stats = getattr(self.result, part)
            label = self.histograms.addLabel(part, row=row, col=0, angle=-90)
            label.setFixedWidth(24)
            for i in layers - 1:
                plot = self.histograms.addPlot(row=row, col=int(i) + 1)
                plot.setTitle(f"layer {i + 1}" if row == 0 else None, size="9pt")
                plot.hideAxis("left")
                plot.plot(
                    stats.edges[i],
                    stats.counts[i],
                    stepMode="center",
                    fillLevel=0,
                    brush="#1f77b4",
                    pen=None,
                )
                half = stats.edges[i][-1] / 2
                plot.getAxis("bottom").setTicks([[(-half, f"{-half:.2g}"), (half, f"{half:.2g}")]])
            mean_curve, std_curve = self.curves[part]
            mean_curve.setData(layers, stats.mean)
            std_curve.setData(layers, stats.std)
        act = self.result.activations.std
        self.summary.setText(
            f"  std of the activations: layer 1 {act[0]:.3g}, layer 10 {act[-1]:.3g} "
            f"(ratio {act[-1] / act[0]:.3g})"
        )
