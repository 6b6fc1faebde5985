"""The training panel's dataset preview: a few samples (images tiled, or the 2-D points by
class) and the class balance."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from ui.training.images import ImagePlot, as_rgb, tile


class DatasetPreview(QWidget):
    """A few samples (images tiled, or the 2-D points) and the class balance as bars."""

    SAMPLES = 8

    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.samples = ImagePlot("Samples")
        self.scatter = pg.PlotWidget(title="Samples")
        self.balance = pg.PlotWidget(title="Class balance")
        for plot in (self.samples, self.scatter, self.balance):
            plot.setMinimumHeight(110)
            layout.addWidget(plot)
        self.bars: pg.BarGraphItem | None = None
        self.counts = np.zeros(0)

    def show_dataset(self, dataset) -> None:
        self.samples.setVisible(dataset.is_image)
        self.scatter.setVisible(not dataset.is_image)
        if dataset.is_image:
            picks = np.linspace(0, len(dataset) - 1, self.SAMPLES).astype(int)
            self.samples.show_rgb(tile(as_rgb(dataset.X[picks]), self.SAMPLES // 2))
        else:  # the points by class, one colour each
            self.scatter.clear()
            for label in range(dataset.num_classes):
                points = dataset.X[dataset.y == label]
                self.scatter.plot(points[:, 0], points[:, -1], pen=None, symbolSize=3,
                                  symbolPen=None, name=str(label),
                                  symbolBrush=pg.intColor(label, max(dataset.num_classes, 3)))  # fmt: skip
        self.counts = np.bincount(dataset.y, minlength=dataset.num_classes)
        if self.bars is not None:
            self.balance.removeItem(self.bars)
        self.bars = pg.BarGraphItem(x=np.arange(len(self.counts)), height=self.counts, width=0.8)
        self.balance.addItem(self.bars)
        self.balance.getAxis("bottom").setTicks(
            [list(enumerate(dataset.class_names))] if len(self.counts) <= 12 else None
        )

    def clear(self) -> None:
        """No dataset: nothing to preview."""
        self.samples.clear_image()
        self.scatter.clear()
        self.counts = np.zeros(0)
        if self.bars is not None:
            self.balance.removeItem(self.bars)
            self.bars = None
