"""The stepper toolbar: step and run buttons, Play with a speed slider, and the timeline."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QSlider, QToolBar, QWidget

#: (name, text, tooltip, shortcuts) of the toolbar's buttons
STEP_ACTIONS = (
    ("reset", "Reset", "Clear the walk (nothing computed yet)", ("Home",)),
    ("step_back", "Step back", "One node back along the timeline", ("Left",)),
    ("step_forward", "Forward step", "Compute the next node", ()),
    ("run_forward", "Run forward", "Compute every node", ()),
    ("step_backward", "Backward step", "Send the gradient through the next node", ()),
    ("run_backward", "Run backward", "The whole backward pass (animated)", ()),
    ("play", "Play", "Step through the whole trace at the chosen speed", ()),
)
#: the Backprop menu's moves along the timeline (keys only, no buttons)
TIMELINE_ACTIONS = (
    ("step_next", "Next step", "One node on: forward, then backward", ("Right",)),
    (
        "run_next",
        "Run this pass",
        "To the end of the forward pass, then of backward",
        ("Shift+Right",),
    ),
    (
        "run_back",
        "Run back",
        "To the start of this pass (backward: the end of forward)",
        ("Shift+Left",),
    ),
)
#: steps per second at the speed slider's ends
MIN_SPEED, MAX_SPEED, DEFAULT_SPEED = 1, 20, 3


class StepperToolbar(QToolBar):
    """Buttons in ``actions`` (by name), ``speed`` and the scrubbable ``timeline`` sliders."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Backprop", parent)
        self.setObjectName("toolbar:stepper")
        self.actions_by_name: dict[str, QAction] = {}
        for name, text, tip, keys in STEP_ACTIONS:
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(key) for key in keys])
            action.setToolTip(f"{tip} ({keys[0]})" if keys else tip)
            self.actions_by_name[name] = action
            self.addAction(action)
        self.actions_by_name["play"].setCheckable(True)
        self.speed = QSlider(Qt.Horizontal)
        self.speed.setRange(MIN_SPEED, MAX_SPEED)
        self.speed.setValue(DEFAULT_SPEED)
        self.speed.setFixedWidth(80)
        self.speed.setToolTip("Play speed (steps per second)")
        self.addWidget(self.speed)
        self.addSeparator()
        self.timeline = QSlider(Qt.Horizontal)
        self.timeline.setRange(0, 0)
        self.timeline.setMinimumWidth(220)
        self.timeline.setToolTip("The trace, one tick per node event: drag to jump")
        self.addWidget(self.timeline)
        self.tick_label = QLabel(" 0 / 0 ")
        self.addWidget(self.tick_label)
        self.addSeparator()
        for name, text, tip, checkable in (
            ("animate", "Animate", "Pulses along the edges during Run backward", True),
            ("gradcheck", "Gradient check", "Compare analytic and numerical gradients", False),
        ):
            action = QAction(text, self)
            action.setToolTip(tip)
            action.setCheckable(checkable)
            self.actions_by_name[name] = action
            self.addAction(action)
        self.actions_by_name["animate"].setChecked(True)
        for name, text, tip, keys in TIMELINE_ACTIONS:  # in the menu, not on the toolbar
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(key) for key in keys])
            action.setToolTip(f"{tip} ({keys[0]})")
            self.actions_by_name[name] = action

    def show_position(self, position: int, total: int, phase: str) -> None:
        """Move the timeline without emitting (the model moved already)."""
        self.timeline.blockSignals(True)
        self.timeline.setRange(0, total)
        self.timeline.setValue(position)
        self.timeline.blockSignals(False)
        self.tick_label.setText(f" {position} / {total} {phase} ")
        # room for the widest text of this trace, so the toolbar never clips it ("10 / 1")
        widest = self.tick_label.fontMetrics().horizontalAdvance(f" {total} / {total} backward ")
        if self.tick_label.minimumWidth() != widest:
            self.tick_label.setMinimumWidth(widest)
