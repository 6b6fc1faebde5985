"""Live checks for the editor: per-node shapes and problems, and whether a wire may be added.

Both come from the engine's one validator (:mod:`engine.validate`), which goes on past
faults so that every invalid node gets its own message (the red badge) and every valid one
a shape. The document keeps the result (:meth:`GraphDocument.analysis`).
"""

from __future__ import annotations

import networkx as nx

from engine import validate
from engine.ops.base import fmt
from engine.validate import Analysis, dependency_graph

__all__ = ["Analysis", "analyse", "connection_problem", "wire_verdict"]


def analyse(doc) -> Analysis:
    """A fresh analysis of ``doc``'s nodes and edges (the document caches its own)."""
    return validate.analyse(doc.nodes.values(), doc.edges)


def wire_verdict(doc, edges, edge) -> tuple[str | None, Analysis | None]:
    """Whether ``edge`` may join ``doc``'s nodes wired by ``edges`` (its ends and port
    already checked): a cycle or a misfit says why. Returns (problem, the analysis of the
    graph with the wire, None when a cycle made it needless)."""
    digraph = dependency_graph(doc.nodes, ((e.src, e.dst) for e in edges))
    if nx.has_path(digraph, edge.dst, edge.src):
        path = nx.shortest_path(digraph, edge.dst, edge.src)
        return "that would make a cycle: " + " -> ".join([*path, edge.dst]), None
    after = validate.analyse(doc.nodes.values(), [*edges, edge])
    if edge.dst in after.misfits and edge.src in after.shapes:
        return f"{edge.src} gives {fmt(after.shapes[edge.src])}: {after.problems[edge.dst]}", after
    return None, after


def connection_problem(doc, edge, replacing=None) -> str | None:
    """Why ``edge`` may not be added to ``doc`` (a sentence for the cursor), or None."""
    return doc.wire_problem(edge, replacing)
