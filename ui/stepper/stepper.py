"""The stepper wired into the main window: model, canvas overlay, docks, toolbar and menu."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from graphlab.changes import STRUCTURE, ChangeKind
from graphlab.document import Change
from ui.stepper.explanation_panel import ExplanationPanel
from ui.stepper.gradcheck_panel import GradientCheckPanel
from ui.stepper.group_steps import GroupSteps
from ui.stepper.model import StepperModel
from ui.stepper.overlay import StepOverlay
from ui.stepper.pulses import GradientPulses
from ui.stepper.toolbar import StepperToolbar
from ui.stepper.training_overlay import TrainingOverlay

#: document changes that keep the graph's structure (the walk is recomputed in place)
VALUES_ONLY = (ChangeKind.INPUT_CHANGED, ChangeKind.PARAMS_CHANGED)
#: the document changes the stepper follows
FOLLOWED = STRUCTURE | {ChangeKind.NODE_MOVED, ChangeKind.LOSS_CHANGED, *VALUES_ONLY}


class Stepper:
    """Everything the stepper adds to ``window`` (a MainWindow)."""

    def __init__(self, window) -> None:
        self.window = window
        self.model = StepperModel(window.doc, window)
        self.groups = GroupSteps(window)
        self.model.over = self.groups.over
        self.overlay = StepOverlay(window.scene)
        self.pulses = GradientPulses(window.scene, window)
        self.training = TrainingOverlay(window)
        self.panel = ExplanationPanel()
        self.gradcheck = GradientCheckPanel()
        self.toolbar = StepperToolbar(window)
        self.docks = {
            "explanation": self._dock("Explanation", self.panel, Qt.BottomDockWidgetArea),
            "gradcheck": self._dock("Gradient check", self.gradcheck, Qt.RightDockWidgetArea),
        }
        window.tabifyDockWidget(window.docks["problems"], self.docks["gradcheck"])
        window.docks["problems"].raise_()
        window.resizeDocks([self.docks["explanation"]], [150], Qt.Vertical)
        window.addToolBarBreak()
        window.addToolBar(self.toolbar)
        self._connect()
        self._build_menu()
        window.doc.subscribe(self._on_change, FOLLOWED)

    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(f"dock:{title.lower()}")
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        a, m, guard = self.toolbar.actions_by_name, self.model, self.window.guard
        for name in ("reset", "step_back", "step_forward", "run_forward", "step_backward"):
            guard.trigger(a[name], lambda n=name: self.move(n))
        guard.trigger(a["run_backward"], self.run_backward)
        a["play"].toggled.connect(guard.slot("Play", m.play))
        a["animate"].toggled.connect(guard.slot("Animate", self.set_animation))
        guard.trigger(a["gradcheck"], self.check_gradients)
        self.toolbar.speed.valueChanged.connect(m.set_speed)
        m.set_speed(self.toolbar.speed.value())
        self.toolbar.timeline.sliderPressed.connect(guard.slot("Timeline", self._timeline_pressed))
        self.toolbar.timeline.valueChanged.connect(guard.slot("Timeline", m.jump))
        m.changed.connect(self.refresh)
        m.failed.connect(lambda text: self.window.statusBar().showMessage(text, 8000))
        self.window.scene.groups.scopeChanged.connect(
            lambda _: (self.overlay.place(), self.refresh())
        )
        self.gradcheck.nodeChosen.connect(self.window.select_node)

    def _build_menu(self) -> None:
        menu = self.window.menuBar().addMenu("&Backprop")
        menu.addActions(self.toolbar.actions())
        menu.addSeparator()
        menu.addActions([dock.toggleViewAction() for dock in self.docks.values()])
        self.menu = menu

    # -- reactions ----------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.kind == "node_moved":
            self.overlay.place()
            self.training.place()
            return
        self._stop_animation()
        self.gradcheck.clear_frames()
        position = self.model.position
        self.model.invalidate()
        if change.kind in VALUES_ONLY:
            # an input's value or the parameters changed: recompute the trace, same place
            if position:
                self.model.jump(position, remember=False)
        else:
            self.training.clear()  # the edges it drew may be gone
        self.refresh()

    def _timeline_pressed(self) -> None:
        if self.model.ensure_trace():
            self.refresh()

    def refresh(self, *_) -> None:
        """Show the model's position: labels, highlight, explanation, timeline."""
        m = self.model
        shown = m.shown()
        self.overlay.show(shown)
        self.panel.show_explanation(self.groups.explanation(shown, m.graph) if shown else None)
        phase = m.current.phase if m.current else ""
        self.toolbar.show_position(m.position, len(m.events), phase)
        play = self.toolbar.actions_by_name["play"]
        if play.isChecked() != m.play_timer.isActive():
            play.blockSignals(True)
            play.setChecked(m.play_timer.isActive())
            play.blockSignals(False)

    # -- commands -------------------------------------------------------------------------

    def move(self, name: str) -> None:
        """One of the model's moves (reset, step_back, step_forward, ...), animation stopped."""
        self._stop_animation()
        getattr(self.model, name)()

    def run_backward(self) -> None:
        """The whole backward pass at once, its gradient flow animated (unless turned off)."""
        self._stop_animation()
        self.model.run_backward()
        self.pulses.start(self.model.shown())

    def set_animation(self, on: bool) -> None:
        self.pulses.enabled = on
        if not on:
            self.pulses.stop()

    def _stop_animation(self) -> None:
        self.pulses.stop()

    def check_gradients(self) -> None:
        """Show the gradient-check panel and start a check (it runs in the background)."""
        self.docks["gradcheck"].show()
        self.docks["gradcheck"].raise_()
        self.gradcheck.run(self.window.doc, self.window.scene)


def install_stepper(window) -> Stepper:
    """Add the stepper to ``window`` (as ``window.stepper``)."""
    window.stepper = Stepper(window)
    return window.stepper


def show_gradient_norms(window, norms: dict[str, float]) -> None:
    """Training overlay: stroke the edges leaving each node of ``norms`` (node id -> gradient
    L2 norm, e.g. ``StatsEvent.grad_norms``) by width and colour on a log scale. UI thread."""
    window.stepper.training.show_norms(norms)


def show_saturation(window, fractions: dict[str, tuple[str, float]]) -> None:
    """Badges over nodes: node id -> ("saturated" or "dead", fraction); see
    :func:`ui.stepper.training_overlay.saturation_from_histograms`. UI thread."""
    window.stepper.training.show_saturation(fractions)
