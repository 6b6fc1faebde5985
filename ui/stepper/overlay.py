"""The stepper's drawing on the canvas: what the shown trace events say, edge by edge.

Each edge ``src -> dst.port`` has a value chip (green, above its curve: src's output once
its forward event is shown) and a gradient chip (red, below: dL/d(src) through this edge
once dst's backward event is shown). Nodes that feed nothing (the loss) carry the same two
chips at their output port. The chips keep their pixel size at any zoom and never cover a
node or each other (``ui/stepper/chip_layout.py``): where there is no room they collapse to
dots with a tooltip; the selected node's and the current node's edges get room first. The node of the latest event
is framed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QTimer

from engine.graph import TraceEvent
from ui.canvas.node_item import NodeItem
from ui.stepper.chip_layout import place_chips
from ui.stepper.labels import GRAD_COLOUR, VALUE_COLOUR, NodeHighlight, ValueLabel

#: where along an edge its chips may sit, best first, and its dots (finer, nearer the ends)
ANCHOR_CHOICES = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)
DOT_CHOICES = (0.5, 0.35, 0.65, 0.25, 0.75, 0.42, 0.58, 0.15, 0.85, 0.1, 0.9, 0.05, 0.95)
#: a sink's chips sit this far right of its output port (scene units)
SINK_OFFSET = 28.0


def edge_key(edge) -> str:
    return f"{edge.src}->{edge.dst}.{edge.port}"


def visible_rect(view) -> QRectF:
    """The scene rect ``view`` shows."""
    return view.mapToScene(view.viewport().rect()).boundingRect()


class _ViewWatch(QObject):
    """Lays the chips out again after the view's scale or visible rect changed (seen at its
    next paint): only the chips in view are placed with care."""

    def __init__(self, overlay) -> None:
        super().__init__()
        self.overlay, self.view, self.seen = overlay, None, None
        self.pending = False

    def watch(self, view) -> None:
        if view is not self.view:
            if self.view is not None:
                self.view.viewport().removeEventFilter(self)
            self.view = view
            view.viewport().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        view = self.view
        paint = event.type() == QEvent.Paint and view is not None and not self.pending
        if paint and (view.transform().m11(), visible_rect(view)) != self.seen:
            self.pending = True
            QTimer.singleShot(0, view, self._relayout)
        return False

    def _relayout(self) -> None:
        self.pending = False
        self.overlay.layout()


class StepOverlay:
    """Labels over ``scene`` (a GraphScene); :meth:`show` draws a prefix of trace events."""

    def __init__(self, scene) -> None:
        self.scene = scene
        #: key (edge_key or a sink's node id) -> (value label, gradient label)
        self.labels: dict[str, tuple[ValueLabel, ValueLabel]] = {}
        self.highlight = NodeHighlight()
        self._built_for: tuple | None = None
        self._watch = _ViewWatch(self)
        self._anchor_cache: dict | None = None
        self.current = ""  # the node of the latest event shown
        scene.selectedNodesChanged.connect(lambda _ids: self.layout())

    def _anchors(self) -> dict[str, tuple[list[QPointF], list[QPointF]]]:
        """Each key's candidate points for a chip and for a dot, best first: along its edge
        as drawn (a wire into a collapsed group ends at the group's port), or right of a sink's output (its group's output port when collapsed); kept
        until a node moves, a group opens or closes, or the scene is rebuilt."""
        if self._anchor_cache is None:
            anchors = {}
            groups = self.scene.groups
            for edge, item in self.scene.edges.items():
                path = (groups.drawn(edge, item) or item).path()  # hidden wires keep a label
                anchors[edge_key(edge)] = (
                    [path.pointAtPercent(t) for t in ANCHOR_CHOICES],
                    [path.pointAtPercent(t) for t in DOT_CHOICES],
                )
            feeding = {e.src for e in self.scene.edges}
            for nid, item in self.scene.nodes.items():
                if nid not in feeding:
                    gid = groups.gate_of(nid)
                    out = groups.items[gid].output_pos(nid) if gid else item.output_pos()
                    points = [out + QPointF(SINK_OFFSET + dx, 0.0) for dx in (0.0, 12.0, 24.0)]
                    anchors[nid] = (points[:1], points)
            self._anchor_cache = anchors
        return self._anchor_cache

    def _build(self) -> None:
        """Make the labels for the scene's current nodes and edges (after it rebuilt)."""
        self.remove()
        for key in self._anchors():
            pair = (ValueLabel(VALUE_COLOUR, above=True), ValueLabel(GRAD_COLOUR, above=False))
            for label in pair:
                self.scene.addItem(label)
            self.labels[key] = pair
        self.scene.addItem(self.highlight)
        self._built_for = (tuple(self.scene.nodes.values()), tuple(self.scene.edges.values()))
        self.place()

    def remove(self) -> None:
        """Take every overlay item off the canvas."""
        for pair in self.labels.values():
            for label in pair:
                if label.scene() is not None:
                    label.scene().removeItem(label)
        if self.highlight.scene() is not None:
            self.highlight.scene().removeItem(self.highlight)
        self.labels, self._built_for, self._anchor_cache = {}, None, None

    def place(self) -> None:
        """Lay the chips out again (after building them, and when a node moved)."""
        self._anchor_cache = None
        self.layout()
        if self.highlight.nid in self.scene.nodes:
            self.highlight.frame(self.highlight.nid, self.scene.nodes[self.highlight.nid])

    def layout(self) -> None:
        """Place every chip in view that holds a value: full where there is room at the view's
        scale (the selected node's edges first), else a dot, never over a node or another."""
        views = self.scene.views()
        scale, visible = 1.0, None
        if views:
            scale, visible = views[0].transform().m11(), visible_rect(views[0])
            self._watch.watch(views[0])
            self._watch.seen = (scale, visible)
        selected = {item.nid for item in self.scene.selectedItems() if isinstance(item, NodeItem)}
        selected.add(self.current)  # the node being computed: its numbers are the lesson
        first = {edge_key(e) for e in self.scene.edges if {e.src, e.dst} & selected} | selected
        chips = []
        for key, (points, dots) in self._anchors().items():
            for label in self.labels.get(key, ()):
                if label.has_value:
                    chips.append((key, label, points, dots, -1 if label.above else 1))
        place_chips(self.scene, scale, chips, first, visible)

    def show(self, events: list[TraceEvent]) -> None:
        """Draw the state after ``events`` (a prefix of the trace, in order)."""
        current = (tuple(self.scene.nodes.values()), tuple(self.scene.edges.values()))
        if self._built_for != current or self.highlight.scene() is not self.scene:
            self._build()
        values, grads, sink_grads = {}, {}, {}
        for event in events:
            if event.phase == "forward":
                values[event.node] = event.output
            else:
                sink_grads[event.node] = event.grad_out
                for port, grad in event.input_grads.items():
                    grads[(event.node, port)] = grad
        groups = self.scene.groups  # a wire or node hidden in a group shows no label
        for edge, item in self.scene.edges.items():
            shown = groups.drawn(edge, item) is not None
            value_label, grad_label = self.labels[edge_key(edge)]
            self._set(value_label, edge.src, values.get(edge.src) if shown else None)
            grad = grads.get((edge.dst, edge.port)) if shown else None
            self._set(grad_label, f"dL/d{edge.src} via {edge.dst}", grad)
        for key, (value_label, grad_label) in self.labels.items():
            if key in self.scene.nodes:
                shown = groups.item_of(key) is not None
                self._set(value_label, key, values.get(key) if shown else None)
                self._set(grad_label, f"dL/d{key}", sink_grads.get(key) if shown else None)
        last = events[-1].node if events else ""
        self.current = last
        self.layout()
        if groups.item_of(last) is not None:
            self.highlight.frame(last, groups.item_of(last))
        else:
            self.highlight.clear()

    @staticmethod
    def _set(label: ValueLabel, title: str, value) -> None:
        if value is None:
            label.clear()
        else:
            label.set_value(title, value)

    def snapshot(self) -> dict[str, tuple]:
        """Every label's (text, visible) and the highlighted node: equal displays, equal dicts."""
        state = {
            f"{key}:{kind}": (label.text, label.isVisible())
            for key, pair in self.labels.items()
            for kind, label in zip(("value", "grad"), pair, strict=True)
        }
        state["highlight"] = (self.highlight.nid, self.highlight.isVisible())
        return state

    def visible_texts(self) -> dict[str, str]:
        """``{"q->f.a:value": "3", ...}`` for the labels showing now."""
        return {
            k: text for k, (text, shown) in self.snapshot().items() if shown and k != "highlight"
        }
