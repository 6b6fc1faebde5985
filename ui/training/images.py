"""Image plots of the dashboard: learned filters, activation maps, the confusion matrix and the
misclassified validation samples, each a pyqtgraph ImageItem fed by a tiled RGB array."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

GAP = 1  # pixels between tiles


def normalise(images: np.ndarray) -> np.ndarray:
    """Each image of (N, ...) scaled to [0, 1] on its own (a constant image becomes 0.5)."""
    images = np.asarray(images, dtype=np.float32)
    flat = images.reshape(len(images), -1)
    low, high = flat.min(axis=1), flat.max(axis=1)
    span = np.where(high > low, high - low, 1.0)
    scaled = (flat - low[:, None]) / span[:, None]
    scaled[high <= low] = 0.5
    return scaled.reshape(images.shape)


def as_rgb(images: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, H, W, 3) in [0, 1]: RGB for 3 channels, else the channel mean in grey.

    Each image is normalised on its own.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[:, None]
    if images.shape[1] != 3:
        images = images.mean(axis=1, keepdims=True)
    rgb = normalise(images).transpose(0, 2, 3, 1)
    return np.repeat(rgb, 3, axis=3) if rgb.shape[3] == 1 else rgb


def tile(rgb: np.ndarray, columns: int | None = None) -> np.ndarray:
    """(N, H, W, 3) -> one (rows*(H+GAP), columns*(W+GAP), 3) image, tiles in reading order."""
    count, height, width = rgb.shape[:3]
    columns = columns or max(1, int(np.ceil(np.sqrt(count))))
    rows = max(1, -(-count // columns))
    out = np.full((rows * (height + GAP), columns * (width + GAP), 3), 0.15, dtype=np.float32)
    for index in range(count):  # at most a few hundred small tiles
        r, c = divmod(index, columns)
        top, left = r * (height + GAP), c * (width + GAP)
        out[top : top + height, left : left + width] = rgb[index]
    return out


class ImagePlot(pg.PlotWidget):
    """A titled plot showing one RGB image (row-major, first row at the top)."""

    def __init__(self, title: str) -> None:
        super().__init__(title=title)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.getViewBox().invertY(True)
        self.getViewBox().setAspectLocked(True)
        self.hideAxis("bottom")
        self.hideAxis("left")
        self.shape: tuple[int, ...] = ()
        self.texts: list[pg.TextItem] = []

    def show_rgb(self, rgb: np.ndarray) -> None:
        self.image.setImage((np.clip(rgb, 0, 1) * 255).astype(np.uint8), levels=(0, 255))
        if rgb.shape != self.shape:
            self.shape = rgb.shape
            self.autoRange(padding=0.02)

    def clear_image(self) -> None:
        self.image.clear()
        self.set_texts([])
        self.shape = ()

    def set_texts(self, items: list[tuple[str, float, float]], color="w") -> None:
        """Text labels at (x, y) image coordinates, replacing the previous ones."""
        for text in self.texts:
            self.removeItem(text)
        self.texts = []
        for label, x, y in items:
            text = pg.TextItem(label, color=color, anchor=(0.5, 0.5))
            text.setPos(x, y)
            self.addItem(text)
            self.texts.append(text)


class FilterGrid(ImagePlot):
    """The filters (F, C, K, K) of a conv parameter, one normalised tile each."""

    def __init__(self) -> None:
        super().__init__("Learned filters")
        self.count = 0
        self.weights: np.ndarray | None = None

    def show_weights(self, weights: np.ndarray | None, name: str = "") -> None:
        if weights is None or np.ndim(weights) != 4:
            self.clear_image()
            self.count, self.weights = 0, None
            return
        self.count, self.weights = len(weights), np.array(weights)
        self.setTitle(f"Filters {name} ({weights.shape[0]}x{weights.shape[1]})")
        self.show_rgb(tile(as_rgb(weights)))


class ActivationGrid(ImagePlot):
    """The activation maps (C, H, W) of one conv layer for one input, one tile per channel."""

    def __init__(self) -> None:
        super().__init__("Activation maps")

    def show_maps(self, maps: np.ndarray | None, name: str = "") -> None:
        if maps is None:
            self.clear_image()
            return
        self.setTitle(f"Maps {name} ({maps.shape[0]})")
        self.show_rgb(tile(as_rgb(maps[:, None])))


class ConfusionView(ImagePlot):
    """Confusion matrix: rows are true classes, columns predicted; counts written in cells."""

    def __init__(self) -> None:
        super().__init__("Confusion matrix (validation; rows true, columns predicted)")
        self.matrix: np.ndarray | None = None

    def show_matrix(self, matrix: np.ndarray | None) -> None:
        self.matrix = matrix
        if matrix is None:
            self.clear_image()
            return
        rows = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        rgb = np.stack([1 - rows * 0.8, 1 - rows * 0.5, np.ones_like(rows)], axis=-1)
        self.show_rgb(rgb)
        cells = [(str(int(matrix[r, c])), c + 0.5, r + 0.5) for r, c in np.argwhere(matrix > 0)]
        self.set_texts(cells, color="k")


class MisclassifiedGrid(ImagePlot):
    """Misclassified validation images with "true->predicted" labels under each tile."""

    COLUMNS = 8

    def __init__(self) -> None:
        super().__init__("Misclassified (true -> predicted)")
        self.labels: list[str] = []

    def show_results(self, images, true, predicted, class_names) -> None:
        if images is None or not len(images):
            self.clear_image()
            self.labels = []
            return
        name = lambda i: class_names[i] if i < len(class_names) else str(i)  # noqa: E731
        self.labels = [f"{name(t)}->{name(p)}" for t, p in zip(true, predicted, strict=True)]
        rgb = as_rgb(images)
        height, width = rgb.shape[1:3]
        labelled = np.concatenate([rgb, np.zeros((len(rgb), height // 2 + 2, width, 3))], axis=1)
        self.show_rgb(tile(labelled, self.COLUMNS))
        step_y, step_x = labelled.shape[1] + GAP, width + GAP
        self.set_texts(
            [
                (label, (i % self.COLUMNS) * step_x + width / 2, (i // self.COLUMNS) * step_y
                 + height + height / 4 + 1)
                for i, label in enumerate(self.labels)
            ]
        )  # fmt: skip
