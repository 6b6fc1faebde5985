"""Copy/paste fragments and palette drops: document nodes in, fresh nodes and edges out.

A fragment is a small GraphLab document (the file format's JSON, put on the clipboard as
text) holding the copied nodes, the edges and groups among them and the frames, notes,
reroute points and bypass marks they carry, so the loader's validation applies to pasted
text. Qt-free.
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine.errors import FileFormatError
from engine.ops import get_op
from engine.ops.base import Attr
from graphlab.canvas_items import copied_canvas
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.fileformat import FORMAT, VERSION, document_from_dict, document_to_dict
from graphlab.groups import groups_to_json, leaves
from graphlab.templates import layer_template

#: what the palette's drag carries: UTF-8 ``op:<op name>`` or ``template:<template name>``
PALETTE_MIME = "application/x-graphlab-palette"

#: the value a new node starts from for an attr that has no default, by attr kind
STARTERS_BY_KIND = {
    "int": 1,
    "float": 0.0,
    "bool": False,
    "ints": [1],
    "shape": [],
    "axes": None,
    "value": 0.0,
}
#: the value a dropped scalar input starts from
SCALAR_INPUT_START = 1.0
#: where a kind's starter would be an odd first choice
STARTERS = {
    ("conv2d", "kernel"): 3,
    ("pad", "pads"): [0, 0, 1, 1, 0, 0, 1, 1],  # one cell around H and W of (N, C, H, W)
    ("unsqueeze", "axes"): [1],
}


def fragment(doc: GraphDocument, ids, frames=(), notes=()) -> dict[str, Any]:
    """The nodes ``ids`` (in document order), the edges among them, the groups wholly inside
    them and what they carry of the canvas (:func:`graphlab.canvas_items.copied_canvas`: the
    selected ``frames`` around them, the selected ``notes``, reroute points, bypass marks),
    as a document dict."""
    chosen = set(ids)
    data = document_to_dict(doc)
    inside = {g: x for g, x in doc.groups.items() if set(leaves(doc.groups, g)) <= chosen}
    edges = [e for e in doc.edges if e.src in chosen and e.dst in chosen]
    canvas = copied_canvas(doc.canvas, chosen, edges, frames, notes)
    return {
        "format": FORMAT,
        "version": VERSION,
        "nodes": [n for n in data["nodes"] if n["id"] in chosen],
        "edges": [e for e in data["edges"] if e["from"] in chosen and e["to"] in chosen],
        **({"groups": groups_to_json(inside)} if inside else {}),  # groups wholly inside
        **({"canvas": canvas} if canvas else {}),
    }


def parse_fragment(data: str | dict[str, Any]) -> GraphDocument | None:
    """A fragment (JSON text or dict) validated by the file loader, or None if it is not one
    (or holds no node, frame or note)."""
    try:
        part = document_from_dict(json.loads(data) if isinstance(data, str) else data)
    except (ValueError, FileFormatError):
        return None
    carried = part.canvas.get("frames") or part.canvas.get("notes")
    return part if part.nodes or carried else None


def corner(part: GraphDocument) -> tuple[float, float]:
    """The top left corner of a fragment's nodes, frames and notes (scene units)."""
    spots = [n.pos for n in part.nodes.values()]
    spots += [tuple(f["rect"][:2]) for f in part.canvas.get("frames", [])]
    spots += [tuple(n["pos"]) for n in part.canvas.get("notes", [])]
    return min(x for x, _ in spots), min(y for _, y in spots)


def instantiate(
    doc: GraphDocument, part: GraphDocument, offset: tuple[float, float]
) -> tuple[list[DocNode], list[DocEdge]]:
    """The fragment's nodes with ids free in ``doc``, moved by ``offset``, and their edges.

    A group named after a copied node follows that node's new id (and so do its members'
    ``<group>_...`` ids), so a pasted layer template forms its own group.
    """
    taken = set(doc.nodes)
    new_ids: dict[str, str] = {}

    def claim(old: str, wanted: str) -> None:
        if wanted in taken:
            base = re.sub(r"\d+$", "", wanted) or "node"
            k = 1
            while f"{base}{k}" in taken:
                k += 1
            wanted = f"{base}{k}"
        new_ids[old] = wanted
        taken.add(wanted)

    for node in part.nodes.values():  # group heads first: their members follow their names
        if node.id == node.group:
            claim(node.id, node.id)
    for node in part.nodes.values():
        if node.id in new_ids:
            continue
        group = node.group
        if group in new_ids and node.id.startswith(group + "_"):
            claim(node.id, new_ids[group] + node.id[len(group) :])
        else:
            claim(node.id, node.id)
    nodes = [
        DocNode(
            new_ids[n.id],
            n.op,
            dict(n.attrs),
            (n.pos[0] + offset[0], n.pos[1] + offset[1]),
            n.label,
            new_ids.get(n.group, n.group),
        )
        for n in part.nodes.values()
    ]
    edges = [DocEdge(new_ids[e.src], new_ids[e.dst], e.port) for e in part.edges]
    return nodes, edges


def starter_attrs(op_name: str) -> dict[str, Any]:
    """Values for the attrs of ``op_name`` that have no default, so a new node can be saved
    and loaded before anyone edits it (the others stay unset and take their defaults)."""
    op = get_op(op_name)
    return {a.name: _starter(op_name, a) for a in op.attrs if a.required}


def _starter(op_name: str, attr: Attr) -> Any:
    if (op_name, attr.name) in STARTERS:
        return STARTERS[(op_name, attr.name)]
    if attr.kind == "choice":
        return attr.choices[0]
    if attr.kind in ("int", "float") and attr.minimum is not None:
        return type(STARTERS_BY_KIND[attr.kind])(attr.minimum)
    return STARTERS_BY_KIND[attr.kind]


def starter_inputs(nodes: list[DocNode]) -> dict[str, float]:
    """The values new scalar inputs start from (1.0), so a dropped circuit runs at once."""
    return {n.id: SCALAR_INPUT_START for n in nodes if n.op == "input" and not n.attrs.get("shape")}


def dropped_nodes(
    doc: GraphDocument, payload: str, pos: tuple[float, float]
) -> tuple[list[DocNode], list[DocEdge]]:
    """The nodes a palette payload creates with its main node's corner at ``pos``.

    Raises KeyError (unknown template) or GraphError (unknown op) for a bad payload.
    """
    kind, _, name = payload.partition(":")
    if kind == "template":
        return layer_template(name, doc, pos)
    if kind != "op":
        raise KeyError(f"palette payload {payload!r}: expected op:NAME or template:NAME")
    node = DocNode(doc.new_id(name), name, starter_attrs(name), (float(pos[0]), float(pos[1])))
    return [node], []
