"""Automatic layout: layered, left to right, from the graph's topological order."""

from __future__ import annotations

import networkx as nx

from engine.graph import dependency_graph, find_cycle
from graphlab.document import GraphDocument

LAYER_GAP = 220.0
ROW_GAP = 110.0


def layered_positions(doc: GraphDocument) -> dict[str, tuple[float, float]]:
    """Node id -> (x, y): x by longest path from a source, y by order within the layer.

    Parameters and constants are placed one layer before their first consumer, so a
    weight sits next to the layer that uses it instead of in the first column.
    """
    digraph = dependency_graph(doc.nodes, ((e.src, e.dst) for e in doc.edges))
    if find_cycle(digraph):
        return {nid: node.pos for nid, node in doc.nodes.items()}
    order = list(nx.lexicographical_topological_sort(digraph, key=list(doc.nodes).index))
    layer: dict[str, int] = {}
    for nid in order:
        preds = [layer[p] for p in digraph.predecessors(nid)]
        layer[nid] = max(preds) + 1 if preds else 0
    for nid in order:
        succs = [layer[s] for s in digraph.successors(nid)]
        if doc.nodes[nid].op in ("parameter", "constant") and succs:
            layer[nid] = min(succs) - 1
    rows: dict[int, list[str]] = {}
    for nid in order:
        rows.setdefault(layer[nid], []).append(nid)
    positions = {}
    for column, members in rows.items():
        top = -(len(members) - 1) * ROW_GAP / 2
        for row, nid in enumerate(members):
            positions[nid] = (column * LAYER_GAP, top + row * ROW_GAP)
    return positions
