"""The one validator of a graph's wiring and shapes, tolerant of half-built graphs.

:func:`analyse` goes on past faults: every faulty node gets its own message and every valid
one its inferred shape. Building an engine :class:`~engine.graph.Graph` raises the first
fault it found (``Analysis.error``); the editor shows them all. :func:`edge_problem` is the
one rule for whether a single wire may exist (ends, port, not connected twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from engine.errors import CycleError, GraphError, GraphLabError
from engine.ops import get_op
from engine.ops.base import Shape


@dataclass
class Analysis:
    """shapes: node id -> inferred output shape; problems: node id -> the engine's message;
    misfits: nodes whose inputs are all connected but do not fit (shapes, attrs).

    ops/attrs: each node's op and validated attrs; sources: node -> {port: source id};
    order: a topological order ([] with a cycle); error: the first fault, typed and naming
    its node (what building a Graph raises), None for a runnable graph.
    """

    shapes: dict[str, Shape] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    misfits: set[str] = field(default_factory=set)
    ops: dict[str, Any] = field(default_factory=dict)
    attrs: dict[str, dict] = field(default_factory=dict)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    error: GraphLabError | None = None

    def fault(self, nid: str | None, exc: GraphLabError, label: str = "") -> None:
        """Record ``exc`` as ``nid``'s problem (the first one found becomes ``error``)."""
        if nid is not None:
            self.problems.setdefault(nid, str(exc))
        if self.error is None:
            self.error = type(exc)(f"{label}: {exc}") if label else exc


def node_label(nid: str, op: str) -> str:
    """How messages name a node: node "conv1" (conv2d)."""
    return f'node "{nid}" ({op})'


def dependency_graph(node_ids, pairs) -> nx.DiGraph:
    """The networkx DiGraph of node ids with an arc src -> dst for each (src, dst) pair."""
    digraph = nx.DiGraph()
    digraph.add_nodes_from(node_ids)
    digraph.add_edges_from(pairs)
    return digraph


def find_cycle(digraph: nx.DiGraph) -> list[str]:
    """The node ids around a cycle, the first repeated at the end, or [] when there is none."""
    if nx.is_directed_acyclic_graph(digraph):  # linear; nx.find_cycle is slow on long chains
        return []
    try:
        cycle = nx.find_cycle(digraph)
    except nx.NetworkXNoCycle:
        return []
    return [u for u, _ in cycle] + [cycle[0][0]]


def ordered_topological_sort(digraph: nx.DiGraph, node_ids) -> list[str]:
    """A topological order that breaks ties by position in ``node_ids`` (linear in size)."""
    position = {nid: i for i, nid in enumerate(node_ids)}
    return list(nx.lexicographical_topological_sort(digraph, key=position.__getitem__))


def edge_problem(nodes: Mapping[str, Any], sources, edge) -> str | None:
    """Why ``edge`` (src, dst, port) may not join ``nodes`` (id -> a record with ``op``) whose
    connected inputs are ``sources`` (dst -> {port: src}); None when it may."""
    for end in (edge.src, edge.dst):
        if end not in nodes:
            return f"no node {end!r}"
    op = nodes[edge.dst].op
    ports = get_op(op).inputs
    if edge.port not in ports:
        return (
            f"node {edge.dst!r} ({op}) has no input {edge.port!r} "
            f"(its inputs: {', '.join(ports) or 'none'})"
        )
    if edge.src == edge.dst:
        return "a node cannot feed itself"
    if edge.port in sources.get(edge.dst, {}):
        return f"input {edge.port!r} of {edge.dst} is already connected"
    return None


def analyse(nodes: Iterable, edges: Iterable) -> Analysis:
    """Check ``nodes`` (records with id, op, attrs) and ``edges`` (src, dst, port): node ids,
    ops and attrs, each wire, unconnected ports, cycles, then every shape it can infer."""
    result = Analysis()
    records: dict[str, Any] = {}
    for node in nodes:
        nid = node.id
        if not isinstance(nid, str) or not nid:
            result.fault(None, GraphError(f"node ids must be non-empty strings, got {nid!r}"))
            continue
        if nid in records:
            result.fault(None, GraphError(f"duplicate node id {nid!r}"))
            continue
        try:
            op = get_op(node.op)
        except GraphLabError as exc:
            result.fault(nid, exc)
            continue
        records[nid], result.ops[nid], result.sources[nid] = node, op, {}
        try:
            result.attrs[nid] = op.validate_attrs(node.attrs)
        except GraphLabError as exc:
            result.fault(nid, exc, node_label(nid, node.op))
    pairs = []
    for edge in edges:
        problem = edge_problem(records, result.sources, edge)
        if problem:
            result.fault(
                edge.dst if edge.dst in records else None,
                GraphError(f"edge {edge.src} -> {edge.dst}.{edge.port}: {problem}"),
            )
            continue
        result.sources[edge.dst][edge.port] = edge.src
        pairs.append((edge.src, edge.dst))
    for nid, op in result.ops.items():
        missing = [p for p in op.inputs if p not in result.sources[nid]]
        if missing:
            message = f"input port {missing[0]!r} is not connected"
            result.fault(nid, GraphError(message), node_label(nid, op.name))
    digraph = dependency_graph(records, pairs)
    cycle = find_cycle(digraph)
    if cycle:
        error = CycleError("the graph has a cycle: " + " -> ".join(cycle))
        for nid in cycle:
            result.problems[nid] = "part of a cycle: " + " -> ".join(cycle)
        result.error = result.error or error
        return result
    result.order = ordered_topological_sort(digraph, records)
    _infer_shapes(result)
    return result


def _infer_shapes(result: Analysis) -> None:
    for nid in result.order:
        op, sources = result.ops[nid], result.sources[nid]
        if nid not in result.attrs or len(sources) < len(op.inputs):
            continue
        in_shapes = [result.shapes.get(sources[p]) for p in op.inputs]
        if any(s is None for s in in_shapes):
            continue  # an input is invalid; that node carries the message
        try:
            result.shapes[nid] = tuple(op.infer_shape(in_shapes, result.attrs[nid]))
        except GraphLabError as exc:
            result.fault(nid, exc, node_label(nid, op.name))
            result.misfits.add(nid)
