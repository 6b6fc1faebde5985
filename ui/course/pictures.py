"""Small image tiles with a caption (nearest neighbours, class templates)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.training.images import as_rgb


def pixmap_of(image: np.ndarray, size: int, colour_map=None) -> QPixmap:
    """A ``size``-pixel square picture of one image: (H, W) grey or (H, W, 3) colour, any
    range (scaled to its own min..max), or through ``colour_map`` (a pyqtgraph ColorMap, zero
    at its centre) for signed (H, W) values."""
    image = np.asarray(image, dtype=np.float32)
    if colour_map is not None:
        reach = float(np.abs(image).max()) or 1.0
        scaled = 0.5 + image / (2 * reach)  # zero at the map's centre
        rgb = colour_map.map(scaled.reshape(-1), mode="byte")[:, :3].reshape(*image.shape, 3)
    else:
        batch = image[None, None] if image.ndim == 2 else image.transpose(2, 0, 1)[None]
        rgb = (as_rgb(batch)[0] * 255).astype(np.uint8)
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    qimage = QImage(rgb.data, width, height, 3 * width, QImage.Format_RGB888).copy()
    return QPixmap.fromImage(qimage).scaled(size, size, Qt.KeepAspectRatio, Qt.FastTransformation)


class Tile(QWidget):
    """A picture above a one- or two-line caption."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size_ = size
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.picture, self.caption = QLabel(), QLabel()
        self.picture.setFixedSize(size, size)
        self.caption.setAlignment(Qt.AlignHCenter)
        layout.addWidget(self.picture)
        layout.addWidget(self.caption)

    def show_image(self, image: np.ndarray, caption: str, colour_map=None) -> None:
        self.picture.setPixmap(pixmap_of(image, self.size_, colour_map))
        self.caption.setText(caption)
