"""The dashboard's two tabs: the live plots with their choices (log axis, conv parameter, conv
layer and input image, histogram node, compared run, exports), and the end-of-run results with
the kNN and search baselines."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.backend import to_numpy
from graphlab.training.runs import RunRecord
from ui.guard import run_guarded
from ui.training.baselines import KnnPanel, SearchPanel
from ui.training.images import ActivationGrid, ConfusionView, FilterGrid, MisclassifiedGrid
from ui.training.plots import (
    AccuracyPlot,
    BoundaryPlot,
    HistogramPlot,
    LearningRatePlot,
    LossPlot,
    RatioPlot,
)
from ui.training.reflow import FlowLayout, PlotGrid
from ui.widgets import scrolled

#: the step axis of a longer run starts this long and doubles as the run passes its end
FIRST_AXIS_STEPS = 1000


def _combo(tooltip: str) -> QComboBox:
    combo = QComboBox()
    combo.setToolTip(tooltip)
    combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
    return combo


class LiveView(QWidget):
    """The live plots in a grid with their choices; the dashboard's timer calls one of
    :meth:`update_steps`, :meth:`update_epochs`, :meth:`update_ratios`, :meth:`add_histograms`
    or :meth:`update_images` per tick with what its training session received."""

    selectionChanged = Signal()
    compareChanged = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        #: the live run's (first, last) step and the step range set on each per-step plot
        self.step_axis: tuple[int, int] | None = None
        self.step_ranges: dict = {}
        self.log_axis = QCheckBox("log loss")
        self.filter_choice = _combo("conv parameter whose filters are shown")
        self.layer_choice = _combo("conv layer whose activation maps are shown")
        self.image_choice = QSpinBox()
        self.image_choice.setRange(0, 9999)
        self.image_choice.setToolTip("validation sample the activation maps are computed for")
        self.histogram_choice = _combo("node whose activation and gradient histograms are shown")
        self.compare_choice = _combo("a saved run to overlay on the loss and accuracy")
        self.png_button = QPushButton("Export PNGs...")
        self.csv_button = QPushButton("Export CSV...")
        controls = FlowLayout()  # wraps to more rows in a narrow dock
        self.cells: dict[QWidget, QWidget] = {}
        for label, widget in (
            ("filters", self.filter_choice), ("maps", self.layer_choice),
            ("image", self.image_choice), ("histograms", self.histogram_choice),
            ("", self.log_axis), ("compare", self.compare_choice),
            ("", self.png_button), ("", self.csv_button),
        ):  # fmt: skip
            cell = QWidget()
            row = QHBoxLayout(cell)
            row.setContentsMargins(0, 0, 0, 0)
            if label:
                row.addWidget(QLabel(label))
            row.addWidget(widget, 1)
            controls.addWidget(cell)
            self.cells[widget] = cell
        for combo in (self.filter_choice, self.layer_choice, self.histogram_choice):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        self.compare_choice.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.compare_choice.setMinimumContentsLength(10)
        self.loss, self.accuracy, self.lr = LossPlot(), AccuracyPlot(), LearningRatePlot()
        self.ratios, self.filters, self.activations = RatioPlot(), FilterGrid(), ActivationGrid()
        self.activation_hist = HistogramPlot("Activations")
        self.gradient_hist = HistogramPlot("Gradients")
        self.boundary = BoundaryPlot()
        self.boundary.hide()  # until a run on 2-D data
        self.grid = PlotGrid(list(self.plots().values()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.grid, 1)
        self.record = RunRecord()
        self.runs: list[RunRecord] = []
        #: plots outside this tab that the PNG export includes (the results)
        self.more_plots: dict[str, QWidget] = {}
        self.histories: list[tuple[int, dict, dict]] = []
        self.log_axis.toggled.connect(self.loss.set_log)
        for combo in (self.filter_choice, self.layer_choice):
            combo.currentIndexChanged.connect(lambda _: self.selectionChanged.emit())
        self.image_choice.valueChanged.connect(lambda _: self.selectionChanged.emit())
        self.histogram_choice.currentIndexChanged.connect(lambda _: self._redraw_histograms())
        self.compare_choice.currentIndexChanged.connect(self._compare_chosen)
        self.png_button.clicked.connect(
            lambda: run_guarded(self, "Export PNGs", self._ask_png_folder)
        )
        self.csv_button.clicked.connect(lambda: run_guarded(self, "Export CSV", self._ask_csv_file))

    def plots(self) -> dict[str, QWidget]:
        """Every live plot by file name (PNG export)."""
        return {
            "loss": self.loss, "accuracy": self.accuracy, "learning_rate": self.lr,
            "update_ratios": self.ratios, "decision_boundary": self.boundary,
            "filters": self.filters, "activation_maps": self.activations,
            "activation_histograms": self.activation_hist,
            "gradient_histograms": self.gradient_hist,
        }  # fmt: skip

    # -- choices --------------------------------------------------------------------------

    def set_choices(self, doc) -> None:
        """Conv layers and the parameters feeding their weights, from the document."""
        convs = [nid for nid, node in doc.nodes.items() if node.op == "conv2d"]
        weights = [w for w in (doc.source_of(nid, "w") for nid in convs) if w]
        self.filters.setVisible(bool(weights))
        self.activations.setVisible(bool(convs))
        self.cells[self.filter_choice].setVisible(bool(weights))
        for widget in (self.layer_choice, self.image_choice):
            self.cells[widget].setVisible(bool(convs))
        for combo, items in ((self.layer_choice, convs), (self.filter_choice, weights)):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(items)
            if current in items:
                combo.setCurrentText(current)
            combo.blockSignals(False)

    def conv_layer(self) -> str | None:
        return self.layer_choice.currentText() or None

    def filter_param(self) -> str | None:
        return self.filter_choice.currentText() or None

    def image_index(self) -> int:
        return self.image_choice.value()

    def set_runs(self, runs: list[RunRecord]) -> None:
        """The saved runs offered for comparison."""
        self.runs = runs
        self.compare_choice.blockSignals(True)
        self.compare_choice.clear()
        self.compare_choice.addItem("(none)")
        self.compare_choice.addItems([run.name for run in runs])
        self.compare_choice.blockSignals(False)
        self.show_overlay(None)

    def _compare_chosen(self, index: int) -> None:
        self.compareChanged.emit(self.runs[index - 1] if 0 < index <= len(self.runs) else None)

    def show_overlay(self, record: RunRecord | None) -> None:
        self.loss.show_overlay(record)
        self.accuracy.show_overlay(record)

    # -- updates ----------------------------------------------------------------------------

    def start_run(self, record: RunRecord, run, first: int, last: int) -> None:
        """Clear the live plots for a new run on ``run`` from step ``first`` to ``last``
        (a step axis fixed between redraws, see :meth:`grow_step_axis`)."""
        self.show_record(record, reset=True)
        self.ratios.prepare(run.trainer.trainable)
        self.step_axis, self.step_ranges = (first, max(last, first + 1)), {}
        self._set_step_range(min(self.step_axis[1], first + FIRST_AXIS_STEPS), self._step_plots())
        self.clear_histograms()
        train = run.data.splits.train
        two_d = train.X.ndim == 2 and train.X.shape[1] == 2
        self.boundary.setVisible(two_d)
        self.boundary.show_points(train.X if two_d else None, train.y if two_d else None)
        self.boundary.image.clear()
        self.filters.show_weights(None)
        self.activations.show_maps(None)

    def show_record(self, record: RunRecord, reset: bool = False) -> None:
        self.record = record
        if reset:
            self.loss.reset()
            self.lr.reset()
            self.ratios.reset()
        for plot in (self.loss, self.accuracy, self.lr, self.ratios):
            plot.update_from(record)

    def _set_step_range(self, right: int, plots) -> None:
        """Show steps first..``right`` on ``plots`` and remember the range each got."""
        for plot in plots:
            plot.setXRange(self.step_axis[0], right, padding=0.02)
            self.step_ranges[plot] = plot.getViewBox().viewRange()[0]

    def _step_plots(self) -> tuple:
        return (self.loss, self.lr, self.ratios, self.activation_hist, self.gradient_hist)

    def grow_step_axis(self, step: int) -> None:
        """Double the step axis (up to the run's end) when ``step`` passes it, on each plot the
        student has not zoomed or panned: a long run's first minutes are not squeezed to the
        left edge, and the axes are laid out again only a few times a run, not on every redraw."""
        if self.step_axis is None:
            return
        first, last = self.step_axis
        right = min(last, first + FIRST_AXIS_STEPS)
        while right < min(step, last):
            right = min(last, first + 2 * (right - first))
        untouched = [
            plot
            for plot, (low, high) in self.step_ranges.items()
            if high < min(step, last) and plot.getViewBox().viewRange()[0] == [low, high]
        ]
        if untouched:
            self._set_step_range(right, untouched)

    def update_steps(self, record: RunRecord) -> None:
        """Redraw the per-step curves: loss and learning rate."""
        self.grow_step_axis(record.last_step)
        self.loss.update_from(record)
        self.lr.update_from(record)

    def update_epochs(self, record: RunRecord) -> None:
        self.accuracy.update_from(record)

    def update_ratios(self, record: RunRecord) -> None:
        self.ratios.update_from(record)

    def update_images(self, stats: list, activations) -> None:
        """Redraw what the latest statistics carry as pictures: filters, boundary, maps."""
        if stats:
            self.show_filters(stats[-1].weights)
            grid = next((e.grid for e in reversed(stats) if e.grid is not None), None)
            if grid is not None:
                self.boundary.show_grid(grid.xs, grid.ys, grid.scores)
        if activations is not None:
            self.show_activations(activations)

    def show_filters(self, weights) -> None:
        weights = None if weights is None else to_numpy(weights)
        self.filters.show_weights(weights, self.filter_param() or "")

    def show_activations(self, maps) -> None:
        self.activations.show_maps(maps, self.conv_layer() or "")

    def clear_histograms(self) -> None:
        self.histories = []
        self.histogram_choice.clear()
        self.cells[self.histogram_choice].hide()
        for plot in (self.activation_hist, self.gradient_hist):
            plot.reset()

    def add_histograms(self, events) -> None:
        """Keep the histograms of new events (thinned past MAX_COLUMNS) and redraw them."""
        new = [
            (e.step, e.activation_histograms, e.gradient_histograms)
            for e in events
            if e.activation_histograms or e.gradient_histograms
        ]
        if not new:
            return
        self.histories += new
        if len(self.histories) > HistogramPlot.MAX_COLUMNS:
            self.histories = self.histories[::2]
        nodes = list(new[-1][1])
        if nodes and self.histogram_choice.count() != len(nodes):
            self.histogram_choice.blockSignals(True)
            self.histogram_choice.clear()
            self.histogram_choice.addItems(nodes)
            self.histogram_choice.blockSignals(False)
            self.cells[self.histogram_choice].show()
            self._redraw_histograms()
            return
        node = self.histogram_choice.currentText()
        for step, activations, gradients in new:
            self._add_histograms(node, step, activations, gradients)
        self.activation_hist.redraw()
        self.gradient_hist.redraw()

    def _add_histograms(self, node, step, activations, gradients) -> None:
        for plot, histograms in (
            (self.activation_hist, activations),
            (self.gradient_hist, gradients),
        ):
            if node in histograms:
                plot.add(step, histograms[node])

    def _redraw_histograms(self) -> None:
        node = self.histogram_choice.currentText() or None
        for plot in (self.activation_hist, self.gradient_hist):
            plot.reset(node)
        for step, activations, gradients in self.histories:
            self._add_histograms(node, step, activations, gradients)
        self.activation_hist.redraw()
        self.gradient_hist.redraw()

    # -- exports ----------------------------------------------------------------------------

    def export_pngs(self, folder: str | Path) -> list[Path]:
        """Every live plot as FOLDER/<name>.png; the paths written."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, plot in {**self.plots(), **self.more_plots}.items():
            path = folder / f"{name}.png"
            if plot.grab().save(str(path), "PNG"):
                written.append(path)
        return written

    def _ask_png_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export every plot as PNG into")
        if folder:
            self.export_pngs(folder)

    def _ask_csv_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export metrics", "metrics.csv", "CSV (*.csv)")
        if path:  # a problem (a missing folder, a FIFO) is the guard's plain message
            self.record.write_csv(path)


#: the smallest cell of the results tab (its matrix, samples and forms need more than a curve)
RESULT_MIN = (340, 230)


class ResultsView(QWidget):
    """Confusion matrix and misclassified samples of the last run; kNN and search baselines."""

    def __init__(self, doc) -> None:
        super().__init__()
        self.confusion, self.misclassified = ConfusionView(), MisclassifiedGrid()
        self.knn, self.search = KnnPanel(doc), SearchPanel(doc)
        panels = [scrolled(self.knn), scrolled(self.search)]  # their forms scroll inside
        self.grid = PlotGrid([self.confusion, self.misclassified, *panels], RESULT_MIN)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.grid)

    def clear(self) -> None:
        self.confusion.show_matrix(None)
        self.misclassified.show_results(None, (), (), ())

    def show_results(self, results) -> None:
        self.confusion.show_matrix(results.confusion)
        self.misclassified.show_results(
            results.images, results.true, results.predicted, results.class_names
        )

    def plots(self) -> dict[str, QWidget]:
        return {"confusion_matrix": self.confusion, "misclassified": self.misclassified,
                "knn": self.knn.plot}  # fmt: skip
