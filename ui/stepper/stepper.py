"""The stepper wired into the main window: model, canvas overlay, docks, toolbar and menu."""

from __future__ import annotations

from PySide6.QtCore import Qt

from engine.ops import get_op
from graphlab.changes import STRUCTURE, ChangeKind
from graphlab.document import Change
from graphlab.explain import Explanation, gradient_summary
from graphlab.names import display_names
from ui.stepper.explanation_panel import ExplanationPanel, node_explanation
from ui.stepper.gradcheck_panel import GradientCheckPanel
from ui.stepper.group_steps import GroupSteps
from ui.stepper.model import StepperModel
from ui.stepper.overlay import StepOverlay
from ui.stepper.pulses import GradientPulses
from ui.stepper.toolbar import StepperToolbar
from ui.stepper.training_overlay import TrainingOverlay
from ui.widgets import add_dock

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
            "explanation": add_dock(window, "Explanation", self.panel, Qt.BottomDockWidgetArea),
            "gradcheck": add_dock(window, "Gradient check", self.gradcheck, Qt.RightDockWidgetArea),
        }
        window.tabifyDockWidget(window.docks["problems"], self.docks["gradcheck"])
        window.docks["problems"].raise_()
        window.default_dock_sizes([self.docks["explanation"]], [150], Qt.Vertical)
        window.addToolBarBreak()
        window.addToolBar(self.toolbar)
        self._connect()
        self._build_menu()
        window.doc.subscribe(self._on_change, FOLLOWED)

    def _connect(self) -> None:
        a, m, guard = self.toolbar.actions_by_name, self.model, self.window.guard
        moves = ("reset", "step_back", "step_forward", "run_forward", "step_backward", "step_next")
        for name in (*moves, "run_back"):
            guard.trigger(a[name], lambda n=name: self.move(n))
        guard.trigger(a["run_backward"], self.run_backward)
        guard.trigger(a["run_next"], self.run_next)
        for action in a.values():  # arrow keys step only while the canvas has the focus
            if not action.shortcut().isEmpty():
                action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
                self.window.view.addAction(action)
        a["play"].toggled.connect(guard.slot("Play", m.play))
        a["animate"].toggled.connect(guard.slot("Animate", self.set_animation))
        guard.trigger(a["gradcheck"], self.check_gradients)
        self.toolbar.speed.valueChanged.connect(m.set_speed)
        m.set_speed(self.toolbar.speed.value())
        self.toolbar.timeline.sliderPressed.connect(guard.slot("Timeline", self._timeline_pressed))
        self.toolbar.timeline.valueChanged.connect(guard.slot("Timeline", m.jump))
        m.changed.connect(self.refresh)
        m.failed.connect(self._failed)
        self.window.scene.groups.scopeChanged.connect(
            lambda _: (self.overlay.place(), self.refresh())
        )
        self.gradcheck.nodeChosen.connect(self.window.select_node)
        self.window.scene.selectedNodesChanged.connect(guard.slot("Explain", self.explain_nodes))

    def _build_menu(self) -> None:
        menu = self.window.menuBar().addMenu("&Backprop")
        a = self.toolbar.actions_by_name
        menu.addActions([a[n] for n in ("reset", "step_back", "step_forward", "run_forward")])
        menu.addActions([a[n] for n in ("step_backward", "run_backward", "play")])
        menu.addSeparator()
        menu.addActions([a["step_next"], a["run_next"], a["run_back"]])
        menu.addSeparator()
        menu.addActions([a["animate"], a["gradcheck"]])
        menu.addSeparator()
        toggles = [dock.toggleViewAction() for dock in self.docks.values()]
        for toggle, title in zip(
            toggles, ("Explanation panel", "Gradient check results"), strict=True
        ):
            toggle.setText(title)
        menu.addActions(toggles)
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
                self.model.jump(position)
        else:
            self.training.clear()  # the edges it drew may be gone
        self.refresh()

    def _failed(self, text: str) -> None:
        """The walk cannot run: say why, and show the Problems list (where a missing input
        value has its "set value" line)."""
        self.window.statusBar().showMessage(text, 8000)
        self.window.docks["problems"].show()
        self.window.docks["problems"].raise_()

    def _timeline_pressed(self) -> None:
        if self.model.ensure_trace():
            self.refresh()

    def refresh(self, *_) -> None:
        """Show the model's position: labels, highlight, explanation, timeline."""
        m = self.model
        shown = m.shown()
        self.overlay.show(shown)
        names = display_names(self.window.doc)
        explanation = self.groups.explanation(shown, m.graph, names) if shown else None
        if explanation is not None and m.position == len(m.events) > m.forward_count:
            explanation.lines.append(gradient_summary(shown, names))  # the whole pass done
        self.panel.show_explanation(explanation)
        self.show_numbers(self.window.inspector.nid)
        phase = m.current.phase if m.current else ""
        self.toolbar.show_position(m.position, len(m.events), phase)
        play = self.toolbar.actions_by_name["play"]
        if play.isChecked() != m.play_timer.isActive():
            play.blockSignals(True)
            play.setChecked(m.play_timer.isActive())
            play.blockSignals(False)

    def show_numbers(self, nid: str | None) -> None:
        """The inspector shows node ``nid``'s value and gradient as far as the walk went."""
        if nid is None:
            return
        value = gradient = None
        for event in self.model.shown():
            if event.node == nid and event.phase == "forward":
                value = event.output
            elif event.node == nid:
                gradient = event.grad_out
        self.window.inspector.show_numbers(nid, value, gradient)

    def explain_nodes(self, ids: list[str]) -> None:
        """The Explanation dock follows the selection: one selected node's forward and
        backward lines with the numbers shown so far, and the inspector its numbers."""
        if len(ids) != 1:
            return
        nid, names = ids[0], display_names(self.window.doc)
        self.show_numbers(nid)
        found = None
        if self.model.graph is not None:
            found = node_explanation(self.model.shown(), self.model.graph, nid, names)
        if found is None:  # not computed yet: its rule
            op = get_op(self.window.doc.nodes[nid].op)
            found = Explanation(nid, "forward", f"{names[nid]} ({op.name})", op.rule)
            found.lines.append(f"{op.formula}   (Run forward to see its numbers)")
        self.panel.show_explanation(found)

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

    def run_next(self) -> None:
        """Shift+Right: Run forward, or once forward is shown, Run backward (animated)."""
        m = self.model
        if m.ensure_trace() and m.position >= m.forward_count:
            self.run_backward()
        else:
            self.move("run_forward")

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
