"""Live checks for the editor: per-node shapes and problems, and whether a wire may be added.

Unlike compiling (which stops at the first fault), the analysis goes on past faults so
that every invalid node gets its own message (the red badge) and every valid one a shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from engine.errors import GraphLabError
from engine.graph import dependency_graph, find_cycle, ordered_topological_sort
from engine.ops import get_op
from engine.ops.base import Shape, fmt
from graphlab.document import DocEdge, GraphDocument


@dataclass
class Analysis:
    """shapes: node id -> inferred output shape; problems: node id -> the engine's message;
    misfits: the nodes whose inputs are all connected but do not fit (shapes, attrs)."""

    shapes: dict[str, Shape] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    misfits: set[str] = field(default_factory=set)


def analyse(doc: GraphDocument, extra_edge: DocEdge | None = None) -> Analysis:
    """Infer every node's shape it can, and say what is wrong with the others."""
    edges = doc.edges + ([extra_edge] if extra_edge else [])
    digraph = _digraph(doc, edges)
    result = Analysis()
    cycle = find_cycle(digraph)
    for nid in cycle:
        result.problems[nid] = "part of a cycle: " + " -> ".join(cycle)
    if cycle:
        return result
    sources = {(e.dst, e.port): e.src for e in edges}
    for nid in ordered_topological_sort(digraph, doc.nodes):
        node = doc.nodes[nid]
        op = get_op(node.op)
        try:
            attrs = op.validate_attrs(node.attrs)
        except GraphLabError as exc:
            result.problems[nid] = str(exc)
            continue
        missing = [p for p in op.inputs if (nid, p) not in sources]
        if missing:
            result.problems[nid] = f"input port {missing[0]!r} is not connected"
            continue
        in_shapes = [result.shapes.get(sources[(nid, p)]) for p in op.inputs]
        if any(s is None for s in in_shapes):
            continue  # an input is invalid; that node carries the message
        try:
            result.shapes[nid] = tuple(op.infer_shape(in_shapes, attrs))
        except GraphLabError as exc:
            result.problems[nid] = str(exc)
            result.misfits.add(nid)
    return result


def _digraph(doc: GraphDocument, edges) -> nx.DiGraph:
    return dependency_graph(doc.nodes, ((e.src, e.dst) for e in edges))


def connection_problem(doc: GraphDocument, edge: DocEdge) -> str | None:
    """Why ``edge`` may not be added (a sentence for the cursor), or None when it may."""
    if edge.src == edge.dst:
        return "a node cannot feed itself"
    for end in (edge.src, edge.dst):
        if end not in doc.nodes:
            return f"no node {end!r}"
    op = get_op(doc.nodes[edge.dst].op)
    if edge.port not in op.inputs:
        return f"{edge.dst} has no input {edge.port!r}"
    if doc.source_of(edge.dst, edge.port) is not None:
        return f"input {edge.port!r} of {edge.dst} is already connected"
    digraph = _digraph(doc, doc.edges)
    if nx.has_path(digraph, edge.dst, edge.src):
        path = nx.shortest_path(digraph, edge.dst, edge.src)
        return "that would make a cycle: " + " -> ".join([*path, edge.dst])
    after = analyse(doc, edge)
    if edge.dst in after.misfits and edge.src in after.shapes:
        return f"{edge.src} gives {fmt(after.shapes[edge.src])}: {after.problems[edge.dst]}"
    return None
