"""Curve plots of the dashboard: loss (raw and smoothed, linear or log), accuracy per epoch,
learning rate, update/weight ratios against the 1e-3 guide, histograms over time, and the
decision boundary of 2-D data. Each is refreshed from a :class:`RunRecord` by the timer with
``setData`` on whole arrays (clipped to the view and downsampled), never once per step."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from graphlab.training.runs import SMOOTHING, RunRecord, smooth

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
OVERLAY = pg.mkPen("#888888", width=1.5, style=Qt.DashLine)
RATIO_GUIDE = 1e-3
#: the update/weight axis before any ratio is known
EMPTY_RATIO_RANGE = (1e-5, 1e-1)


def curve(plot: pg.PlotItem, colour: str, name: str | None = None, width: float = 1.5):
    item = plot.plot([], [], pen=pg.mkPen(colour, width=width), name=name)
    item.setClipToView(True)
    item.setDownsampling(auto=True, method="peak")
    return item


class Series:
    """The numbers of a growing list in a numpy buffer that doubles when full: each redraw
    converts only the new values (a long run's curves cost the same per redraw)."""

    def __init__(self) -> None:
        self.buffer, self.size = np.empty(1024), 0

    def sync(self, values: list[float]) -> np.ndarray:
        """The values (N,) as float64, a view; a shorter list (a new run) starts over."""
        if len(values) < self.size:
            self.size = 0
        new = values[self.size :]
        if self.size + len(new) > len(self.buffer):
            grown = np.empty(max(2 * len(self.buffer), self.size + len(new)))
            grown[: self.size] = self.buffer[: self.size]
            self.buffer = grown
        self.buffer[self.size : self.size + len(new)] = new
        self.size += len(new)
        return self.buffer[: self.size]


class LossPlot(pg.PlotWidget):
    """Loss per step, raw (thin) and smoothed (thick); ``set_log`` switches the y axis."""

    def __init__(self) -> None:
        super().__init__(title="Loss")
        self.addLegend(offset=(-5, 5), labelTextSize="7pt")
        self.raw = curve(self.getPlotItem(), "#9ecae1", "raw", 1)
        self.smoothed = curve(self.getPlotItem(), "#08519c", "smoothed", 2)
        self.overlay = self.plot([], [], pen=OVERLAY)
        self.setLabel("bottom", "step")
        self._average, self._smoothed = 0.0, []
        self._steps, self._loss, self._smooth = Series(), Series(), Series()

    def set_log(self, log: bool) -> None:
        self.setLogMode(y=log)

    def reset(self) -> None:
        self._average, self._smoothed = 0.0, []
        for series in (self._steps, self._loss, self._smooth):
            series.size = 0

    def update_from(self, record: RunRecord) -> None:
        for value in record.loss[len(self._smoothed) :]:  # only the new points
            self._average = SMOOTHING * self._average + (1 - SMOOTHING) * value
            self._smoothed.append(self._average / (1 - SMOOTHING ** (len(self._smoothed) + 1)))
        steps = self._steps.sync(record.step)
        self.raw.setData(steps, self._loss.sync(record.loss))
        self.smoothed.setData(steps, self._smooth.sync(self._smoothed))

    def show_overlay(self, record: RunRecord | None) -> None:
        if record is None or not record.step:
            self.overlay.setData([], [])
            return
        base = record.step[0]
        steps = np.asarray(record.step, dtype=np.float64) - base + 1
        self.overlay.setData(steps, smooth(np.asarray(record.loss, dtype=np.float64)))

    @property
    def point_count(self) -> int:
        x, _ = self.raw.getOriginalDataset()
        return 0 if x is None else len(x)


class AccuracyPlot(pg.PlotWidget):
    """Train and validation accuracy per epoch (and a compared run's, dashed)."""

    def __init__(self) -> None:
        super().__init__(title="Accuracy per epoch")
        self.addLegend(offset=(-5, -5), labelTextSize="7pt")
        item = self.getPlotItem()
        self.train = item.plot([], [], pen=pg.mkPen(COLOURS[0], width=2), symbol="o",
                               symbolSize=5, name="train")  # fmt: skip
        self.val = item.plot([], [], pen=pg.mkPen(COLOURS[1], width=2), symbol="s",
                             symbolSize=5, name="val")  # fmt: skip
        self.overlay = item.plot([], [], pen=OVERLAY)
        self.setLabel("bottom", "epoch")
        self.setYRange(0, 1)

    #: most epochs drawn with a symbol on each
    SYMBOLS_UP_TO = 60

    def update_from(self, record: RunRecord) -> None:
        many = len(record.epoch) > self.SYMBOLS_UP_TO
        for item, values in ((self.train, record.train_acc), (self.val, record.val_acc)):
            if many and item.opts["symbol"] is not None:
                item.setSymbol(None)
            item.setData(*_known(record.epoch, values))

    def show_overlay(self, record: RunRecord | None) -> None:
        if record is None or not record.epoch:
            self.overlay.setData([], [])
            return
        epochs = np.asarray(record.epoch) - record.epoch[0] + 1
        values = record.val_acc if any(v is not None for v in record.val_acc) else record.train_acc
        self.overlay.setData(*_known(epochs, values))


class LearningRatePlot(pg.PlotWidget):
    def __init__(self) -> None:
        super().__init__(title="Learning rate")
        self.line = curve(self.getPlotItem(), COLOURS[2])
        self.setLabel("bottom", "step")
        self._steps, self._rates, self._highest = Series(), Series(), 0.0

    def reset(self) -> None:
        self._steps.size = self._rates.size = 0
        self._highest = 0.0

    def update_from(self, record: RunRecord) -> None:
        """The rates from 0 up (a constant rate is a flat line at its height)."""
        if len(record.lr) < self._rates.size:
            self.reset()
        seen = self._rates.size
        rates = self._rates.sync(record.lr)
        self.line.setData(self._steps.sync(record.step), rates)
        if len(rates) > seen:
            self._highest = max(self._highest, float(rates[seen:].max()))
            self.setYRange(0, self._highest * 1.15, padding=0)


class RatioPlot(pg.PlotWidget):
    """|update| / |weights| per parameter over steps (log axis) with the 1e-3 guide line."""

    def __init__(self) -> None:
        super().__init__(title="Update/weight")
        self.addLegend(
            offset=(-5, 5), labelTextSize="7pt", verSpacing=-6, colCount=2, brush=(0, 0, 0, 150)
        )
        self.setLogMode(y=True)
        self.guide = pg.InfiniteLine(
            np.log10(RATIO_GUIDE), angle=0, pen=pg.mkPen("#999", style=Qt.DashLine)
        )
        self.addItem(self.guide)
        self.lines: dict[str, pg.PlotDataItem] = {}
        self.setLabel("bottom", "step")
        self._show_empty_range()

    def _show_empty_range(self) -> None:
        """1e-5..1e-1 until ratios arrive (auto range around the guide alone squeezed the
        axis to a sliver with overlapping tick labels)."""
        self.setYRange(np.log10(EMPTY_RATIO_RANGE[0]), np.log10(EMPTY_RATIO_RANGE[1]), padding=0)

    def reset(self) -> None:
        for line in self.lines.values():
            self.removeItem(line)
        self.lines.clear()
        self.getPlotItem().legend.clear()
        self._show_empty_range()

    def prepare(self, keys) -> None:
        """A line for each parameter id in ``keys``, made before a run starts (making six
        with their legend entries during the run stalled the event loop for 25 ms)."""
        for key in keys:
            if key not in self.lines:
                colour = COLOURS[len(self.lines) % len(COLOURS)]
                self.lines[key] = curve(self.getPlotItem(), colour, key)

    def update_from(self, record: RunRecord) -> None:
        self.prepare(record.ratios)
        if record.ratios and not self.getViewBox().autoRangeEnabled()[1]:
            self.enableAutoRange(axis="y")
        for key, points in record.ratios.items():
            data = np.asarray(points, dtype=np.float64)
            positive = data[:, 1] > 0
            self.lines[key].setData(data[positive, 0], data[positive, 1])


class HistogramPlot(pg.PlotWidget):
    """Histograms of one node over time: x = step, y = value, colour = log10 of the share of
    the values in that bin (so the tails stay visible next to a peak).

    Each recorded histogram is re-binned onto a common value axis spanning every one seen.
    """

    ROWS = 40
    MAX_COLUMNS = 300

    def __init__(self, title: str) -> None:
        super().__init__(title=title)
        self.title = title
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.addItem(self.image)
        self.setLabel("bottom", "step")
        self.history: list[tuple[int, np.ndarray, np.ndarray]] = []
        self.node: str | None = None

    def reset(self, node: str | None = None) -> None:
        self.history, self.node = [], node
        self.image.clear()
        self.setTitle(f"{self.title}: {node}" if node else self.title)

    def add(self, step: int, histogram) -> None:
        """Record a histogram; past MAX_COLUMNS, every other one is dropped (a redraw stays
        cheap in long runs)."""
        self.history.append((step, histogram.counts, histogram.edges))
        if len(self.history) > self.MAX_COLUMNS:
            self.history = self.history[::2]

    def redraw(self) -> None:
        if not self.history:
            return
        low = min(float(edges[0]) for _, _, edges in self.history)
        high = max(float(edges[-1]) for _, _, edges in self.history)
        high = high if high > low else low + 1.0
        grid = np.linspace(low, high, self.ROWS + 1)
        columns = []
        for _, counts, edges in self.history:
            cumulative = np.concatenate([[0.0], np.cumsum(counts, dtype=np.float64)])
            shares = np.diff(np.interp(grid, edges, cumulative)) / max(cumulative[-1], 1.0)
            columns.append(shares)
        shares = np.stack(columns, axis=1)  # (ROWS, steps)
        image = np.log10(np.maximum(shares, 1e-4)).astype(np.float32)
        first, last = self.history[0][0], self.history[-1][0]
        width = max(last - first, 1)
        self.image.setImage(image, levels=(-4.0, 0.0))
        self.image.setRect(first, low, width, high - low)


class BoundaryPlot(pg.PlotWidget):
    """Class regions of a 2-D classifier on a grid, with the data points coloured by label."""

    def __init__(self) -> None:
        super().__init__(title="Decision boundary (2-D data)")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=5, pen=pg.mkPen("k", width=0.5))
        self.addItem(self.points)
        self.xs = self.ys = self.classes = None

    def show_points(self, X: np.ndarray | None, y: np.ndarray | None) -> None:
        if X is None:
            self.points.setData([])
            return
        brushes = [pg.mkBrush(COLOURS[int(c) % len(COLOURS)]) for c in y]
        self.points.setData(X[:, 0], X[:, 1], brush=brushes)

    def show_grid(self, xs: np.ndarray, ys: np.ndarray, scores: np.ndarray) -> None:
        """xs (nx,), ys (ny,), scores (ny, nx, classes): each cell coloured by its argmax."""
        self.xs, self.ys, self.classes = xs, ys, scores.argmax(axis=2)
        palette = np.array([pg.mkColor(c).getRgb()[:3] for c in COLOURS], dtype=np.float32)
        rgb = palette[self.classes % len(COLOURS)] * 0.35 + 255 * 0.65
        self.image.setImage(rgb.astype(np.uint8), levels=(0, 255))
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        self.image.setRect(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys))

    def region_class(self, points: np.ndarray) -> np.ndarray:
        """The class of the grid cell nearest each point (N, 2) -> (N,), as drawn."""
        col = np.abs(points[:, :1] - self.xs[None, :]).argmin(axis=1)
        row = np.abs(points[:, 1:2] - self.ys[None, :]).argmin(axis=1)
        return self.classes[row, col]


def _known(xs, values):
    pairs = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
    return (np.asarray([p[0] for p in pairs], float), np.asarray([p[1] for p in pairs], float))
