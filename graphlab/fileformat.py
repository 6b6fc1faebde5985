"""Reading and writing graph files (see docs/file-format.md).

A project file (``.graphlab``) is a zip holding ``graph.json`` and ``params.npz``; an example
graph may be the plain JSON alone. Loading validates everything and raises one
:class:`FileFormatError` naming the place for a damaged file; it never executes code (no
pickle). Stale extras (a value or reference for a node that is gone, a value of the wrong
shape) are dropped by the document's consistency rule and listed as warnings: the graph
opens. Saving checks the serialized project with this loader first (a file that would not
open again is not written) and is atomic: the old file stays intact until the new one is
complete on disk.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import FileFormatError, GraphLabError
from engine.ops import get_op
from engine.validate import dependency_graph, edge_problem, find_cycle
from graphlab import png_graph
from graphlab.atomic import write_atomically
from graphlab.budget import open_zip, read_file, read_member
from graphlab.canvas_items import canvas_from_json, canvas_to_json
from graphlab.custom_ops import custom_ops_field, read_custom_ops
from graphlab.document import DOCUMENT_FIELDS, DocEdge, DocNode, GraphDocument
from graphlab.groups import groups_from_json, groups_to_json, valid_pos
from graphlab.project_arrays import array_members, load_arrays

FORMAT = "graphlab"
VERSION = 1
GRAPH_MEMBER, PARAMS_MEMBER = "graph.json", "params.npz"
MAX_GRAPH_BYTES = 64 * 2**20
#: graph.json's keys: the document's fields but its arrays (those are in params.npz)
TOP_KEYS = {"format", "version", *DOCUMENT_FIELDS} - {"params", "state", "extra_arrays"}
NODE_KEYS = {"id", "op", "attrs", "pos", "label", "group"}


# -- writing ------------------------------------------------------------------------------


def document_to_dict(doc: GraphDocument) -> dict[str, Any]:
    """The JSON-ready form of a document (parameters excluded)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": doc.name,
        "description": doc.description,
        "nodes": [
            {
                "id": n.id,
                "op": n.op,
                "attrs": _jsonable(n.attrs),
                "pos": list(n.pos),
                "label": n.label,
                "group": n.group,
            }
            for n in doc.nodes.values()
        ],
        "edges": [{"from": e.src, "to": e.dst, "port": e.port} for e in doc.edges],
        "inputs": _jsonable(doc.inputs),
        "dataset": _jsonable(doc.dataset),
        "training": _jsonable(doc.training),
        "loss": doc.loss,
        **custom_ops_field(doc),
        **({"groups": groups_to_json(doc.groups)} if doc.groups else {}),
        **({"canvas": c} if (c := canvas_to_json(doc.canvas, doc.edges)) else {}),
    }


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    return value


def save_document(doc: GraphDocument, path: str | os.PathLike) -> None:
    """Save atomically: a project zip with parameters, or plain JSON for a ``.json`` path.

    The bytes are first read back by :func:`load_bytes`; if that would fail, FileFormatError
    says why and the previous file is kept."""
    path = Path(path)
    blob = document_bytes(doc, arrays=path.suffix != ".json")
    try:
        load_bytes(blob, path)
    except GraphLabError as exc:
        raise FileFormatError(
            f"{path}: not saved, the file would not open again ({exc}); the previous file is unchanged"
        ) from None
    write_atomically(path, lambda f: f.write(blob))


def document_bytes(doc: GraphDocument, arrays: bool = True) -> bytes:
    """The bytes of a project zip (``arrays``) or of the plain JSON graph."""
    text = json.dumps(document_to_dict(doc), indent=1).encode()
    if not arrays:
        return text
    buffer, zipped = io.BytesIO(), io.BytesIO()
    np.savez(buffer, **array_members(doc))
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(GRAPH_MEMBER, text)
        archive.writestr(PARAMS_MEMBER, buffer.getvalue())
    return zipped.getvalue()


# -- reading ------------------------------------------------------------------------------


def load_document(
    path: str | os.PathLike,
    warnings: list[str] | None = None,
    arrays: bool = True,
    lazy: bool = False,
) -> GraphDocument:
    """Read a project zip or a plain JSON graph; FileFormatError names the place of any fault.

    Every size is checked against the memory budget before it is read. With ``arrays=False``
    the parameter arrays are checked from their npy headers only and not read (``describe``);
    with ``lazy`` they are read on first use (:class:`LazyArrays`; the window).
    What was dropped as stale is appended to ``warnings`` (one sentence each).
    """
    path = Path(path)
    return load_bytes(read_file(path, FileFormatError), path, warnings, arrays, lazy)


def load_bytes(
    raw: bytes,
    path: Path,
    warnings: list[str] | None = None,
    arrays: bool = True,
    lazy: bool = False,
) -> GraphDocument:
    """Read a project zip or plain JSON graph (or a PNG carrying one) held in memory."""
    try:
        if raw[:8] == png_graph.SIGNATURE:
            raw = png_graph.graph_payload(raw, path, MAX_GRAPH_BYTES)
        if raw[:4] == b"PK\x03\x04":
            doc = _load_project(raw, path, arrays, lazy)
        elif len(raw) > MAX_GRAPH_BYTES:
            raise FileFormatError(f"{path}: a JSON graph larger than 64 MiB is not read")
        else:
            doc = document_from_bytes(raw, path)
    except FileFormatError:
        raise
    except GraphLabError as exc:
        raise FileFormatError(f"{path}: {exc}") from None
    except MemoryError:  # Python objects of a JSON graph outgrowing the memory left
        raise FileFormatError(f"{path}: too large to load in the memory available") from None
    dropped = doc.drop_stale()
    if warnings is not None:
        warnings.extend(dropped.why)
    return doc


def _load_project(raw: bytes, path: Path, arrays: bool, lazy: bool) -> GraphDocument:
    with open_zip(raw, path) as archive:
        names = set(archive.namelist())
        if GRAPH_MEMBER not in names:
            raise FileFormatError(f"{path}: not a GraphLab project (no {GRAPH_MEMBER} inside)")
        if archive.getinfo(GRAPH_MEMBER).file_size > MAX_GRAPH_BYTES:
            raise FileFormatError(f"{path}: {GRAPH_MEMBER} is larger than 64 MiB")
        graph_bytes = read_member(archive, GRAPH_MEMBER, path)
        params_bytes = read_member(archive, PARAMS_MEMBER, path) if PARAMS_MEMBER in names else None
    doc = document_from_bytes(graph_bytes, path)
    if params_bytes is not None:
        load_arrays(doc, params_bytes, f"{path}: {PARAMS_MEMBER}", arrays, lazy)
    return doc


def document_from_bytes(raw: bytes, where: Path | str = "graph") -> GraphDocument:
    """Parse and validate a JSON graph."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise FileFormatError(
            f"{where}: not a GraphLab file (not UTF-8 text or a project zip)"
        ) from None
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise FileFormatError(f"{where}: JSON nested too deeply") from None
    except ValueError:  # an integer beyond Python's digit limit
        raise FileFormatError(f"{where}: a number in the JSON has too many digits") from None
    return document_from_dict(data, where)


def document_from_dict(data: Any, where: Path | str = "graph") -> GraphDocument:
    """Validate a parsed JSON graph into a document; every fault names its place."""

    def fail(place: str, message: str):
        raise FileFormatError(f"{where}: {_clip(place)}: {_clip(message)}")

    if not isinstance(data, dict):
        fail("top level", f"expected a JSON object, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        fail("format", f"expected {FORMAT!r}, got {data.get('format')!r} (not a GraphLab file?)")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        fail("version", f"expected a positive integer, got {version!r}")
    if version > VERSION:
        fail(
            "version",
            f"this file is version {version}; this GraphLab reads version {VERSION} (update GraphLab)",
        )
    unknown = set(data) - TOP_KEYS
    if unknown:
        fail(sorted(unknown)[0], f"unknown key (allowed: {', '.join(sorted(TOP_KEYS))})")
    doc = GraphDocument(_text(data, "name", "untitled", fail), _text(data, "description", "", fail))
    doc.custom_ops = read_custom_ops(data.get("custom_ops", []), fail)  # never runs their code
    nodes = data.get("nodes")
    if not isinstance(nodes, list):
        fail("nodes", f"expected a list, got {type(nodes).__name__}")
    for i, item in enumerate(nodes):
        node = _node_from_dict(item, f"nodes[{i}]", fail)
        if node.id in doc.nodes:
            fail(f'nodes[{i}] (id "{node.id}")', "duplicate id")
        doc.nodes[node.id] = node
    edges = data.get("edges", [])
    if not isinstance(edges, list):
        fail("edges", f"expected a list, got {type(edges).__name__}")
    sources: dict[str, dict[str, str]] = {}  # node -> {port: the node feeding it}
    for i, item in enumerate(edges):
        doc.edges.append(_edge_from_dict(item, f"edges[{i}]", doc, sources, fail))
    doc.inputs = _inputs_from_dict(data.get("inputs", {}), doc, fail)
    doc.groups = groups_from_json(data.get("groups", []), doc.nodes, fail)
    doc.canvas = canvas_from_json(data.get("canvas", {}), doc.nodes, doc.edges, fail)
    for key in ("dataset", "training"):
        value = data.get(key, {})
        if not isinstance(value, dict):
            fail(key, f"expected an object, got {type(value).__name__}")
        setattr(doc, key, value)
    for key in ("data_input", "label_input"):
        if not isinstance(doc.dataset.get(key, ""), str):
            fail(f"dataset.{key}", f"expected a node id, got {doc.dataset[key]!r}")
    _check_progress(doc.training.get("progress", {}), fail)
    for key, kinds in (("optimizer_settings", dict), ("schedule", dict | str)):
        if not isinstance(doc.training.get(key, {}), kinds):
            fail(f"training.{key}", f"expected an object, got {type(doc.training[key]).__name__}")
    doc.loss = _text(data, "loss", "", fail)  # a loss node that is gone is dropped as stale
    # A graph being edited may have unconnected ports or shapes that do not fit (the editor
    # shows them; running reports them), but never a cycle.
    cycle = find_cycle(dependency_graph(doc.nodes, ((e.src, e.dst) for e in doc.edges)))
    if cycle:
        fail("graph", f"the graph has a cycle: {' -> '.join(cycle)}")
    return doc


def _clip(text: str, limit: int = 240) -> str:
    """``text`` cut to ``limit`` characters: a message quotes a value, never a whole file."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_progress(progress: Any, fail) -> None:
    """A saved run's progress: counts are whole numbers >= 0, the optimizer a name."""
    if not isinstance(progress, dict):
        fail("training.progress", f"expected an object, got {type(progress).__name__}")
    counts = {k: progress[k] for k in ("step", "epoch") if k in progress}
    steps = progress.get("parameter_steps", {})
    if not isinstance(steps, dict):
        fail("training.progress.parameter_steps", "expected an object of step counts")
    counts.update({f"parameter_steps.{k}": v for k, v in steps.items()})
    for key, value in counts.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**53:
            fail(f"training.progress.{key}", f"expected a whole number >= 0, got {value!r}")
    if not isinstance(progress.get("optimizer", ""), str):
        fail("training.progress.optimizer", "expected an optimizer name")


def _text(data: dict, key: str, default: str, fail) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        fail(key, f"expected a string, got {value!r}")
    return value


def _node_from_dict(item: Any, place: str, fail) -> DocNode:
    if not isinstance(item, dict):
        fail(place, f"expected an object, got {type(item).__name__}")
    nid = item.get("id")
    if not isinstance(nid, str) or not nid:
        fail(f"{place}.id", f"expected a non-empty string, got {nid!r}")
    place = f'{place} (id "{nid}")'
    unknown = set(item) - NODE_KEYS
    if unknown:
        fail(
            f"{place} {sorted(unknown)[0]}",
            f"unknown key (allowed: {', '.join(sorted(NODE_KEYS))})",
        )
    try:
        op = get_op(item.get("op"))
    except GraphLabError as exc:
        fail(f"{place} op", str(exc))
    attrs = item.get("attrs", {})
    if not isinstance(attrs, dict):
        fail(f"{place} attrs", f"expected an object, got {type(attrs).__name__}")
    known = {a.name: a for a in op.attrs}
    for name, value in attrs.items():
        if name not in known:
            fail(
                f"{place} attrs.{name}",
                f"op {op.name!r} has no such attr (its attrs: {', '.join(known) or 'none'})",
            )
        if _invalid(known[name], value):
            fail(f"{place} attrs.{name}", f"expected {known[name].allowed()}, got {value!r}")
    missing = [a.name for a in op.attrs if a.required and a.name not in attrs]
    if missing:
        fail(
            f"{place} attrs.{missing[0]}",
            f"required attr is missing (expected {known[missing[0]].allowed()})",
        )
    pos = item.get("pos", [0, 0])
    if not valid_pos(pos):
        fail(f"{place} pos", f"expected [x, y] with two finite numbers, got {pos!r}")
    label, group = item.get("label", ""), item.get("group", "")
    for key, value in (("label", label), ("group", group)):
        if not isinstance(value, str):
            fail(f"{place} {key}", f"expected a string, got {value!r}")
    return DocNode(nid, op.name, dict(attrs), (float(pos[0]), float(pos[1])), label, group)


def _invalid(attr, value) -> bool:
    try:
        attr.validate(value)
    except GraphLabError:
        return True
    return False


def _edge_from_dict(item: Any, place: str, doc: GraphDocument, sources: dict, fail) -> DocEdge:
    """One edge, checked by the validator against the edges read so far (``sources``)."""
    if not isinstance(item, dict) or set(item) != {"from", "to", "port"}:
        fail(place, f'expected {{"from": id, "to": id, "port": name}}, got {item!r}')
    edge = DocEdge(item["from"], item["to"], item["port"])
    if not all(isinstance(v, str) for v in (edge.src, edge.dst, edge.port)):
        fail(place, f"expected three strings, got {item!r}")
    fed = sources.setdefault(edge.dst, {})
    problem = edge_problem(doc.nodes, {edge.dst: fed}, edge)
    if problem:
        fail(place, problem + (" (a dangling edge)" if problem.startswith("no node") else ""))
    fed[edge.port] = edge.src
    return edge


def _inputs_from_dict(inputs: Any, doc: GraphDocument, fail) -> dict[str, Any]:
    if not isinstance(inputs, dict):
        fail("inputs", f"expected an object, got {type(inputs).__name__}")
    for nid, value in inputs.items():  # values of nodes that are gone are dropped as stale
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            fail(f"inputs.{nid}", f"expected a number or nested list of numbers, got {value!r}")
        if not np.all(np.isfinite(array)):
            fail(f"inputs.{nid}", "values must be finite")
    return inputs
