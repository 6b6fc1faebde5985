"""Automatic layout: layered, left to right, from the graph's topological order."""

from __future__ import annotations

from engine.validate import dependency_graph, find_cycle, ordered_topological_sort
from graphlab.document import GraphDocument

LAYER_GAP = 220.0
ROW_GAP = 110.0


def layered_positions(doc: GraphDocument) -> dict[str, tuple[float, float]]:
    """Node id -> (x, y): x by longest path from a source, y by order within the layer.

    Sources (inputs, parameters, constants) are placed one layer before their first
    consumer, below that layer's other nodes: a weight sits next to the layer that uses it,
    the labels next to the loss, and in the (x + y) z circuit z's wire does not pass under
    the add gate on its way to the multiply.
    """
    digraph = dependency_graph(doc.nodes, ((e.src, e.dst) for e in doc.edges))
    if find_cycle(digraph):
        return {nid: node.pos for nid, node in doc.nodes.items()}
    order = ordered_topological_sort(digraph, doc.nodes)
    layer: dict[str, int] = {}
    for nid in order:
        preds = [layer[p] for p in digraph.predecessors(nid)]
        layer[nid] = max(preds) + 1 if preds else 0
    moved = set()
    for nid in order:
        succs = [layer[s] for s in digraph.successors(nid)]
        if not list(digraph.predecessors(nid)) and succs and min(succs) - 1 > layer[nid]:
            layer[nid] = min(succs) - 1
            moved.add(nid)
    rows: dict[int, list[str]] = {}
    for nid in sorted(order, key=lambda nid: nid in moved):  # stable: moved ones last
        rows.setdefault(layer[nid], []).append(nid)
    positions = {}
    for column, members in rows.items():
        top = -(len(members) - 1) * ROW_GAP / 2
        for row, nid in enumerate(members):
            positions[nid] = (column * LAYER_GAP, top + row * ROW_GAP)
    return positions
