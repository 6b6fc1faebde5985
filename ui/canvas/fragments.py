"""Copy/paste fragments and palette drops: document nodes in, fresh nodes and edges out.

A fragment is JSON: ``{"nodes": [node dicts as in the file format], "edges": [...]}`` with
only the edges among its nodes. Qt-free apart from the MIME type names.
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine.errors import GraphLabError
from engine.ops import get_op
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.fileformat import document_to_dict
from graphlab.templates import layer_template

#: what the palette's drag carries: UTF-8 ``op:<op name>`` or ``template:<template name>``
PALETTE_MIME = "application/x-graphlab-palette"
#: what copy puts on the clipboard (besides the same JSON as text)
FRAGMENT_MIME = "application/x-graphlab-fragment"


def fragment(doc: GraphDocument, ids) -> dict[str, Any]:
    """The nodes ``ids`` (in document order) and the edges among them."""
    chosen = set(ids)
    data = document_to_dict(doc)
    return {
        "nodes": [n for n in data["nodes"] if n["id"] in chosen],
        "edges": [e for e in data["edges"] if e["from"] in chosen and e["to"] in chosen],
    }


def fragment_from_text(text: str) -> dict[str, Any] | None:
    """A fragment parsed from clipboard text, or None when the text is not one."""
    try:
        data = json.loads(text)
        nodes = [
            DocNode(n["id"], n["op"], dict(n["attrs"]), tuple(n["pos"]), n["label"], n["group"])
            for n in data["nodes"]
        ]
        for node in nodes:
            get_op(node.op)
        ids = {n.id for n in nodes}
        if not all(e["from"] in ids and e["to"] in ids for e in data["edges"]):
            return None
    except (ValueError, KeyError, TypeError, IndexError, GraphLabError):
        return None
    return data


def instantiate(
    doc: GraphDocument, data: dict[str, Any], offset: tuple[float, float]
) -> tuple[list[DocNode], list[DocEdge]]:
    """The fragment's nodes with ids free in ``doc``, moved by ``offset``, and their edges.

    A group named after a copied node follows that node's new id, so a pasted layer
    template forms its own group.
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

    # a group's head (the node the group is named after) first; its members follow its name
    heads = [n for n in data["nodes"] if n["id"] == n["group"]]
    for n in heads:
        claim(n["id"], n["id"])
    for n in data["nodes"]:
        if n["id"] in new_ids:
            continue
        group = n["group"]
        if group in new_ids and n["id"].startswith(group + "_"):
            claim(n["id"], new_ids[group] + n["id"][len(group) :])
        else:
            claim(n["id"], n["id"])
    nodes = [
        DocNode(
            new_ids[n["id"]],
            n["op"],
            dict(n["attrs"]),
            (n["pos"][0] + offset[0], n["pos"][1] + offset[1]),
            n["label"],
            new_ids.get(n["group"], n["group"]),
        )
        for n in data["nodes"]
    ]
    edges = [DocEdge(new_ids[e["from"]], new_ids[e["to"]], e["port"]) for e in data["edges"]]
    return nodes, edges


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
    get_op(name)
    return [DocNode(doc.new_id(name), name, {}, (float(pos[0]), float(pos[1])))], []
