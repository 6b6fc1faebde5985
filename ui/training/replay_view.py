"""Replay in the window: a past training step on the graph (see :mod:`graphlab.replay`).

Clicking a step on the dashboard's loss curve, or the "Go to step" box of the Replay dock,
recomputes that step of the shown run in the background (on a copy of the document) and puts
the graph in it: the stepper walks the step's forward and backward pass (its batch, weights,
dropout draws), so the value labels with their heatmaps, the explanations, the gradient-norm
strokes and the saturation badges all show that step; the dock lists each node's gradient norm
and draws the chosen node's value and gradient histograms. "Pin" keeps a step so that the
next one shows, per node, the change in gradient norm; "Back to now" returns to the document.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.backend import to_numpy
from engine.metrics import Histogram
from graphlab.changes import STRUCTURE, ChangeKind
from graphlab.jobs import DONE
from ui.jobs import JobWatcher
from ui.stepper import show_gradient_norms, show_saturation
from ui.stepper.training_overlay import saturation_from_histograms
from ui.widgets import add_dock, scrolled

HEADERS = ("node", "|grad| at step", "|grad| pinned", "change")
BINS = 30
IDLE = "Click a step on the loss curve, or go to one, to see the graph as it was then."


class ReplayPanel(QWidget):
    """The Replay dock's contents: status, step box, Pin and Back to now, the norms table and
    the chosen node's histograms."""

    def __init__(self) -> None:
        super().__init__()
        self.status = QLabel(IDLE)
        self.status.setWordWrap(True)
        self.step_box = QSpinBox(minimum=1, maximum=10**9)
        self.step_box.setToolTip("the training step to replay (from 1)")
        self.go = QPushButton("Go to step")
        self.pin = QPushButton("Pin for comparison")
        self.pin.setToolTip("keep this step; the next one shows the change in gradient norm")
        self.back = QPushButton("Back to now")
        row = QHBoxLayout()
        for widget in (QLabel("Step"), self.step_box, self.go, self.pin, self.back):
            row.addWidget(widget)
        row.addStretch(1)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.histogram = pg.PlotWidget(title="Histogram")
        self.histogram.setMinimumHeight(80)
        self.histogram.setMaximumHeight(120)
        self.table.setMinimumHeight(110)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.histogram)
        self.set_active(False)

    def set_active(self, active: bool) -> None:
        self.pin.setEnabled(active)
        self.back.setEnabled(active)

    def show_norms(self, norms: dict[str, float], pinned: dict[str, float] | None) -> None:
        """One row per node: its gradient norm, the pinned step's and the change (ratio)."""
        self.table.setRowCount(len(norms))
        for row, (nid, norm) in enumerate(norms.items()):
            before = pinned.get(nid) if pinned else None
            change = "" if before is None else _change(before, norm)
            cells = (nid, f"{norm:.4g}", "" if before is None else f"{before:.4g}", change)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()

    def show_histograms(self, nid: str, value, grad) -> None:
        """The value and gradient histograms (BINS bins) of node ``nid`` at the step."""
        plot = self.histogram
        plot.clear()
        plot.setTitle(f"{nid}: value (blue), gradient (red)")
        for array, colour in ((value, "#4292c6"), (grad, "#ef3b2c")):
            if array is None or not np.size(array):
                continue
            counts, edges = np.histogram(np.asarray(to_numpy(array), dtype=np.float64), BINS)
            plot.plot(edges, counts, stepMode="center", pen=pg.mkPen(colour, width=1.5))


def _change(before: float, now: float) -> str:
    """The change from ``before`` to ``now`` as a factor (x2.5) or percentage."""
    if before == 0:
        return "from 0" if now else "0"
    ratio = now / before
    return f"x{ratio:.3g}" if ratio >= 2 or ratio <= 0.5 else f"{(ratio - 1) * 100:+.1f}%"


class ReplayController:
    """Puts ``window``'s graph in a past step of the dashboard's run (see the module)."""

    def __init__(self, window) -> None:
        self.window, self.dashboard = window, window.training
        self.panel = ReplayPanel()
        # scrolled: the window still fits 1280x800
        self.dock = add_dock(window, "Replay", scrolled(self.panel), Qt.RightDockWidgetArea)
        if "problems" in window.docks:  # a tab beside Problems and Gradient check
            window.tabifyDockWidget(window.docks["problems"], self.dock)
        self.dock.hide()
        if "problems" in window.docks:  # hiding the current tab made Gradient check current
            window.docks["problems"].raise_()
        self.current = self.pinned = None
        #: where the shown and the pinned step are on the loss curve
        self.markers = {
            "current": pg.InfiniteLine(angle=90, pen=pg.mkPen("#e6550d", width=2)),
            "pinned": pg.InfiniteLine(
                angle=90, pen=pg.mkPen("#e6550d", width=1.5, style=Qt.DashLine)
            ),
        }
        self.watcher = JobWatcher(self.panel)
        self.watcher.finished.connect(window.guard.slot("Replay", self._done))
        guard, panel = window.guard, self.panel
        panel.go.clicked.connect(
            guard.slot("Go to step", lambda: self.go_to(panel.step_box.value()))
        )
        panel.pin.clicked.connect(guard.slot("Pin", self.pin))
        panel.back.clicked.connect(guard.slot("Back to now", self.back_to_now))
        panel.table.itemSelectionChanged.connect(guard.slot("Histogram", self._chosen))
        self.dashboard.live.loss.stepClicked.connect(guard.slot("Replay", self._clicked))
        window.doc.subscribe(self._on_change, STRUCTURE | {ChangeKind.PARAMS_CHANGED})

    # -- commands ----------------------------------------------------------------------------

    def _clicked(self, step: int) -> None:
        """A click on the loss curve: replay that step once the curve shows a run."""
        if self.dashboard.record.steps:
            self.go_to(step)

    def go_to(self, step: int) -> None:
        """Recompute ``step`` of the dashboard's run in the background, then show it."""
        self.dock.show()
        self.dock.raise_()
        self.panel.step_box.setValue(step)
        record = self.dashboard.record
        if self.dashboard.running:
            self._say("Replay works once the run has ended (its snapshots are still written).")
        elif not record.snapshots:
            self._say("This run kept no snapshots, so its steps cannot be replayed.")
        elif self.watcher.running:
            self._say("A replay is still being computed.")
        else:
            from graphlab.replay import replay_step

            doc = self.window.doc.snapshot()
            self.watcher.start(lambda job: replay_step(doc, record, step), "replay")
            self._say(f"Replaying step {step} of {record.name}...")

    def pin(self) -> None:
        """Keep the shown step for comparison with the next one."""
        self.pinned = self.current
        self._say(f"Pinned step {self.current.step}; go to another step to compare.")
        self._show_table()

    def back_to_now(self) -> None:
        """The document again: the stepper's own trace, no replay overlays."""
        self.current = self.pinned = None
        self._mark()
        stepper = self.window.stepper
        stepper.model.replayed = None
        stepper.model.invalidate()
        stepper.training.clear()
        stepper.refresh()
        self.panel.show_norms({}, None)
        self.panel.histogram.clear()
        self.panel.set_active(False)
        self._say(IDLE)

    # -- results -----------------------------------------------------------------------------

    def _done(self, job) -> None:
        if job.state != DONE:
            self._say(job.message())
            return
        replayed = self.current = job.result
        model = self.window.stepper.model
        model.replayed = replayed
        model.invalidate()
        model.run_backward()  # every node's value and gradient of the step
        graph = replayed.graph
        show_gradient_norms(self.window, replayed.grad_norms())
        histograms = {n: Histogram.of(graph.values[n], BINS) for n in graph.order}
        show_saturation(self.window, saturation_from_histograms(graph_ops(graph), histograms))
        self.panel.set_active(True)
        self._show_table()
        where = f"step {replayed.step} (epoch {replayed.epoch})"
        self._say(f"The graph shows {where}: loss {replayed.loss:.6g}, as the run logged it.")

    def _mark(self) -> None:
        """The vertical lines at the shown and the pinned step on the loss curve."""
        plot = self.dashboard.live.loss
        for name, replayed in (("current", self.current), ("pinned", self.pinned)):
            line = self.markers[name]
            if replayed is None:
                plot.removeItem(line)
                continue
            line.setPos(replayed.step)
            if line.scene() is None:
                plot.addItem(line, ignoreBounds=True)

    def _show_table(self) -> None:
        self._mark()
        if self.current is None:
            return
        pinned = self.pinned.grad_norms() if self.pinned is not None else None
        if pinned is not None and self.pinned is not self.current:
            self._say(f"Step {self.current.step} against pinned step {self.pinned.step}.")
        self.panel.show_norms(self.current.grad_norms(), pinned)

    def _chosen(self) -> None:
        rows = self.panel.table.selectionModel().selectedRows()
        if self.current is None or not rows:
            return
        nid = self.panel.table.item(rows[0].row(), 0).text()
        graph = self.current.graph
        self.panel.show_histograms(nid, graph.values.get(nid), graph.grads.get(nid))
        self.window.select_node(nid)

    def _on_change(self, change) -> None:
        if self.current is not None:
            self.back_to_now()
            self._say("The graph changed, so it shows the document again.")

    def _say(self, text: str) -> None:
        self.panel.status.setText(text)


def graph_ops(graph) -> dict[str, str]:
    """Node id -> op name of an engine graph."""
    return {nid: graph.nodes[nid].op for nid in graph.order}


def install_replay(window) -> ReplayController:
    """Add the Replay dock to ``window`` (after the training dock) as ``window.replay``."""
    window.replay = ReplayController(window)
    window.docks["replay"] = window.replay.dock
    return window.replay
