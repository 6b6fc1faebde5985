"""The graph document: what the editor edits and the files store; the source of truth.

Every write goes through a method here and emits one typed :class:`Change` per effect to
the listeners subscribed to its :class:`ChangeKind`. The document owns the live analysis
(one per revision, computed when first asked for) and keeps its one consistency rule
(:mod:`graphlab.consistency`): a command that removes, reshapes or rewires nodes drops the
values that no longer fit, and returns what undo needs to bring them back. It compiles into
an :class:`engine.graph.Graph`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from engine.errors import GraphError
from engine.graph import Edge, Graph, Node
from engine.ops import get_op
from engine.validate import edge_problem
from graphlab import analysis as _analysis
from graphlab.canvas_items import bypassed_wiring, prune_canvas
from graphlab.changes import STRUCTURE, Change, ChangeKind
from graphlab.consistency import OPTIMIZER_STATE, Dropped, drop, put_back, stale_references
from graphlab.doc_items import DocEdge, DocNode, Removal
from graphlab.groups import Group, prune
from graphlab.names import display_name

__all__ = ["Change", "ChangeKind", "DocEdge", "DocNode", "GraphDocument"]

#: the stored values and references besides the graph
VALUE_FIELDS = ("params", "state", "inputs", "dataset", "training", "loss", "extra_arrays")
#: what a document holds besides its listeners
DOCUMENT_FIELDS = (
    "name",
    "description",
    "nodes",
    "edges",
    "groups",
    "canvas",
    *VALUE_FIELDS,
    "custom_ops",
)
_VALUE_KINDS = {
    "params": ChangeKind.PARAMS_CHANGED,
    "state": ChangeKind.PARAMS_CHANGED,
    "extra_arrays": ChangeKind.PARAMS_CHANGED,
    "inputs": ChangeKind.INPUT_CHANGED,
    "dataset": ChangeKind.DATASET_CHANGED,
    "training": ChangeKind.TRAINING_CHANGED,
    "loss": ChangeKind.LOSS_CHANGED,
}


class GraphDocument:
    """Nodes, edges, parameter values, stored input values, dataset and training settings."""

    def __init__(self, name: str = "untitled", description: str = "") -> None:
        self.name = name
        self.description = description
        self.nodes: dict[str, DocNode] = {}
        self.edges: list[DocEdge] = []
        #: group id -> Group (graphlab/groups.py): drawn as one node, changes no value
        self.groups: dict[str, Group] = {}
        #: bypassed nodes, frames, notes, reroute points, wire style (graphlab/canvas_items.py)
        self.canvas: dict[str, Any] = {}
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
        #: op name -> graphlab.custom_ops.OpDefinition: the ops written by the user it carries
        self.custom_ops: dict[str, Any] = {}
        self._listeners: list[tuple[Callable[[Change], None], frozenset | None]] = []
        self._analysis = None
        #: a wire's trial analysis: (node revision, edge set, analysis) (see wire_problem)
        self._trial: tuple | None = None
        self._node_revision = 0

    # -- observing ----------------------------------------------------------------------

    def subscribe(
        self, listener: Callable[[Change], None], kinds: Iterable[ChangeKind] | None = None
    ) -> None:
        """Call ``listener`` with each change of ``kinds`` (default: every kind)."""
        self._listeners.append((listener, None if kinds is None else frozenset(kinds)))

    def unsubscribe(self, listener: Callable[[Change], None]) -> None:
        """Stop calling ``listener``; ValueError when it is not subscribed."""
        for index, (subscribed, _) in enumerate(self._listeners):
            if subscribed == listener:
                del self._listeners[index]
                return
        raise ValueError("not subscribed")

    def _emit(self, kind: ChangeKind, subject: Any = None) -> None:
        if kind in STRUCTURE:
            self._analysis = None
            if kind != ChangeKind.EDGE_ADDED and kind != ChangeKind.EDGE_REMOVED:
                self._node_revision += 1
        change = Change(kind, subject)
        for listener, kinds in list(self._listeners):
            if kinds is None or kind in kinds:
                listener(change)

    # -- the live analysis --------------------------------------------------------------

    def analysis(self) -> _analysis.Analysis:
        """Each node's shape and problem (computed once per revision of the graph)."""
        if self._analysis is None:
            trial = self._trial
            if trial and trial[:2] == (self._node_revision, frozenset(self.edges)):
                self._analysis = trial[2]
            else:
                self._analysis = _analysis.analyse(self)
        return self._analysis

    def wire_problem(self, edge: DocEdge, replacing: DocEdge | None = None) -> str | None:
        """Why ``edge`` may not be added (with ``replacing`` removed first), or None. The
        analysis this needs is kept: the document adopts it once the wire is added."""
        edges = [e for e in self.edges if e != replacing]
        sources = {edge.dst: {e.port: e.src for e in edges if e.dst == edge.dst}}
        problem = edge_problem(self.nodes, sources, edge)
        if problem is None:
            problem, trial = _analysis.wire_verdict(self, edges, edge)
            if trial is not None:
                self._trial = (self._node_revision, frozenset([*edges, edge]), trial)
        return problem

    def problems(self) -> list[str]:
        """What breaks the consistency rule, one sentence each ([] for a consistent document)."""
        return [entry.why for entry in stale_references(self)]

    # -- nodes --------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """A fresh id like ``conv2`` that no node has."""
        base = re.sub(r"\W+", "_", prefix).strip("_") or "node"
        n = 1
        while f"{base}{n}" in self.nodes or f"{base}{n}" in self.groups:
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
        self._emit(ChangeKind.NODE_ADDED, node.id)
        return node

    def remove_nodes(self, ids: Iterable[str]) -> Removal:
        """Remove nodes with their edges and every value that named them (undo: restore)."""
        gone = set(ids)
        order = list(self.nodes)
        removal = Removal(
            [(order.index(nid), copy.deepcopy(self.nodes[nid])) for nid in order if nid in gone],
            [(i, e) for i, e in enumerate(self.edges) if e.src in gone or e.dst in gone],
            Dropped(),
        )
        for _, edge in reversed(removal.edges):
            self.remove_edge(edge)
        for _, node in reversed(removal.nodes):
            del self.nodes[node.id]
            self._emit(ChangeKind.NODE_REMOVED, node.id)
        removal.dropped = self.drop_stale()
        kept = prune(self.groups, self.nodes), prune_canvas(self.canvas, self.nodes)
        if kept != (self.groups, self.canvas):
            removal.views = (self.groups, self.canvas)
            self.set_groups(kept[0])
            self.set_canvas(kept[1])
        return removal

    def restore_nodes(self, removal: Removal) -> None:
        """Undo :meth:`remove_nodes`: the nodes, edges and values back in their places."""
        for index, node in removal.nodes:
            self.add_node(copy.deepcopy(node), index)
        for index, edge in removal.edges:
            self.add_edge(edge, index)
        self.restore(removal.dropped)
        if removal.views is not None:
            self.set_groups(removal.views[0])
            self.set_canvas(removal.views[1])

    def remove_node(self, nid: str) -> Removal:
        return self.remove_nodes([nid])

    def move_node(self, nid: str, pos: tuple[float, float]) -> None:
        self.nodes[nid].pos = (float(pos[0]), float(pos[1]))
        self._emit(ChangeKind.NODE_MOVED, nid)

    def set_attrs(self, nid: str, attrs: dict[str, Any]) -> Dropped:
        """Replace a node's attrs (validation happens when the graph compiles); values that
        no longer fit (a parameter's old shape) are dropped and returned (for undo)."""
        self.nodes[nid].attrs = dict(attrs)
        self._emit(ChangeKind.NODE_CHANGED, nid)
        return self.drop_stale()

    def set_label(self, nid: str, label: str) -> None:
        self.nodes[nid].label = label
        self._emit(ChangeKind.NODE_CHANGED, nid)

    def set_group(self, nid: str, group: str) -> None:
        """Put node ``nid`` in the layer group ``group`` (one block on the canvas)."""
        self.nodes[nid].group = group
        self._emit(ChangeKind.NODE_CHANGED, nid)

    def display_name(self, nid: str) -> str:
        """The name teaching text shows for ``nid`` (:func:`graphlab.names.display_name`)."""
        return display_name(self, nid)

    def set_groups(self, groups: dict[str, Group]) -> None:
        """Replace the groups (group, ungroup, rename, move: graphlab/groups.py)."""
        self.groups = dict(groups)
        self._emit(ChangeKind.GROUPS_CHANGED)

    def set_canvas(self, canvas: dict[str, Any]) -> None:
        """Replace the canvas extras; a node whose bypass changed emits NODE_CHANGED too."""
        before, self.canvas = self.canvas.get("bypassed", {}), dict(canvas)
        self._emit(ChangeKind.CANVAS_CHANGED)
        after = self.canvas.get("bypassed", {})
        for nid in [n for n in self.nodes if before.get(n) != after.get(n)]:
            self._emit(ChangeKind.NODE_CHANGED, nid)

    def set_info(self, name: str, description: str) -> None:
        """Set the document's name and description."""
        self.name, self.description = name, description
        self._emit(ChangeKind.INFO_CHANGED)

    # -- edges --------------------------------------------------------------------------

    def add_edge(self, edge: DocEdge, index: int | None = None) -> None:
        """Add ``edge`` (at position ``index`` of the edge list, default last)."""
        problem = edge_problem(self.nodes, {edge.dst: self.sources_of(edge.dst)}, edge)
        if problem:
            raise GraphError(f"edge {edge.src} -> {edge.dst}.{edge.port}: {problem}")
        self.edges.insert(len(self.edges) if index is None else index, edge)
        self._emit(ChangeKind.EDGE_ADDED, edge)

    def remove_edge(self, edge: DocEdge) -> None:
        self.edges.remove(edge)
        self._emit(ChangeKind.EDGE_REMOVED, edge)

    def connect(self, edge: DocEdge, index: int | None = None) -> Dropped:
        """Add a wire; the values it makes stale are dropped and returned (for undo)."""
        self.add_edge(edge, index)
        return self.drop_stale()

    def disconnect(self, edge: DocEdge) -> Dropped:
        """Remove a wire; the values it makes stale are dropped and returned (for undo)."""
        self.remove_edge(edge)
        return self.drop_stale()

    def source_of(self, nid: str, port: str) -> str | None:
        """The node feeding input ``port`` of ``nid``, if any."""
        return next((e.src for e in self.edges if e.dst == nid and e.port == port), None)

    def sources_of(self, nid: str) -> dict[str, str]:
        """Input port -> the node feeding it, for node ``nid``."""
        return {e.port: e.src for e in self.edges if e.dst == nid}

    # -- values and settings ------------------------------------------------------------

    def set_params(self, params: dict[str, np.ndarray], state=None, extra=None) -> None:
        """Store trained parameter values (and op state, and extra array groups such as the
        optimizer's state) as numpy arrays, over the stored ones; what does not fit the graph
        is dropped."""
        merged = copy.copy(self.params)  # stays lazy where values were not read yet
        merged.update({k: np.array(v) for k, v in params.items()})
        self.params = merged
        if state is not None:
            fresh = {k: {n: np.array(a) for n, a in s.items()} for k, s in state.items() if s}
            self.state = {**self.state, **fresh}
        if extra is not None:
            self.extra_arrays = {**self.extra_arrays, **extra}
        self._emit(ChangeKind.PARAMS_CHANGED)
        self.drop_stale()

    def clear_trained(self) -> None:
        """Forget trained values: parameters, op state, optimizer state and progress."""
        self.params, self.state = {}, {}
        self.extra_arrays = {k: v for k, v in self.extra_arrays.items() if k != OPTIMIZER_STATE}
        self._emit(ChangeKind.PARAMS_CHANGED)
        self.set_training({k: v for k, v in self.training.items() if k != "progress"})

    def set_input_value(self, nid: str, value: Any) -> None:
        self.inputs = {**self.inputs, nid: value}
        self._emit(ChangeKind.INPUT_CHANGED, nid)

    def set_training(self, training: dict[str, Any]) -> None:
        """Replace the training settings (with progress and run records)."""
        self.training = dict(training)
        self._emit(ChangeKind.TRAINING_CHANGED)
        self.drop_stale()

    def set_dataset(self, binding: dict[str, Any]) -> None:
        """Replace the dataset binding (spec, data and label inputs, split, augmentation)."""
        self.dataset = dict(binding)
        self._emit(ChangeKind.DATASET_CHANGED)
        self.drop_stale()

    def set_loss(self, nid: str) -> None:
        """Name the node backward starts from ("" for the single sink)."""
        self.loss = nid
        self._emit(ChangeKind.LOSS_CHANGED)
        self.drop_stale()

    def drop_stale(self) -> Dropped:
        """Drop what breaks the consistency rule; returns it (``why``: one sentence each)."""
        stale = stale_references(self)
        if not stale:
            return Dropped()
        fields, dropped = drop(self, stale)
        self._replace(fields)
        self._emit(ChangeKind.DROPPED, dropped.why)
        return dropped

    def restore(self, dropped: Dropped) -> None:
        """Put back what :meth:`drop_stale` dropped (undo, after the graph is back)."""
        self._replace(put_back(self, dropped))

    def _replace(self, fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        for kind in dict.fromkeys(_VALUE_KINDS[name] for name in fields):
            self._emit(kind)

    def set_custom_ops(self, ops: dict[str, Any]) -> None:
        """Replace the custom op definitions (registered by the caller, graphlab.custom_ops);
        the nodes of each op that changed are re-analysed."""
        changed = {n for n in {*ops, *self.custom_ops} if ops.get(n) != self.custom_ops.get(n)}
        self.custom_ops = dict(ops)
        for nid, node in self.nodes.items():
            if node.op in changed:
                self._emit(ChangeKind.NODE_CHANGED, nid)

    def clear_input_value(self, nid: str) -> None:
        """Forget an input's stored value (a bound dataset feeds it again)."""
        self.inputs = {k: v for k, v in self.inputs.items() if k != nid}
        self._emit(ChangeKind.INPUT_CHANGED, nid)

    def replace_with(self, other: GraphDocument) -> None:
        """Take over everything from ``other`` (open, undo of a whole-document change)."""
        for name in DOCUMENT_FIELDS:
            setattr(self, name, copy.deepcopy(getattr(other, name)))
        self._emit(ChangeKind.RESET)

    # -- compiling ----------------------------------------------------------------------

    def compile(self, device: str = "cpu", dtype: str = "float32", seed: int = 0) -> Graph:
        """The engine graph of this document, with its stored parameters and state."""
        kept, wires = bypassed_wiring(self.nodes, self.edges, self.canvas.get("bypassed", {}))
        nodes = [Node(nid, self.nodes[nid].op, self.nodes[nid].attrs) for nid in kept]
        edges = [Edge(e.src, e.dst, e.port) for e in wires]
        graph = Graph(nodes, edges, device=device, dtype=dtype, params=self.params, seed=seed)
        for nid, state in self.state.items():
            graph.state[nid] = {k: graph.xp.asarray(v, dtype=graph.dtype) for k, v in state.items()}
        return graph

    def loss_node(self, graph: Graph) -> str:
        """The node backward starts from in ``graph``: the loss (or, bypassed, what passes
        through it), else the graph's single output."""
        nid, bypassed = self.loss, self.canvas.get("bypassed", {})
        while nid and nid not in graph.nodes and nid in bypassed:
            nid = self.source_of(nid, bypassed[nid]) or ""
        return nid or graph.output()

    def input_feeds(self) -> dict[str, np.ndarray]:
        """The stored input values as arrays (the numbers of a scalar circuit)."""
        return {nid: np.asarray(v, dtype=np.float64) for nid, v in self.inputs.items()}

    def snapshot(self) -> GraphDocument:
        """A deep copy without listeners (undo, autosave, comparisons)."""
        other = GraphDocument()
        other.replace_with(self)
        return other
