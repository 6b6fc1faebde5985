"""Which palette entries can take a wire, by the live shape inference (issue 29 item 2).

A wire dragged from node ``src`` into empty space offers the ops and layer templates with an
input port that accepts ``src``'s inferred shape. Each entry is built as the palette would
drop it, in a scratch graph whose only other node is an input of ``src``'s shape; a port
fits when the engine's shape inference accepts the wire there. Where the new node still has
other unwired ports, those are probed with shapes made from ``src``'s (:func:`probes`): one
probe the inference accepts admits the port; otherwise an error naming the wired port refuses
it, and errors naming only other ports leave it open (they may take a fitting wire later).
"""

from __future__ import annotations

import itertools
import re

from engine.errors import GraphLabError
from engine.ops import REGISTRY, get_op
from engine.validate import analyse
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.fragments import dropped_nodes
from graphlab.templates import LAYER_TEMPLATES

#: the scratch input standing for the wire's source
SOURCE = "wire_source"
_PORT = re.compile(r"input '(\w+)'")


def palette_payloads() -> list[str]:
    """Every payload the palette offers: templates, then ops by name."""
    return [f"template:{n}" for n in LAYER_TEMPLATES] + [f"op:{n}" for n in sorted(REGISTRY)]


def source_input(doc: GraphDocument, src: str) -> DocNode | None:
    """An input node with ``src``'s inferred shape (and integer dtype for labels), or None
    when the shape is unknown."""
    shape = doc.analysis().shapes.get(src)
    if shape is None:
        return None
    node = doc.nodes[src]
    integer = node.op == "input" and node.attrs.get("dtype") == "int"
    attrs = {
        "shape": [-1 if d is None else d for d in shape],
        "dtype": "int" if integer else "float",
    }
    return DocNode(SOURCE, "input", attrs)


def first_fitting_port(source: DocNode, payload: str) -> tuple[int, str] | None:
    """(index of the dropped node, port) of the first port that takes ``source``'s value
    among the nodes ``payload`` drops, or None."""
    scratch = GraphDocument()
    scratch.nodes[SOURCE] = source
    nodes, edges = dropped_nodes(scratch, payload, (0.0, 0.0))
    every = [source, *nodes]
    fed = {(e.dst, e.port) for e in edges}
    for index, node in enumerate(nodes):
        for port in get_op(node.op).inputs:
            if (node.id, port) not in fed and _fits(every, edges, node, port):
                return index, port
    return None


def probes(shape: tuple) -> list[tuple]:
    """Shapes to try on a new node's other unwired ports, made from the wire's ``shape``:
    itself, its batch, flattened, a weight and a bias for it, a conv weight, a channel
    vector and a scalar."""
    found = [shape, shape[:1], ()]
    if len(shape) >= 2:
        features = 1
        for d in shape[1:]:
            features *= d or 1
        found += [(shape[0], features), (features, 8), (8,), (8, shape[1], 1, 1), (shape[1],)]
    return list(dict.fromkeys(found))


def _fits(nodes: list[DocNode], edges: list[DocEdge], node: DocNode, port: str) -> bool:
    trial = analyse(nodes, [*edges, DocEdge(SOURCE, node.id, port)])
    op = get_op(node.op)
    wired = {e.port: e.src for e in edges if e.dst == node.id} | {port: SOURCE}
    if len(wired) == len(op.inputs):
        return node.id not in trial.misfits
    known = {q: trial.shapes.get(src) for q, src in wired.items()}
    if any(s is None for s in known.values()):
        return False
    try:
        attrs = op.validate_attrs(node.attrs)
    except GraphLabError:
        return False
    free = [q for q in op.inputs if q not in wired]
    blamed = False
    for choice in itertools.islice(itertools.product(probes(known[port]), repeat=len(free)), 512):
        shapes = [known[q] if q in known else choice[free.index(q)] for q in op.inputs]
        try:
            op.infer_shape(shapes, attrs)
        except GraphLabError as exc:
            blamed = blamed or port in _PORT.findall(str(exc))
            continue
        return True
    return not blamed


def wire_targets(doc: GraphDocument, src: str) -> dict[str, tuple[int, str]]:
    """payload -> (dropped node index, port) for every palette entry that takes a wire from
    ``src`` ({} when ``src``'s shape is unknown)."""
    source = source_input(doc, src)
    if source is None:
        return {}
    found = {}
    for payload in palette_payloads():
        fit = first_fitting_port(source, payload)
        if fit is not None:
            found[payload] = fit
    return found


def insertion_port(doc: GraphDocument, nid: str, edge: DocEdge) -> str | None:
    """The first input port of node ``nid`` (unwired) that can sit in wire ``edge``: the
    wire's value goes into that port and ``nid``'s output on into ``edge.dst``, with no cycle
    and no shape misfit at either node; None when there is none."""
    for port in get_op(doc.nodes[nid].op).inputs:
        edges = [e for e in doc.edges if e != edge]
        edges += [DocEdge(edge.src, nid, port), DocEdge(nid, edge.dst, edge.port)]
        trial = analyse(doc.nodes.values(), edges)
        if trial.order and not {nid, edge.dst} & trial.misfits:
            return port
    return None
