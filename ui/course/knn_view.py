"""The kNN regions view (Course menu): decision regions of 2-D points for k and L1/L2 (ties
white, as in the notes' figure); on the digits, a test image beside its k nearest training
images with their distances, and accuracy vs k by cross-validation.

Numbers from ``graphlab.course.knn_regions`` (the engine's kNN); this window only draws.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from graphlab.course.knn_regions import (
    K_RANGE,
    TIE,
    cross_validation,
    grid_over,
    nearest_images,
    region_labels,
)
from graphlab.course.linear import DEFAULT_BLOBS
from graphlab.datasets import blobs, digits, spiral
from ui.course.linear_plot import CLASS_COLOURS
from ui.course.pictures import Tile

REGION_COLOURS = np.array([[240, 150, 150], [150, 215, 150], [150, 180, 240]], dtype=np.ubyte)
WHITE = np.array([255, 255, 255], dtype=np.ubyte)
POINT_SETS = {
    "blobs (3 x 20)": lambda: blobs(classes=3, points=20, spread=0.5, seed=1),
    "spiral (3 x 30)": lambda: spiral(classes=3, points=30, seed=0),
    "the linear view's points (3 x 4)": lambda: blobs(**DEFAULT_BLOBS),
}
TRAIN_IMAGES = 1500  # digits: the first 1500 are the training set, the rest test images
NEIGHBOURS_SHOWN = 10
RESOLUTION = 160


class KnnRegionsView(QWidget):
    """Regions on the left; the digits' neighbours and cross-validation on the right."""

    def __init__(self, window=None) -> None:
        super().__init__()
        self.k_box = QSpinBox()
        self.k_box.setRange(*K_RANGE)
        self.k_box.setValue(5)
        self.metric_box = QComboBox()
        self.metric_box.addItem("L2 (Euclidean)", "l2")
        self.metric_box.addItem("L1 (Manhattan)", "l1")
        self.points_box = QComboBox()
        self.points_box.addItems(list(POINT_SETS))
        self.test_box = QSpinBox()
        controls = QHBoxLayout()
        for text, box in (
            ("k", self.k_box),
            ("distance", self.metric_box),
            ("points", self.points_box),
            ("test digit #", self.test_box),
        ):
            controls.addWidget(QLabel(text))
            controls.addWidget(box)
        controls.addStretch(1)
        self.regions = pg.PlotWidget(title="Decision regions (white: a tied vote)")
        self.regions.setBackground("w")
        self.regions.setAspectLocked(True)
        self.region_image = pg.ImageItem(axisOrder="row-major")
        self.regions.addItem(self.region_image)
        self.scatter = pg.ScatterPlotItem(size=9, pen=pg.mkPen("k", width=1))
        self.regions.addItem(self.scatter)
        right = QVBoxLayout()
        self.prediction = QLabel()
        right.addWidget(self.prediction)
        right.addLayout(self._neighbour_tiles())
        self.cv_plot = pg.PlotWidget(title="5-fold cross-validation on digits")
        self.cv_plot.setBackground("w")
        self.cv_plot.setLabel("bottom", "k")
        self.cv_plot.setLabel("left", "validation accuracy")
        self.cv_plot.getAxis("left").enableAutoSIPrefix(False)
        right.addWidget(self.cv_plot, 1)
        body = QHBoxLayout()
        body.addWidget(self.regions, 1)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(body, 1)
        data = digits()
        self.images, self.labels = data.X.astype(np.float64), data.y
        self.test_box.setRange(0, len(self.labels) - TRAIN_IMAGES - 1)
        for box in (self.k_box, self.test_box):
            box.valueChanged.connect(self.refresh)
        for box in (self.metric_box, self.points_box):
            box.currentIndexChanged.connect(self.refresh)
        self.metric_box.currentIndexChanged.connect(self.show_cross_validation)
        self.refresh()
        self.show_cross_validation()

    def _neighbour_tiles(self) -> QGridLayout:
        grid = QGridLayout()
        self.test_tile = Tile(96)
        grid.addWidget(self.test_tile, 0, 0, 2, 1)
        self.tiles = []
        for i in range(NEIGHBOURS_SHOWN):
            tile = Tile(64)
            grid.addWidget(tile, i // 5, 1 + i % 5)
            self.tiles.append(tile)
        return grid

    @property
    def metric(self) -> str:
        return self.metric_box.currentData()

    def refresh(self) -> None:
        """Redraw the regions and the test digit's neighbours for the current settings."""
        data = POINT_SETS[self.points_box.currentText()]()
        k = min(self.k_box.value(), len(data.y))
        grid = grid_over(data.X, RESOLUTION)
        self.labels_shown = region_labels(data.X, data.y, grid, k, self.metric)
        rgb = np.where(
            (self.labels_shown == TIE)[..., None], WHITE, REGION_COLOURS[self.labels_shown]
        )
        self.region_image.setImage(rgb, levels=(0, 255))
        low, high = grid[0, 0], grid[-1, -1]
        self.region_image.setRect(low[0], low[1], high[0] - low[0], high[1] - low[1])
        brushes = [pg.mkBrush(CLASS_COLOURS[int(c)]) for c in data.y]
        self.scatter.setData(pos=data.X, brush=brushes)
        self._show_neighbours(self.k_box.value())

    def _show_neighbours(self, k: int) -> None:
        index = TRAIN_IMAGES + self.test_box.value()
        test = self.images[index]
        near = nearest_images(
            self.images[:TRAIN_IMAGES], self.labels[:TRAIN_IMAGES], test, k, self.metric
        )
        self.neighbours = near
        self.test_tile.show_image(test[0], f"test: {self.labels[index]}")
        verdict = "right" if near.prediction == self.labels[index] else "wrong"
        self.prediction.setText(
            f"<b>The {k} nearest training digits vote {near.prediction}</b> ({verdict}); "
            f"the first {min(k, NEIGHBOURS_SHOWN)} are shown with their "
            f"{self.metric.upper()} distances."
        )
        for i, tile in enumerate(self.tiles):
            tile.setVisible(i < k)
            if i < k:
                caption = f"{near.labels[i]}  d={near.distances[i]:.0f}"
                tile.show_image(self.images[near.indices[i]][0], caption)

    def show_cross_validation(self) -> None:
        """Accuracy of each k on each fold (dots) and their mean (line) on the training digits."""
        ks = np.arange(K_RANGE[0], K_RANGE[1] + 1)
        self.cv = cross_validation(
            self.images[:TRAIN_IMAGES], self.labels[:TRAIN_IMAGES], ks, folds=5, metric=self.metric
        )
        plot = self.cv_plot
        plot.clear()
        spots_x = np.repeat(self.cv.ks, self.cv.folds.shape[1])
        plot.plot(
            spots_x,
            self.cv.folds.reshape(-1),
            pen=None,
            symbol="o",
            symbolSize=6,
            symbolBrush="#1f77b4",
        )
        plot.plot(self.cv.ks, self.cv.mean, pen=pg.mkPen("#d62728", width=2))
        plot.setTitle(f"5-fold cross-validation on digits: best k = {self.cv.best_k}")
