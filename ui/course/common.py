"""Helpers the course views share: one window per view, and contour images for pyqtgraph."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from graphlab.course.render import contour_rgb

#: the colour of axes and titles on the white plots
INK = "#222222"
#: the size a course view opens at (fits a 1280x800 screen)
VIEW_SIZE = (1180, 720)


def plot_widget(title: str, bottom: str = "", left: str = "") -> pg.PlotWidget:
    """A pyqtgraph plot on white with dark axes and text (readable in both themes' windows)."""
    plot = pg.PlotWidget(background="w")
    plot.setTitle(title, color=INK, size="11pt")
    for side, label in (("bottom", bottom), ("left", left)):
        axis = plot.getAxis(side)
        axis.setPen(INK)
        axis.setTextPen(INK)
        if label:
            plot.setLabel(side, label, color=INK)
    return plot


def contour_item(f: np.ndarray, window: tuple[float, float, float, float]) -> pg.ImageItem:
    """An ImageItem of f's contour bands (f: (H, W), row 0 at the lowest y) over the plot
    window (x0, x1, y0, y1); a coarse grid is first interpolated to about 200 points a side."""
    x0, x1, y0, y1 = window
    f = upsample(np.asarray(f, dtype=float), max(1, 200 // max(f.shape)))
    item = pg.ImageItem(np.ascontiguousarray(contour_rgb(f).transpose(1, 0, 2)))
    item.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
    return item


def upsample(f: np.ndarray, factor: int) -> np.ndarray:
    """Bilinear interpolation of f (H, W) onto ((H - 1) * factor + 1, (W - 1) * factor + 1)."""
    if factor == 1:
        return f
    rows = np.linspace(0, f.shape[0] - 1, (f.shape[0] - 1) * factor + 1)
    cols = np.linspace(0, f.shape[1] - 1, (f.shape[1] - 1) * factor + 1)
    by_row = np.array([np.interp(cols, np.arange(f.shape[1]), row) for row in f])
    return np.array([np.interp(rows, np.arange(f.shape[0]), col) for col in by_row.T]).T
