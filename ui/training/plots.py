"""Curve plots of the dashboard: loss (raw and smoothed, linear or log), accuracy per epoch,
learning rate, update/weight ratios against the 1e-3 guide, histograms over time, and the
decision boundary of 2-D data. The curves are refreshed from a :class:`RunRecord`'s bounded
summaries by the timer with ``setData`` on at most a few thousand points (clipped to the view
and downsampled), never once per step."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal

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


class LossPlot(pg.PlotWidget):
    """Loss per step from the run's summary: the mean per bucket (thin), its min-max range
    (a pale vertical line per bucket, once buckets hold several steps) and the smoothed mean
    (thick); ``set_log`` switches the y axis. A redraw costs the summary's size, never the
    run's length. Zoomed in to at most DETAIL_STEPS steps of a summarised run, the steps in
    view are re-read from the run's metrics file and drawn one by one; when that file is gone
    (pruned from the runs folder), the title says so and its tooltip says why."""

    DETAIL_STEPS = 8192
    #: the title (pyqtgraph's 11 pt), and while zoomed in on a run whose metrics file is gone
    TITLE, SUMMARY_ONLY = "Loss", "Loss: summary only<br>(full-resolution steps removed)"
    #: a left click on the plot: the step under the cursor (the replay follows it)
    stepClicked = Signal(int)

    def __init__(self) -> None:
        super().__init__(title=self.TITLE)
        self.addLegend(offset=(-5, 5), labelTextSize="7pt")
        item = self.getPlotItem()
        self.band = curve(item, "#c6dbef", None, 1)  # (low, high) pairs of each bucket
        self.raw = curve(item, "#9ecae1", "raw", 1)
        self.detail = curve(item, "#6baed6", None, 1)  # every step in view, when zoomed in
        self.record: RunRecord | None = None
        self.zoom = QTimer(self, singleShot=True, interval=100)
        self.zoom.timeout.connect(self.show_detail)
        self.getViewBox().sigXRangeChanged.connect(lambda *_: self.zoom.start())
        self.smoothed = curve(item, "#08519c", "smoothed", 2)
        self.overlay = self.plot([], [], pen=OVERLAY)
        self.setLabel("bottom", "step")
        self.smoother = Smoother()
        self.scene().sigMouseClicked.connect(self._clicked)

    def _clicked(self, event) -> None:
        """A left click inside the plot asks for the step under it (``stepClicked``)."""
        box = self.getViewBox()
        if event.button() == Qt.LeftButton and box.sceneBoundingRect().contains(event.scenePos()):
            step = round(box.mapSceneToView(event.scenePos()).x())
            if step >= 1:
                self.stepClicked.emit(step)

    def set_log(self, log: bool) -> None:
        self.setLogMode(y=log)

    def reset(self) -> None:
        self.smoother = Smoother()

    def update_from(self, record: RunRecord) -> None:
        self.record = record
        summary = record.loss
        x, low, mean, high = summary.arrays()
        if summary.width > 1:
            self.band.setData(
                np.repeat(x, 2), np.column_stack([low, high]).ravel(), connect="pairs"
            )
        else:
            self.band.setData([], [])
        self.raw.setData(x, mean)
        self.smoothed.setData(x, self.smoother.of(mean, summary.width))

    def show_detail(self) -> None:
        """The steps in view from the metrics file when the summary is coarser than them."""
        record = self.record
        low, high = self.getViewBox().viewRange()[0]
        rows = gone = None
        if record is not None and record.loss.width > 1 and high - low <= self.DETAIL_STEPS:
            rows = record.rows(int(np.floor(low)), int(np.ceil(high)))
            gone = record.steps_gone() if rows is None else None
        title, size = (self.TITLE, "11pt") if gone is None else (self.SUMMARY_ONLY, "8pt")
        if self.getPlotItem().titleLabel.text != title:  # a new title lays the plot out again
            self.setTitle(title, size=size)
        self.setToolTip(gone or "")
        if rows is None or not len(rows):
            self.detail.setData([], [])
        else:
            self.detail.setData(rows[:, 1], rows[:, 2])

    def show_overlay(self, record: RunRecord | None) -> None:
        if record is None or not record.steps:
            self.overlay.setData([], [])
            return
        x, _, mean, _ = record.loss.arrays()
        self.overlay.setData(x - (record.first_step or 0), Smoother().of(mean, record.loss.width))

    @property
    def point_count(self) -> int:
        """Points of the mean curve (one per bucket of the summary)."""
        x, _ = self.raw.getOriginalDataset()
        return 0 if x is None else len(x)


class Smoother:
    """The smoothed curve of a summary's means, updated over the buckets that changed (all of
    them after the buckets merged): each bucket of ``width`` steps decays the average by
    SMOOTHING ** width, so the curve matches step-by-step smoothing at width 1."""

    def __init__(self) -> None:
        self.width, self.values = 0, np.zeros(0)
        self.averages = np.zeros(0)

    def of(self, means: np.ndarray, width: int) -> np.ndarray:
        """The smoothed means (N,), bias-corrected."""
        keep = min(len(self.values), len(means)) - 1 if width == self.width else 0
        keep = max(keep, 0)
        start = float(self.averages[keep - 1]) if keep else 0.0
        factor = SMOOTHING**width
        new = smooth(means[keep:], factor, start, keep)
        averages = np.empty(len(means) - keep)  # the averages before bias correction
        averages[:] = new * (1 - factor ** np.arange(keep + 1, len(means) + 1))
        self.values = np.concatenate([self.values[:keep], new])
        self.averages = np.concatenate([self.averages[:keep], averages])
        self.width = width
        return self.values


class AccuracyPlot(pg.PlotWidget):
    """Train and validation accuracy per epoch (and a compared run's, dashed), from the run's
    summaries (the mean per bucket of epochs)."""

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
        many = record.epochs > self.SYMBOLS_UP_TO
        for item, summary in ((self.train, record.train_acc), (self.val, record.val_acc)):
            if many and item.opts["symbol"] is not None:
                item.setSymbol(None)
            x, _, mean, _ = summary.arrays()
            item.setData(x, mean)

    def show_overlay(self, record: RunRecord | None) -> None:
        if record is None or not record.epochs:
            self.overlay.setData([], [])
            return
        summary = record.val_acc if record.val_acc.count.any() else record.train_acc
        x, _, mean, _ = summary.arrays()
        first = record.last_epoch - record.epochs + 1
        self.overlay.setData(x - first + 1, mean)


class LearningRatePlot(pg.PlotWidget):
    def __init__(self) -> None:
        super().__init__(title="Learning rate")
        self.line = curve(self.getPlotItem(), COLOURS[2])
        self.setLabel("bottom", "step")
        self._highest = 0.0

    def reset(self) -> None:
        self._highest = 0.0

    def update_from(self, record: RunRecord) -> None:
        """The rates from 0 up (a constant rate is a flat line at its height)."""
        x, _, mean, high = record.lr.arrays()
        self.line.setData(x, mean)
        if len(high) and float(high.max()) != self._highest:
            self._highest = float(high.max())
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
        for key, summary in record.ratios.items():
            x, _, mean, _ = summary.arrays()
            positive = mean > 0
            self.lines[key].setData(x[positive], mean[positive])


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
