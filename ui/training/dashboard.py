"""The training dashboard: the panel's controls, the live plots and the results, driven by a
QTimer that pulls the worker's latest snapshot (REFRESH_MS), never by the training steps.

Start prepares the run on the UI thread (compile, data) and trains in a
:class:`~ui.training.worker.TrainingWorker`; when the worker ends (finished, stopped or an
error) the trained values are written back into the document on the UI thread
(``TrainingRun.finish``) and the run's metrics are kept in ``doc.training["runs"]``.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from engine.errors import GraphLabError
from engine.optim import LBFGS
from graphlab.training import OPTIMIZER_STATE, prepare_training, training_settings
from ui.training.live import LiveView, ResultsView
from ui.training.panel import TrainingPanel
from ui.training.process_worker import TrainingProcess
from ui.training.runs import RunRecord, saved_runs, with_run
from ui.training.worker import TrainingBridge, TrainingWorker, activation_maps

#: the dashboard's refresh period: each tick redraws the next group of REDRAWS, so a tick's
#: drawing stays short; the loss curve is redrawn 10 times a second, the others 3.3 times
REFRESH_MS = 50
REDRAWS = (("steps",), ("epochs", "ratios"), ("steps",), ("histograms",), ("steps",), ("images",))
PARTS = tuple(dict.fromkeys(part for group in REDRAWS for part in group))
#: the interpreter's thread switch interval while training (seconds): the worker's Python
#: code then hands the GIL to the UI thread within a millisecond (the default is 5 ms,
#: and a redraw waits for the GIL many times)
SWITCH_INTERVAL = 0.0005
#: most steps between statistics (filters, histograms, ratios, boundary)
STATS_EVERY = 10
#: points per axis of the decision-boundary grid
GRID = 60


def stats_interval(steps_per_epoch: int) -> int:
    """Statistics a few times per epoch, at most every STATS_EVERY steps."""
    return max(1, min(STATS_EVERY, steps_per_epoch // 4)) if steps_per_epoch >= 4 else STATS_EVERY


def use_process(device: str) -> bool:
    """Train in a forked process (Linux, CPU); else in a thread (CUDA contexts don't fork)."""
    return sys.platform.startswith("linux") and device == "cpu"


class TrainingDashboard(QWidget):
    """Panel (left) and tabs of plots (right). ``finished`` fires after a run is written back."""

    finished = Signal()

    def __init__(self, window) -> None:
        super().__init__()
        self.window, self.doc = window, window.doc
        self.panel = TrainingPanel()
        self.live = LiveView()
        self.results = ResultsView(self.doc)
        self.live.more_plots = self.results.plots()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.live, "Live")
        self.tabs.addTab(self.results, "Results and baselines")
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(390)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([390, 1200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.run = self.worker = self.bridge = None
        self.record = RunRecord()
        self.first_step = self.total_steps = 0
        self._switch_interval = sys.getswitchinterval()
        self._tick, self._maps_shown = 0, None
        self._pending: dict[str, list] = {part: [] for part in PARTS}
        self._watched: tuple[str | None, object] = (None, None)
        self.panel.startClicked.connect(self.start_training)
        self.panel.pauseToggled.connect(self.set_paused)
        self.panel.stopClicked.connect(self.stop)
        self.panel.resetClicked.connect(self.reset_parameters)
        self.panel.datasetChanged.connect(self.preview_dataset)
        self.live.selectionChanged.connect(self._selection_changed)
        self.live.compareChanged.connect(self._compare)
        self.doc.subscribe(self._document_changed)
        self.load_document()

    # -- the document --------------------------------------------------------------------

    def _document_changed(self, change) -> None:
        if change.kind == "reset":
            self.load_document()
        elif change.kind in ("node_added", "node_removed") and self.worker is None:
            self.live.set_choices(self.doc)

    def load_document(self) -> None:
        """Show the document's settings and its last saved run's curves."""
        if self.worker is not None:
            return
        try:
            self.panel.load(training_settings(self.doc), self.doc.dataset)
        except GraphLabError as exc:
            self.panel.show_message(str(exc))
        self.live.set_choices(self.doc)
        runs = saved_runs(self.doc.training)
        self.live.set_runs(runs)
        self.record = runs[-1] if runs else RunRecord()
        self.live.show_record(self.record, reset=True)

    def preview_dataset(self) -> None:
        """Load the chosen dataset (or the graph's) for the preview; errors go to the panel."""
        from graphlab.datasets import load_dataset

        spec = self.panel.dataset_spec() or self.doc.dataset.get("spec")
        if not spec:
            return
        try:
            self.panel.preview.show_dataset(load_dataset(spec))
        except GraphLabError as exc:
            self.panel.show_message(str(exc))

    # -- control -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.worker is not None

    def steps_done(self) -> int:
        """Steps of the current or last run that reached the window."""
        return self.record.step[-1] - self.first_step if self.record.step else 0

    def progress(self) -> float:
        """The share (0-1) of the current or last run's steps that reached the window."""
        return self.steps_done() / max(self.total_steps, 1)

    def start_training(self, epochs: int | None = None) -> bool:
        """Prepare and start a run with the panel's settings; False (and a message) if it can't."""
        if self.worker is not None:
            return False
        panel = self.panel
        panel.show_message("")
        try:
            overrides = panel.overrides()
            if epochs:
                overrides["epochs"] = int(epochs)
                panel.epochs.setValue(int(epochs))
            self._apply_dataset_choice()
            run = prepare_training(self.doc, overrides, panel.device_name)
        except (GraphLabError, ValueError) as exc:
            panel.show_message(str(exc))
            return False
        stored = {k: v for k, v in overrides.items() if k != "epochs" or not epochs}
        self.doc.training = {**self.doc.training, **stored}
        trainer = run.trainer
        per_epoch = (
            1 if isinstance(trainer.optimizer, LBFGS) else -(-len(trainer.X) // trainer.batch_size)
        )
        self.first_step, self.total_steps = trainer.step, per_epoch * trainer.epochs
        self.run, self.bridge = run, TrainingBridge()
        worker_class = TrainingProcess if use_process(panel.device_name) else TrainingWorker
        self.worker = worker_class(run, self.bridge, stats_interval(per_epoch), GRID)
        number = len(saved_runs(self.doc.training)) + 1
        name = f"run {number}: {run.settings['optimizer']}, lr {run.settings['lr']:g}"
        self.record = RunRecord(name=name, settings={**overrides, "device": panel.device_name})
        self.live.start_run(
            self.record, run, self.first_step + 1, self.first_step + self.total_steps
        )
        self.results.clear()
        self._selection_changed()
        panel.set_running(True)
        panel.show_progress(0, self.total_steps, 0.0)
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, SWITCH_INTERVAL))
        self.worker.start()
        self.timer.start()
        return True

    def _apply_dataset_choice(self) -> None:
        spec = self.panel.dataset_spec()
        binding = dict(self.doc.dataset)
        if spec is not None:
            binding["spec"] = spec
        if binding:
            binding["split"] = {**binding.get("split", {}), **self.panel.split()}
            self.doc.dataset = binding

    def set_paused(self, paused: bool) -> None:
        if self.worker is not None:
            (self.worker.pause if paused else self.worker.resume)()

    def stop(self) -> None:
        """End the run before its next step and write the trained values back (UI thread)."""
        if self.worker is None:
            return
        self.worker.stop()
        self.worker.join(timeout=1.0)
        if not self.worker.is_alive():
            self.refresh()

    def reset_parameters(self) -> None:
        """Fresh initial parameters (the settings' seed); forget progress and optimizer state."""
        if self.worker is not None:
            return
        doc = self.doc
        seed = training_settings(doc).get("seed", 0)
        doc.params.clear()
        doc.state.clear()
        doc.extra_arrays.pop(OPTIMIZER_STATE, None)
        doc.training = {k: v for k, v in doc.training.items() if k != "progress"}
        try:
            graph = doc.compile(seed=seed)
        except GraphLabError as exc:
            self.panel.show_message(str(exc))
            return
        doc.set_params({k: v for k, v in graph.params.items()})
        self._mark_unsaved()
        self.panel.show_message("Parameters reset to fresh initial values.")

    def _mark_unsaved(self) -> None:
        """Trained (or reset) values are changes outside the undo stack: Save keeps them."""
        files = self.window.files
        files.unsaved_outside_stack = True
        files.stateChanged.emit()

    # -- the timer -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Pull what is new from the worker and redraw the next group of plots that has
        something new (each tick's work stays small); everything once the run ends."""
        if self.bridge is None:
            return
        snap = self.bridge.take()
        record = self.record
        record.add_steps(snap.steps)
        record.add_epochs(snap.epochs)
        for event in snap.stats:
            record.add_ratios(event.step, event.update_ratios)
        for part, new in (("steps", snap.steps), ("epochs", snap.epochs)):
            self._pending[part] += new[-1:]
        for part in ("ratios", "histograms", "images"):
            self._pending[part] += snap.stats
        due = PARTS if snap.finished else REDRAWS[self._tick % len(REDRAWS)]
        self._tick += 1
        for part in due:
            new_maps = part == "images" and snap.activations is not self._maps_shown
            if self._pending[part] or new_maps:
                self._redraw(part, self._pending[part], snap)
                self._pending[part] = []
        if snap.finished:
            self._finish(snap)

    def _redraw(self, part: str, new: list, snap) -> None:
        """Redraw one group of plots from what arrived since it was last drawn."""
        live, record = self.live, self.record
        if part == "steps":
            live.update_steps(record)
            self.panel.show_progress(self.steps_done(), self.total_steps, snap.elapsed)
        elif part == "epochs":
            live.update_epochs(record)
        elif part == "ratios":
            live.update_ratios(record)
        elif part == "histograms":
            live.add_histograms(new)
        else:
            live.update_images(new, snap.activations)
            param, callback = self._watched
            if new and new[-1].weights is not None and param and not live.filter_param():
                callback(new[-1].weights)
            self._maps_shown = snap.activations
            if new:
                self._show_on_canvas(new[-1])

    def _show_on_canvas(self, event) -> None:
        """The stepper's overlay of gradient norms and saturation on the canvas, if installed."""
        if getattr(self.window, "stepper", None) is None:
            return
        from ui.stepper import show_gradient_norms, show_saturation
        from ui.stepper.training_overlay import saturation_from_histograms

        show_gradient_norms(self.window, event.grad_norms)
        ops = {nid: node.op for nid, node in self.doc.nodes.items()}
        show_saturation(self.window, saturation_from_histograms(ops, event.activation_histograms))

    def _finish(self, snap) -> None:
        self.timer.stop()
        self.worker.join()
        sys.setswitchinterval(self._switch_interval)
        if isinstance(self.worker, TrainingProcess):
            self.worker.apply()
        run, self.worker = self.run, None
        run.finish()
        if snap.error:
            self.panel.show_message(snap.error)
        if snap.results is not None:
            self.results.show_results(snap.results)
            if snap.results.grid is not None:
                grid = snap.results.grid
                self.live.boundary.show_grid(grid.xs, grid.ys, grid.scores)
        if self.record.step:
            self.doc.training = with_run(self.doc.training, self.record)
        self.live.set_runs(saved_runs(self.doc.training))
        self._selection_changed()  # the final filters and activation maps
        self._mark_unsaved()
        self.panel.set_running(False)
        self.finished.emit()

    # -- choices in the live view ----------------------------------------------------------

    def watch_weights(self, param: str | None, callback=None) -> None:
        """While no conv filters are shown, have the statistics carry ``param``'s values and
        call ``callback(values)`` with each (the Course menu's class templates); None stops."""
        self._watched = (param, callback)
        self._selection_changed()

    def _selection_changed(self) -> None:
        layer, param, index = (
            self.live.conv_layer(),
            self.live.filter_param() or (self._watched[0] if self.worker is not None else None),
            self.live.image_index(),
        )
        if self.worker is not None:
            self.worker.conv_layer, self.worker.image_index = layer, index
            self.worker.set_weights(param)
        else:  # between runs: computed here, the graph is idle
            self.live.show_filters(self.doc.params.get(param) if param else None)
            if self.run is not None and layer:
                self.live.show_activations(activation_maps(self.run, layer, index))

    def _compare(self, record) -> None:
        self.live.show_overlay(record)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QEvent.Close:
            self.shutdown()
        return False

    def shutdown(self) -> None:
        """Stop a run (the window is closing); waits at most a second."""
        if self.worker is not None:
            self.worker.stop()
            self.worker.join(timeout=1.0)
        self.timer.stop()
