"""What the canvas keeps besides nodes, wires and groups: bypassed nodes, frames, notes,
reroute points and the wire style (the document's ``canvas`` field, saved under the file's
``canvas`` key). Only bypass changes a value: a bypassed node passes one input through
(:func:`bypass_port` says which, or why not) and :func:`bypassed_wiring` is what the engine
then runs. Frames, notes, reroute points and the style are drawing only. Pure functions:
they take a canvas dict and return a new one.

    {"bypassed": {node id: port}, "frames": [{"id", "title", "colour", "members", "rect"}],
     "notes": [{"id", "text", "pos", "size"}], "reroutes": {"src>dst.port": [[x, y], ...]},
     "wire_style": "curved" | "straight" | "angled"}
"""

from __future__ import annotations

import copy
import re
from typing import Any

from engine.ops.base import fmt
from graphlab.groups import valid_pos

WIRE_STYLES = ("curved", "straight", "angled")
#: the most frames, notes or reroute points a file may hold; a note's longest text
MAX_ITEMS, MAX_NOTE = 10_000, 100_000
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def edge_key(edge) -> str:
    """How the file names a wire: ``src>dst.port``."""
    return f"{edge.src}>{edge.dst}.{edge.port}"


# -- bypass -----------------------------------------------------------------------------


def bypass_port(doc, nid: str) -> tuple[str | None, str]:
    """(the input port node ``nid`` would pass through, "") or (None, why it cannot): the
    first wired input whose value has the node's output shape, when no other input is wired
    to anything but parameters or constants."""
    shapes = doc.analysis().shapes
    out = shapes.get(nid)
    if out is None:
        return None, f"{nid} has no known output shape to keep (connect its inputs first)"
    sources = doc.sources_of(nid)
    if not sources:
        return None, f"{nid} has no input to pass through"
    for port, src in sources.items():
        if shapes.get(src) == out:
            return port, ""
    found = ", ".join(f"{p} is {fmt(shapes[s])}" for p, s in sources.items() if s in shapes)
    return None, f"no input of {nid} has its output's shape {fmt(out)} ({found})"


def bypassed_wiring(nodes: dict, edges: list, bypassed: dict[str, str]) -> tuple[list, list]:
    """(node ids, edges) the engine runs: each bypassed node's consumers read its
    pass-through input instead, and it is left out with the nodes that fed only it."""
    through = {}
    for nid, port in bypassed.items():
        src = next((e.src for e in edges if e.dst == nid and e.port == port), None)
        if nid in nodes and src is not None:
            through[nid] = src

    def origin(nid: str) -> str:
        while nid in through:
            nid = through[nid]
        return nid

    kept_edges = [type(e)(origin(e.src), e.dst, e.port) for e in edges if e.dst not in through]
    dropped, changed = set(through), True
    while changed:  # a parameter that fed only a bypassed node goes too
        fed = {e.src for e in kept_edges if e.dst not in dropped}
        was_fed = {e.src for e in edges}
        extra = {n for n in nodes if n in was_fed and n not in fed and n not in dropped}
        changed = bool(extra)
        dropped |= extra
    kept_edges = [e for e in kept_edges if e.dst not in dropped and e.src not in dropped]
    return [n for n in nodes if n not in dropped], kept_edges


# -- copy and paste ---------------------------------------------------------------------------


def copied_canvas(canvas: dict, ids, edges, frames=(), notes=()) -> dict:
    """What a copy of the nodes ``ids`` and the ``edges`` among them carries of ``canvas``:
    the ``frames`` (selected frame ids) whose members are all copied, the ``notes`` (selected
    note ids), the copied wires' reroute points and the bypass of copied nodes whose
    pass-through wire is copied."""
    chosen, keys, frames = set(ids), {edge_key(e) for e in edges}, set(frames)
    wired = {(e.dst, e.port) for e in edges}
    result = {
        "bypassed": {
            n: p for n, p in canvas.get("bypassed", {}).items() if n in chosen and (n, p) in wired
        },
        "frames": [
            f for f in canvas.get("frames", []) if f["id"] in frames and set(f["members"]) <= chosen
        ],
        "notes": [n for n in canvas.get("notes", []) if n["id"] in notes],
        "reroutes": {k: v for k, v in canvas.get("reroutes", {}).items() if k in keys},
    }
    return {k: v for k, v in result.items() if v}


def pasted_canvas(canvas: dict, part: dict, edges, id_map: dict, offset) -> dict:
    """``canvas`` with a pasted fragment's canvas ``part`` added: its frames and notes under
    fresh ids, node ids renamed by ``id_map`` (old -> pasted), its wires' (``edges``, the
    fragment's) reroute points and everything moved by ``offset`` (dx, dy)."""
    dx, dy = offset
    result = {k: copy.deepcopy(v) for k, v in canvas.items()}
    frames, notes = result.setdefault("frames", []), result.setdefault("notes", [])
    for frame in part.get("frames", []):
        x, y, w, h = frame["rect"]
        frames.append({**frame, "id": fresh_id("frame", {f["id"] for f in frames}),
                       "members": [id_map[m] for m in frame["members"]],
                       "rect": [x + dx, y + dy, w, h]})  # fmt: skip
    for note in part.get("notes", []):
        x, y = note["pos"]
        notes.append(
            {**note, "id": fresh_id("note", {n["id"] for n in notes}), "pos": [x + dx, y + dy]}
        )
    renamed = {edge_key(e): f"{id_map[e.src]}>{id_map[e.dst]}.{e.port}" for e in edges}
    reroutes = result.setdefault("reroutes", {})
    for key, points in part.get("reroutes", {}).items():
        reroutes[renamed[key]] = [[x + dx, y + dy] for x, y in points]
    bypassed = result.setdefault("bypassed", {})
    bypassed.update({id_map[n]: p for n, p in part.get("bypassed", {}).items()})
    return {k: v for k, v in result.items() if v not in ({}, [])}


def fresh_id(prefix: str, taken: set[str]) -> str:
    """The first of ``prefix1``, ``prefix2``, ... not in ``taken`` (a frame's or note's id)."""
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


# -- keeping the canvas consistent and in files ---------------------------------------------


def prune_canvas(canvas: dict, nodes) -> dict:
    """``canvas`` without bypass marks or frame members of nodes that are gone."""
    alive = set(nodes)
    result = dict(canvas)
    if "bypassed" in canvas:
        result["bypassed"] = {n: p for n, p in canvas["bypassed"].items() if n in alive}
    if "frames" in canvas:
        result["frames"] = [
            {**f, "members": [m for m in f["members"] if m in alive]} for f in canvas["frames"]
        ]
    return {k: v for k, v in result.items() if v not in ({}, [])}


def canvas_to_json(canvas: dict, edges) -> dict:
    """The file form: reroute points only of wires that exist."""
    keys = {edge_key(e) for e in edges}
    result = dict(canvas)
    if "reroutes" in canvas:
        result["reroutes"] = {k: v for k, v in canvas["reroutes"].items() if k in keys}
    return {k: v for k, v in result.items() if v not in ({}, [])}


def canvas_from_json(data: Any, nodes, edges, fail) -> dict:
    """Validate the file's ``canvas`` object; ``fail(place, message)`` raises. Entries of
    nodes or wires that are gone are dropped (as stale values are)."""
    if not isinstance(data, dict):
        fail("canvas", f"expected an object, got {type(data).__name__}")
    unknown = set(data) - {"bypassed", "frames", "notes", "reroutes", "wire_style"}
    if unknown:
        fail(f"canvas.{sorted(unknown)[0]}", "unknown key")
    result: dict[str, Any] = {}
    bypassed = data.get("bypassed", {})
    if not isinstance(bypassed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in bypassed.items()
    ):
        fail("canvas.bypassed", "expected an object of node id -> port")
    result["bypassed"] = {n: p for n, p in bypassed.items() if n in nodes}
    style = data.get("wire_style", "curved")
    if style not in WIRE_STYLES:
        fail("canvas.wire_style", f"expected one of {', '.join(WIRE_STYLES)}, got {style!r}")
    if style != "curved":  # the default is left out, as the app leaves it out
        result["wire_style"] = style
    result["frames"] = [
        _frame(f, i, nodes, fail) for i, f in enumerate(_items(data, "frames", fail))
    ]
    result["notes"] = [_note(n, i, fail) for i, n in enumerate(_items(data, "notes", fail))]
    reroutes = data.get("reroutes", {})
    if not isinstance(reroutes, dict) or len(reroutes) > MAX_ITEMS:
        fail("canvas.reroutes", f"expected an object of at most {MAX_ITEMS} wires")
    keys = {edge_key(e) for e in edges}
    for key, points in reroutes.items():
        if not (
            isinstance(points, list) and len(points) <= 64 and all(valid_pos(p) for p in points)
        ):
            fail(f"canvas.reroutes.{key}", "expected a list of [x, y] points")
    result["reroutes"] = {
        k: [list(map(float, p)) for p in v] for k, v in reroutes.items() if k in keys
    }
    return {k: v for k, v in result.items() if v not in ({}, [])}


def _items(data: dict, key: str, fail) -> list:
    items = data.get(key, [])
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        fail(f"canvas.{key}", f"expected a list of at most {MAX_ITEMS}")
    return items


def _rect(value) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 4
        and valid_pos(value[:2])
        and valid_pos(value[2:])
    )


def _frame(item: Any, i: int, nodes, fail) -> dict:
    place = f"canvas.frames[{i}]"
    if not isinstance(item, dict) or set(item) != {"id", "title", "colour", "members", "rect"}:
        fail(place, "expected an object with id, title, colour, members and rect")
    if not (isinstance(item["title"], str) and isinstance(item["id"], str)):
        fail(place, "expected a string id and title")
    if not (isinstance(item["colour"], str) and COLOUR.fullmatch(item["colour"])):
        fail(f"{place}.colour", f"expected #rrggbb, got {item['colour']!r}")
    if not isinstance(item["members"], list) or not _rect(item["rect"]):
        fail(place, "expected a list of members and a rect [x, y, width, height]")
    members = [m for m in item["members"] if m in nodes]
    return {**item, "members": members, "rect": [float(v) for v in item["rect"]]}


def _note(item: Any, i: int, fail) -> dict:
    place = f"canvas.notes[{i}]"
    if not isinstance(item, dict) or set(item) != {"id", "text", "pos", "size"}:
        fail(place, "expected an object with id, text, pos and size")
    if not (isinstance(item["id"], str) and isinstance(item["text"], str)):
        fail(place, "expected a string id and text")
    if len(item["text"]) > MAX_NOTE or not valid_pos(item["pos"]) or not valid_pos(item["size"]):
        fail(place, f"expected text of at most {MAX_NOTE} characters, pos and size [x, y]")
    return {
        **item,
        "pos": [float(v) for v in item["pos"]],
        "size": [float(v) for v in item["size"]],
    }
