"""The loss-landscape window: the loss along the line from the initial to the trained weights,
and on a filter-normalized plane through the trained weights with the training path on it.

"Compute" trains a copy of the window's document for the chosen epochs and evaluates the
grid (:mod:`graphlab.course.landscape`) in a background job with progress and Cancel; the
document itself is not changed.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from graphlab.course.landscape import Landscape, train_with_path
from graphlab.jobs import DONE
from ui.course.common import contour_item, plot_widget
from ui.jobs import JobWatcher


class LandscapeView(QWidget):
    def __init__(self, window=None) -> None:
        super().__init__()
        self.window_ = window
        self.setWindowTitle("Loss landscape")
        self.epochs = QSpinBox(minimum=1, maximum=1000, value=5)
        self.size = QSpinBox(minimum=3, maximum=51, value=21, singleStep=2)
        self.size.setToolTip("grid points per side of the plane")
        self.compute = QPushButton("Train and compute")
        self.cancel = QPushButton("Cancel", enabled=False)
        self.progress = QProgressBar()
        self.status = QLabel("Trains a copy of the graph, then measures the training loss.")
        self.status.setWordWrap(True)
        controls = QHBoxLayout()
        for widget in (QLabel("Epochs"), self.epochs, QLabel("Grid"), self.size):
            controls.addWidget(widget)
        for widget in (self.compute, self.cancel, self.progress):
            controls.addWidget(widget)
        self.line_plot = plot_widget(
            "Loss from the initial (0) to the trained (1) weights", "alpha", "loss"
        )
        self.plane_plot = plot_widget(
            "Loss on a plane through the trained weights",
            "direction 1 (filter-normalized)",
            "direction 2",
        )
        plots = QHBoxLayout()
        plots.addWidget(self.line_plot, 1)
        plots.addWidget(self.plane_plot, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addLayout(plots, 1)
        #: watches the background computation (``job.running``)
        self.job = JobWatcher(self)
        self.job.changed.connect(self._progress)
        self.job.finished.connect(self._finished)
        self.compute.clicked.connect(self.start)
        self.cancel.clicked.connect(self.job.cancel)

    def start(self) -> None:
        doc = self.window_.doc.snapshot()
        epochs, size = self.epochs.value(), self.size.value()

        def work(job):
            job.say(f"training {epochs} epochs...")
            path = train_with_path(doc, epochs, cancelled=job.cancelled)
            landscape = Landscape(path)
            job.say("the line")
            alphas, line = landscape.line(progress=job.report, cancelled=job.cancelled)
            job.say("the plane")
            coords, grid = landscape.plane(size, progress=job.report, cancelled=job.cancelled)
            return alphas, line, coords, grid, landscape.project()

        self._running(True)
        self.job.start(work, "computing the loss landscape")

    def _running(self, running: bool) -> None:
        self.compute.setEnabled(not running)
        self.cancel.setEnabled(running)

    def _progress(self, job) -> None:
        done, total = job.progress or (0, 0)
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status.setText(f"{job.stage}: {done} of {total}" if total else job.stage)

    def _finished(self, job) -> None:
        self._running(False)
        if job.state == DONE:
            self.show_result(*job.result)
        else:
            self.status.setText(job.message())

    def show_result(self, alphas, line, coords, grid, path) -> None:
        """Draw the line (alphas (A,), losses (A,)), the plane (coords (S,), grid (S, S)
        indexed [beta, alpha]) and the projected path ((P, 2) plane coordinates)."""
        self.line_plot.clear()
        self.line_plot.plot(
            alphas, line, pen=pg.mkPen("#1f77b4", width=2), symbol="o", symbolSize=5
        )
        self.plane_plot.clear()
        lo, hi = float(coords[0]), float(coords[-1])
        step = (hi - lo) / max(len(coords) - 1, 1)
        window = (lo - step / 2, hi + step / 2, lo - step / 2, hi + step / 2)
        self.plane_plot.addItem(contour_item(np.asarray(grid), window))
        self.plane_plot.plot(
            path[:, 0],
            path[:, 1],
            pen=pg.mkPen("#d62728", width=2),
            symbol="o",
            symbolSize=4,
            symbolBrush="#d62728",
        )
        self.plane_plot.plot(
            [0], [0], pen=None, symbol="+", symbolSize=16, symbolPen=pg.mkPen("k", width=2)
        )
        self.plane_plot.setRange(xRange=window[:2], yRange=window[2:], padding=0)
        centre = grid[len(coords) // 2][len(coords) // 2]
        self.status.setText(
            f"loss {line[0]:.4f} at the initial weights, {line[-1]:.4f} trained "
            f"(the plane's centre: {centre:.4f}); range on the plane "
            f"{np.min(grid):.4f} .. {np.max(grid):.4f}. The red path is the training run projected onto the plane."
        )
