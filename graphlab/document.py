"""The graph document: what the editor edits and the files store; the source of truth.

Views observe it through a plain callback list (:meth:`GraphDocument.subscribe`); every
mutation emits one :class:`Change`. It compiles into an :class:`engine.graph.Graph`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.errors import GraphError
from engine.graph import Edge, Graph, Node
from engine.ops import get_op

#: what a document holds besides its listeners
DOCUMENT_FIELDS = (
    "name",
    "description",
    "nodes",
    "edges",
    "params",
    "state",
    "inputs",
    "dataset",
    "training",
    "loss",
)


@dataclass
class DocNode:
    """A node as the user sees it: stable id, op, attrs, position, optional label and group."""

    id: str
    op: str
    attrs: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)
    label: str = ""
    group: str = ""


@dataclass(frozen=True)
class DocEdge:
    """From ``src``'s output to input ``port`` of ``dst``."""

    src: str
    dst: str
    port: str


@dataclass(frozen=True)
class Change:
    """One mutation: kind is node_added, node_removed, node_moved, node_changed, edge_added,
    edge_removed, params_changed, settings_changed or reset; subject is the node id or edge."""

    kind: str
    subject: Any = None


class GraphDocument:
    """Nodes, edges, parameter values, stored input values, dataset and training settings."""

    def __init__(self, name: str = "untitled", description: str = "") -> None:
        self.name = name
        self.description = description
        self.nodes: dict[str, DocNode] = {}
        self.edges: list[DocEdge] = []
        #: parameter node id -> numpy array (trained values); missing ones are initialised
        self.params: dict[str, np.ndarray] = {}
        #: node id -> persistent op state (batchnorm running averages)
        self.state: dict[str, dict[str, np.ndarray]] = {}
        #: input node id -> stored value (the numbers of a scalar circuit)
        self.inputs: dict[str, Any] = {}
        #: dataset binding: {"spec": {...load_dataset spec...}, "data_input": id, "label_input": id}
        self.dataset: dict[str, Any] = {}
        #: training settings (optimizer, lr, epochs, batch_size, schedule, seed, ...)
        self.training: dict[str, Any] = {}
        #: the node backward starts from (usually the loss); "" means the single sink
        self.loss = ""
        #: other saved arrays by group (the optimizer's state, to resume training)
        self.extra_arrays: dict[str, dict[str, np.ndarray]] = {}
        self._listeners: list[Callable[[Change], None]] = []

    # -- observing ----------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Change], None]) -> None:
        self._listeners.remove(listener)

    def _emit(self, kind: str, subject: Any = None) -> None:
        change = Change(kind, subject)
        for listener in list(self._listeners):
            listener(change)

    # -- nodes --------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A fresh id like ``conv2`` that no node has."""
        base = re.sub(r"\W+", "_", prefix).strip("_") or "node"
        n = 1
        while f"{base}{n}" in self.nodes:
            n += 1
        return f"{base}{n}"

    def add_node(self, node: DocNode, index: int | None = None) -> DocNode:
        """Add ``node`` (at position ``index`` of the node order, default last)."""
        if node.id in self.nodes:
            raise GraphError(f"duplicate node id {node.id!r}")
        get_op(node.op)
        if index is None or index >= len(self.nodes):
            self.nodes[node.id] = node
        else:
            items = list(self.nodes.items())
            items.insert(index, (node.id, node))
            self.nodes = dict(items)
        self._emit("node_added", node.id)
        return node

    def remove_node(self, nid: str) -> tuple[DocNode, list[DocEdge]]:
        """Remove a node with its edges; returns both (for undo)."""
        touching = [e for e in self.edges if nid in (e.src, e.dst)]
        for edge in touching:
            self.remove_edge(edge)
        node = self.nodes.pop(nid)
        self.params.pop(nid, None)
        self.state.pop(nid, None)
        self.inputs.pop(nid, None)
        self._emit("node_removed", nid)
        return node, touching

    def move_node(self, nid: str, pos: tuple[float, float]) -> None:
        self.nodes[nid].pos = (float(pos[0]), float(pos[1]))
        self._emit("node_moved", nid)

    def set_attrs(self, nid: str, attrs: dict[str, Any]) -> None:
        """Replace a node's attrs (validation happens when the graph compiles)."""
        node = self.nodes[nid]
        node.attrs = dict(attrs)
        if node.op == "parameter":
            value = self.params.get(nid)
            if value is not None and list(value.shape) != list(attrs.get("shape", [])):
                self.params.pop(nid)
        self._emit("node_changed", nid)

    def set_label(self, nid: str, label: str) -> None:
        self.nodes[nid].label = label
        self._emit("node_changed", nid)

    # -- edges --------------------------------------------------------------------------

    def add_edge(self, edge: DocEdge, index: int | None = None) -> None:
        """Add ``edge`` (at position ``index`` of the edge list, default last)."""
        for end in (edge.src, edge.dst):
            if end not in self.nodes:
                raise GraphError(f"edge {edge.src} -> {edge.dst}.{edge.port}: no node {end!r}")
        if any(e.dst == edge.dst and e.port == edge.port for e in self.edges):
            raise GraphError(f"input {edge.port!r} of {edge.dst!r} is already connected")
        self.edges.insert(len(self.edges) if index is None else index, edge)
        self._emit("edge_added", edge)

    def remove_edge(self, edge: DocEdge) -> None:
        self.edges.remove(edge)
        self._emit("edge_removed", edge)

    def source_of(self, nid: str, port: str) -> str | None:
        """The node feeding input ``port`` of ``nid``, if any."""
        return next((e.src for e in self.edges if e.dst == nid and e.port == port), None)

    # -- values and settings ------------------------------------------------------------

    def set_params(self, params: dict[str, np.ndarray], state=None) -> None:
        """Store trained parameter values (and op state) as numpy arrays."""
        self.params.update({k: np.array(v) for k, v in params.items()})
        if state is not None:
            self.state.update(
                {k: {n: np.array(a) for n, a in s.items()} for k, s in state.items() if s}
            )
        self._emit("params_changed")

    def set_input_value(self, nid: str, value: Any) -> None:
        self.inputs[nid] = value
        self._emit("settings_changed", nid)

    def clear_input_value(self, nid: str) -> None:
        """Forget an input's stored value (a bound dataset feeds it again)."""
        self.inputs.pop(nid, None)
        self._emit("settings_changed", nid)

    def replace_with(self, other: GraphDocument) -> None:
        """Take over everything from ``other`` (open, undo of a whole-document change)."""
        for name in DOCUMENT_FIELDS:
            setattr(self, name, copy.deepcopy(getattr(other, name)))
        self._emit("reset")

    # -- compiling ----------------------------------------------------------------------

    def compile(self, device: str = "cpu", dtype: str = "float32", seed: int = 0) -> Graph:
        """The engine graph of this document, with its stored parameters and state."""
        nodes = [Node(n.id, n.op, n.attrs) for n in self.nodes.values()]
        edges = [Edge(e.src, e.dst, e.port) for e in self.edges]
        graph = Graph(nodes, edges, device=device, dtype=dtype, params=self.params, seed=seed)
        for nid, state in self.state.items():
            graph.state[nid] = {k: graph.xp.asarray(v, dtype=graph.dtype) for k, v in state.items()}
        return graph

    def loss_node(self, graph: Graph) -> str:
        return self.loss or graph.output()

    def input_feeds(self) -> dict[str, np.ndarray]:
        """The stored input values as arrays (the numbers of a scalar circuit)."""
        return {nid: np.asarray(v, dtype=np.float64) for nid, v in self.inputs.items()}

    def snapshot(self) -> GraphDocument:
        """A deep copy without listeners (undo, autosave, comparisons)."""
        other = GraphDocument()
        other.replace_with(self)
        return other
