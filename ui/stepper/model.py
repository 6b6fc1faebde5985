"""The stepper's state: the engine's trace of one run and how much of it is shown.

``position`` counts the events shown (0: nothing yet, ``len(events)``: the whole backward
pass). :meth:`StepperModel.step_back` moves one event back along the timeline.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from engine.errors import GraphLabError
from engine.graph import Graph, TraceEvent
from graphlab.binding import sample_feeds
from graphlab.document import GraphDocument

#: samples fed to a graph with a bound dataset (enough for shapes, small enough to step)
TRACE_BATCH = 4
#: seconds past which a failed trace is not run again at the next key press (a custom op
#: stopped by its time limit would freeze the window that long each time) until the document
#: changes or Reset is pressed
SLOW_FAILURE = 1.0


class StepperModel(QObject):
    """The trace events of ``doc``'s graph (float64) and the current position in them.

    ``changed(position)`` after every move; ``failed(message)`` when the graph cannot run.
    """

    changed = Signal(int)
    failed = Signal(str)

    def __init__(self, doc: GraphDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.graph: Graph | None = None
        self.events: list[TraceEvent] = []
        self.position = 0
        self.error = ""
        #: the last trace failed slowly: say its error again instead of running it again
        self.remembered_failure = False
        #: a past training step to walk instead of the document (graphlab.replay.ReplayedStep)
        self.replayed = None
        #: (events, index) -> the position a step showing events[index] reaches (groups)
        self.over = lambda events, index: index + 1
        self.play_timer = QTimer(self)
        self.play_timer.setInterval(600)
        self.play_timer.timeout.connect(self._play_tick)

    # -- the trace ----------------------------------------------------------------------

    def invalidate(self) -> None:
        """Forget the trace (the document changed); the next move recomputes it from the start."""
        self.play_timer.stop()
        self.graph, self.events, self.error = None, [], ""
        self.remembered_failure = False
        if self.position:
            self.position = 0
            self.changed.emit(0)

    def ensure_trace(self) -> bool:
        """Run the graph once (forward and backward) and keep every event; False on failure."""
        if self.graph is not None:
            return True
        if self.remembered_failure:
            self.failed.emit(self.error)
            return False
        started = time.monotonic()
        try:
            if self.replayed is not None:
                graph, self.events = self.replayed.graph, list(self.replayed.trace())
            else:
                graph = self.doc.compile(dtype="float64")
                feeds = sample_feeds(self.doc, batch=TRACE_BATCH)
                self.events = list(graph.trace(feeds, output=self.doc.loss_node(graph)))
        except GraphLabError as exc:
            self.events, self.error = [], str(exc)
            self.remembered_failure = time.monotonic() - started > SLOW_FAILURE
            self.failed.emit(self.error)
            return False
        self.graph, self.error = graph, ""
        return True

    @property
    def forward_count(self) -> int:
        return sum(1 for e in self.events if e.phase == "forward")

    @property
    def current(self) -> TraceEvent | None:
        """The event shown last (the node being computed), None before the first step."""
        return self.events[self.position - 1] if self.position else None

    def shown(self) -> list[TraceEvent]:
        return self.events[: self.position]

    # -- moving -------------------------------------------------------------------------

    def jump(self, position: int) -> None:
        """Show the first ``position`` events (clamped to the trace)."""
        if not self.ensure_trace():
            return
        position = max(0, min(position, len(self.events)))
        if position == self.position:
            return
        self.position = position
        self.changed.emit(position)

    def step_forward(self) -> None:
        """One more forward event (nothing once the forward pass is shown)."""
        if self.ensure_trace() and self.position < self.forward_count:
            self.jump(self.over(self.events, self.position))

    def step_backward(self) -> None:
        """One more backward event (the forward pass completes first)."""
        if self.ensure_trace() and max(self.position, self.forward_count) < len(self.events):
            self.jump(self.over(self.events, max(self.position, self.forward_count)))

    def run_forward(self) -> None:
        if self.ensure_trace():
            self.jump(max(self.position, self.forward_count))

    def run_backward(self) -> None:
        if self.ensure_trace():
            self.jump(len(self.events))

    def step_back(self) -> None:
        """One event back along the timeline (from the end of backward: the previous
        backward node; from the first forward node: nothing shown)."""
        if self.position:
            self.jump(self.position - 1)

    def step_next(self) -> None:
        """One event on along the timeline (forward, then backward)."""
        if self.ensure_trace():
            self.jump(self.position + 1)

    def run_back(self) -> None:
        """Back to the start of this pass: from backward to the end of forward, else to 0."""
        if self.ensure_trace():
            self.jump(self.forward_count if self.position > self.forward_count else 0)

    def reset(self) -> None:
        """Back to nothing computed; a remembered failure is tried again."""
        self.remembered_failure = False
        self.play_timer.stop()
        self.jump(0)

    def goto(self, phase: str, steps: int) -> None:
        """``steps`` events into ``phase`` ('forward' or 'backward'), as one move."""
        if not self.ensure_trace():
            return
        start = 0 if phase == "forward" else self.forward_count
        end = self.forward_count if phase == "forward" else len(self.events)
        self.jump(min(start + steps, end))

    # -- playing ------------------------------------------------------------------------

    def set_speed(self, steps_per_second: float) -> None:
        self.play_timer.setInterval(max(16, int(1000 / max(steps_per_second, 0.1))))

    def play(self, on: bool = True) -> None:
        """Advance one event per timer tick until the end (or until ``play(False)``)."""
        if on and self.ensure_trace():
            if self.position >= len(self.events):
                self.jump(0)
            self.play_timer.start()
        else:
            self.play_timer.stop()

    def _play_tick(self) -> None:
        if self.position + 1 >= len(self.events):
            self.play_timer.stop()  # before the last move, so its listeners see play ended
        self.jump(self.position + 1)
