"""The training dashboard: the panel's controls, the live plots and the results, driven by a
QTimer that polls the training session (REFRESH_MS), never by the training steps.

Start prepares the run on the UI thread (compile, data) and trains it in a
:class:`~graphlab.training.session.TrainingSession` (a forked process on a Linux CPU, else a
thread); the dashboard only draws what the session's record and snapshots hold. When the run
ends (finished, stopped or an error) the session writes the trained values back into the
document on the UI thread and the run's record is kept in ``doc.training["runs"]``.

A run belongs to the document it started on: replacing the document (New, Open, another
example) or editing one of the run's parameters stops it, and then, as when its parameters no
longer fit, nothing goes back into the document; the run's record stays in the dashboard
(offered for comparison) with a message.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from engine.errors import GraphLabError
from graphlab.training import prepare_training, training_settings
from graphlab.training.run_names import ended_text, finished_name, run_name
from graphlab.training.runs import RunRecord, saved_runs, with_run
from graphlab.training.saved_stats import saved_statistics
from graphlab.training.session import TrainingSession, use_process
from graphlab.training.worker import activation_maps
from ui.preferences import new_run_metrics_path
from ui.training.live import LiveView, ResultsView
from ui.training.panel import TrainingPanel

#: the dashboard's refresh period: each tick redraws the next group of REDRAWS, so a tick's
#: drawing stays short; the loss curve is redrawn 10 times a second, the others 3.3 times
REFRESH_MS = 50
REDRAWS = (("steps",), ("epochs", "ratios"), ("steps",), ("histograms",), ("steps",), ("images",))
PARTS = tuple(dict.fromkeys(part for group in REDRAWS for part in group))
#: the interpreter's thread switch interval while training (seconds): the worker's Python
#: code then hands the GIL to the UI thread within a millisecond (the default is 5 ms,
#: and a redraw waits for the GIL many times)
SWITCH_INTERVAL = 0.0005


class TrainingDashboard(QWidget):
    """Panel (left) and tabs of plots (right). ``finished`` fires after a run is written back."""

    finished = Signal()

    def __init__(self, window) -> None:
        super().__init__()
        self.window, self.doc = window, window.doc
        self.panel = TrainingPanel(self.doc, window.stack)
        self.live = LiveView()
        self.results = ResultsView(self.doc)
        self.live.more_plots = self.results.plots()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.live, "Live")
        self.tabs.addTab(self.results, "Results and baselines")
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(300)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([390, 1200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.panel.header)  # run controls and progress stay in view
        layout.addWidget(splitter, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.run = self.session = self.last_session = None
        #: why the running session no longer belongs to the document (None while it does)
        self.detached: str | None = None
        #: records of runs whose results did not go back into their document
        self.kept_runs: list[RunRecord] = []
        self.record = RunRecord()
        self.preview_stale = True
        self._number, self._started = 0, ""
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
        self.live.compareChanged.connect(self.live.show_overlay)
        self.doc.subscribe(self._document_changed)
        self.load_document()

    # -- the document --------------------------------------------------------------------

    def _document_changed(self, change) -> None:
        running = self.session is not None
        if change.kind == "reset":
            if running:
                self._detach("the document was replaced")
            else:
                self.load_document()
        elif running and change.kind in ("node_removed", "node_changed"):
            if change.subject in self.run.graph.params:
                self._detach(f"parameter {change.subject} was edited")
        elif change.kind in ("node_added", "node_removed"):
            self.live.set_choices(self.doc)

    def _detach(self, reason: str) -> None:
        """The run's document changed under it: stop it; its results will not go back."""
        if self.detached is None:
            self.detached = reason
            self.session.stop()

    def load_document(self) -> None:
        """Show the document's settings and its last saved run's curves."""
        if self.session is not None:
            return
        try:
            self.panel.load(training_settings(self.doc), self.doc.dataset)
        except GraphLabError as exc:
            self.panel.show_message(str(exc))
        self.live.set_choices(self.doc)
        runs = saved_runs(self.doc.training)
        self.live.set_runs(runs + self.kept_runs)
        self.record = runs[-1] if runs else RunRecord()
        self.live.show_record(self.record, reset=True)
        self.run, self.preview_stale = None, True
        self.live.clear_histograms()
        self._selection_changed()  # the saved weights' filters and activation maps
        if self.isVisible():
            self.preview_dataset()

    def preview_dataset(self) -> None:
        """Load the chosen dataset (or the graph's) for the preview; errors go to the panel."""
        from graphlab.datasets import load_dataset

        spec = self.panel.dataset_spec() or self.doc.dataset.get("spec")
        self.preview_stale = False
        if not spec:
            self.panel.preview.clear()
            return
        try:
            self.panel.preview.show_dataset(load_dataset(spec))
        except GraphLabError as exc:
            self.panel.show_message(str(exc))

    # -- control -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.session is not None

    @property
    def worker(self):
        """The running session's worker (thread or process), or None."""
        return None if self.session is None else self.session.worker

    def progress(self) -> float:
        """The share (0-1) of the current or last run's steps that reached the window."""
        return 0.0 if self.last_session is None else self.last_session.progress()

    def start_training(self, epochs: int | None = None) -> bool:
        """Prepare and start a run with the panel's settings; False (and a message) if it can't."""
        if self.session is not None:
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
        self.doc.set_training({**self.doc.training, **stored})
        self._number = len(saved_runs(self.doc.training)) + 1
        self._started = time.strftime("%H:%M")
        epochs = (0, run.trainer.epochs)
        name = run_name(self._number, self._started, run.settings, (0, 0), epochs, {})
        self.record = RunRecord(name=name, settings={**overrides, "device": panel.device_name})
        session = TrainingSession(
            run,
            process=use_process(panel.device_name),
            stats=True,
            record=self.record,
            metrics=new_run_metrics_path(self),
        )
        self.run, self.detached = run, None
        self.session = self.last_session = session
        first = session.first_step
        self.live.start_run(self.record, run, first + 1, first + session.total_steps)
        self.results.clear()
        self._selection_changed()
        panel.set_running(True)
        panel.show_progress(0, session.total_steps, 0.0)
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, SWITCH_INTERVAL))
        session.start()
        self.timer.start()
        return True

    def _apply_dataset_choice(self) -> None:
        spec = self.panel.dataset_spec()
        binding = dict(self.doc.dataset)
        if spec is not None:
            binding["spec"] = spec
        if binding:
            binding["split"] = {**binding.get("split", {}), **self.panel.split()}
            self.doc.set_dataset(binding)

    def set_paused(self, paused: bool) -> None:
        if self.session is not None:
            (self.session.pause if paused else self.session.resume)()

    def stop(self) -> None:
        """End the run before its next step and write the trained values back (UI thread)."""
        session = self.session
        if session is None:
            return
        session.stop()
        session.join(timeout=1.0)
        if not session.is_alive():
            self.refresh()

    def reset_parameters(self) -> None:
        """Fresh initial parameters (the settings' seed); forget progress and optimizer state."""
        if self.session is not None:
            return
        doc = self.doc
        seed = training_settings(doc).get("seed", 0)
        doc.clear_trained()
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
        """Poll the session (its record takes what is new) and redraw the next group of plots
        that has something new (each tick's work stays small); everything once the run ends."""
        if self.session is None:
            return
        snap = self.session.poll()
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
            session = self.session
            self.panel.show_progress(session.steps_done(), session.total_steps, snap.elapsed)
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
        sys.setswitchinterval(self._switch_interval)
        session, self.session = self.session, None
        if self.detached is None and not session.run.fits():
            self.detached = "its parameters no longer fit the graph"
        session.finish(write_back=self.detached is None)
        self.panel.speed.setText(ended_text(session, snap.elapsed))
        self.record.name = finished_name(self._number, self._started, session)
        if self.detached is not None:
            self._keep_apart(snap)
            return
        if snap.error:
            self.panel.show_message(snap.error)
        if snap.results is not None:
            self.results.show_results(snap.results)
            if snap.results.grid is not None:
                grid = snap.results.grid
                self.live.boundary.show_grid(grid.xs, grid.ys, grid.scores)
        if self.record.steps:
            self.doc.set_training(with_run(self.doc.training, self.record))
        self.live.set_runs(saved_runs(self.doc.training) + self.kept_runs)
        self._selection_changed()  # the final filters and activation maps
        self._mark_unsaved()
        self.panel.set_running(False)
        self.finished.emit()

    def _keep_apart(self, snap) -> None:
        """A run that ended apart from its document: its record stays in the dashboard."""
        self.kept_runs = [*self.kept_runs, self.record][-8:]
        where = f" and in {self.record.metrics}" if self.record.metrics else ""
        self.panel.set_running(False)
        self.load_document()
        error = f" ({snap.error})" if snap.error else ""
        self.panel.show_message(
            f"Training stopped: {self.detached}{error}. Its results were not written back; "
            f"its curves stay here (compare: {self.record.name}){where}."
        )
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
        worker = self.worker
        if worker is not None:
            worker.conv_layer, worker.image_index = layer, index
            worker.set_weights(param)
        else:  # between runs: computed here, the graph is idle
            self.live.show_filters(self.doc.params.get(param) if param else None)
            run = self.run or (self._idle_run() if layer else None)
            if run is not None and layer:
                self.live.show_activations(activation_maps(run, layer, index))

    def _idle_run(self):
        """A run on the document's saved weights (a reopened project): its activation maps
        and histograms show without training. None while hidden or when it cannot run."""
        if not self.isVisible() or not self.doc.params:
            return None
        try:
            self.run = prepare_training(self.doc, {}, "cpu")
        except (GraphLabError, ValueError):
            return None
        self.live.add_histograms([saved_statistics(self.run, self.record.last_step)])
        return self.run

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QEvent.Close:
            self.shutdown()
        return False

    def shutdown(self) -> None:
        """Stop a run (the window is closing); waits at most a second."""
        if self.session is not None:
            self.session.stop()
            self.session.join(timeout=1.0)
        self.timer.stop()
