"""Tensors as pictures: a diverging heatmap (blue < 0 < red) of a matrix, or a grid of them.

A 1-D array is one row; 2-D is the matrix; 3-D and 4-D arrays are tiled, one tile per
leading index ((C, H, W) or (N, C, H, W) -> N*C tiles of H x W), at most ``MAX_TILES``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.backend import to_numpy
from engine.ops.base import fmt

MAX_TILES = 64
GAP = 1


def tiles_of(array: np.ndarray) -> list[np.ndarray]:
    """The 2-D pictures of an array (see the module docstring)."""
    a = np.asarray(array, dtype=np.float64)
    if a.ndim <= 1:
        return [a.reshape(1, -1)]
    if a.ndim == 2:
        return [a]
    flat = a.reshape(-1, a.shape[-2], a.shape[-1])
    return list(flat[:MAX_TILES])


def mosaic(array: np.ndarray) -> np.ndarray:
    """Tiles laid out in a near-square grid, NaN between them: (H', W') float64."""
    tiles = tiles_of(array)
    if len(tiles) == 1:
        return tiles[0]
    h, w = tiles[0].shape
    cols = int(np.ceil(np.sqrt(len(tiles))))
    rows = int(np.ceil(len(tiles) / cols))
    out = np.full((rows * (h + GAP) - GAP, cols * (w + GAP) - GAP), np.nan)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        out[r * (h + GAP) : r * (h + GAP) + h, c * (w + GAP) : c * (w + GAP) + w] = tile
    return out


def heatmap_image(array) -> QImage:
    """An RGB image, one pixel per element: white at 0, red positive, blue negative."""
    m = mosaic(to_numpy(array))
    finite = np.isfinite(m)
    scale = float(np.abs(m[finite]).max()) if finite.any() else 0.0
    t = np.where(finite, m / scale if scale > 0 else 0.0, 0.0)
    pos, neg = np.clip(t, 0, 1), np.clip(-t, 0, 1)
    rgb = np.stack([1 - neg, 1 - pos - neg, 1 - pos], axis=-1)
    rgb[~finite] = 0.5
    data = np.ascontiguousarray((rgb * 255).astype(np.uint8))
    image = QImage(data.data, data.shape[1], data.shape[0], data.strides[0], QImage.Format_RGB888)
    return image.copy()  # own the pixels: ``data`` is freed with this frame


def thumbnail(array, size: int = 36) -> QPixmap:
    """The heatmap scaled to fit ``size`` x ``size`` pixels (no smoothing: cells stay sharp)."""
    image = heatmap_image(array)
    return QPixmap.fromImage(image.scaled(size, size, Qt.KeepAspectRatio, Qt.FastTransformation))


class TensorDialog(QDialog):
    """The full heatmap / image grid of one tensor, scaled up so small arrays are visible."""

    def __init__(self, title: str, array, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        array = to_numpy(array)
        self.setWindowTitle(title)
        image = heatmap_image(array)
        zoom = max(1, min(16, 480 // max(image.width(), image.height(), 1)))
        picture = QLabel()
        picture.setPixmap(
            QPixmap.fromImage(image.scaled(image.width() * zoom, image.height() * zoom))
        )
        scroll = QScrollArea()
        scroll.setWidget(picture)
        caption = QLabel(
            f"{title}: shape {fmt(array.shape)}, norm {float(np.linalg.norm(array)):.4g}, "
            f"min {float(array.min()):.4g}, max {float(array.max()):.4g} "
            "(red positive, blue negative)"
        )
        caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(caption)
        layout.addWidget(scroll)
        self.resize(min(900, image.width() * zoom + 60), min(700, image.height() * zoom + 100))
