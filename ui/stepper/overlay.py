"""The stepper's drawing on the canvas: what the shown trace events say, edge by edge.

Each edge ``src -> dst.port`` has a value label (green, above its middle: src's output once
its forward event is shown) and a gradient label (red, below: dL/d(src) through this edge
once dst's backward event is shown). Nodes that feed nothing (the loss) carry the same two
labels at their output port. The node of the latest event is framed.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF

from engine.graph import TraceEvent
from ui.canvas.node_item import NodeItem
from ui.stepper.labels import GRAD_COLOUR, VALUE_COLOUR, NodeHighlight, ValueLabel

#: where along an edge its labels may sit, best first, and the room they need (scene units)
ANCHOR_CHOICES = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)
LABEL_ROOM = (56.0, 44.0)


def edge_key(edge) -> str:
    return f"{edge.src}->{edge.dst}.{edge.port}"


class StepOverlay:
    """Labels over ``scene`` (a GraphScene); :meth:`show` draws a prefix of trace events."""

    def __init__(self, scene) -> None:
        self.scene = scene
        #: key (edge_key or a sink's node id) -> (value label, gradient label)
        self.labels: dict[str, tuple[ValueLabel, ValueLabel]] = {}
        self.highlight = NodeHighlight()
        self._built_for: tuple | None = None

    def _edge_anchor(self, edge_item) -> QPointF:
        """The middle of the edge, or the point nearest it whose labels cover no node."""
        path = edge_item.path()
        for t in ANCHOR_CHOICES:
            point = path.pointAtPercent(t)
            room = QRectF(point.x() - LABEL_ROOM[0] / 2, point.y() - LABEL_ROOM[1] / 2, *LABEL_ROOM)
            if not any(isinstance(item, NodeItem) for item in self.scene.items(room)):
                return point
        return path.pointAtPercent(0.5)

    def _anchors(self) -> dict[str, QPointF]:
        groups = self.scene.groups  # a wire into a group: by its rerouted curve
        anchors = {
            edge_key(e): self._edge_anchor(groups.drawn(e, item) or item)
            for e, item in self.scene.edges.items()
        }
        feeding = {e.src for e in self.scene.edges}
        for nid, item in self.scene.nodes.items():
            if nid not in feeding:  # a sink: by its output, or its group's output port
                gid = self.scene.groups.gate_of(nid)
                port = self.scene.groups.items[gid].output_pos(nid) if gid else item.output_pos()
                anchors[nid] = port + QPointF(28.0, 0.0)
        return anchors

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
        self.labels, self._built_for = {}, None

    def place(self) -> None:
        """Put the labels by their edges (after building them, and when a node moved)."""
        for key, anchor in self._anchors().items():
            if key in self.labels:
                for label in self.labels[key]:
                    label.place(anchor)
        if self.highlight.nid in self.scene.nodes:
            self.highlight.frame(self.highlight.nid, self.scene.nodes[self.highlight.nid])

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
