"""Custom ops in a project (graph.json's ``custom_ops``) and in the user's op folder.

Reading checks each entry with ``ast`` only and registers placeholders: loading never runs
op code. Writing records, for every node of a custom op, the shape it gave for its inputs
(from the document's analysis), so that an untrusted copy of the project keeps its shapes.
The op folder holds one ``NAME.py`` per op; its location is a parameter (the window passes
the application's data folder), so this module stays Qt-free.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from engine.errors import GraphLabError
from engine.ops import REGISTRY
from graphlab.atomic import write_atomically
from graphlab.custom_ops.definition import (
    VERSION,
    CustomOpError,
    OpDefinition,
    attrs_key,
    parse_definition,
)
from graphlab.custom_ops.trust import install_placeholders, registered

ENTRY_KEYS = {"version", "name", "source", "shapes"}
#: the largest op source read from a project or the op folder
MAX_SOURCE = 256 * 1024


def read_custom_ops(value: Any, fail) -> dict[str, OpDefinition]:
    """graph.json's ``custom_ops`` list as definitions (registered as placeholders);
    ``fail(place, message)`` raises for a fault."""
    if not isinstance(value, list):
        fail("custom_ops", f"expected a list, got {type(value).__name__}")
    found: dict[str, OpDefinition] = {}
    for i, entry in enumerate(value):
        place = f"custom_ops[{i}]"
        if not isinstance(entry, dict) or set(entry) - ENTRY_KEYS or "source" not in entry:
            fail(place, f"expected an object with {', '.join(sorted(ENTRY_KEYS))}")
        version = entry.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            fail(f"{place}.version", f"expected a positive integer, got {version!r}")
        if version > VERSION:
            fail(f"{place}.version", f"custom op version {version}; this GraphLab reads {VERSION} (update GraphLab)")  # fmt: skip
        name = entry.get("name")
        if isinstance(name, str) and name in REGISTRY and not REGISTRY[name].user:
            fail(f"{place}.name", f"{name!r} is a built-in op")
        if isinstance(entry["source"], str) and len(entry["source"]) > MAX_SOURCE:
            fail(f"{place}.source", "longer than 256 KiB")
        try:
            definition = parse_definition(name, entry["source"], entry.get("shapes", []))
        except CustomOpError as exc:
            fail(place, str(exc))
        if definition.name in found:
            fail(f"{place}.name", f"a second op named {definition.name!r}")
        found[definition.name] = definition
    install_placeholders(found.values())
    return found


def custom_ops_field(doc) -> dict[str, Any]:
    """``{"custom_ops": [...]}`` for graph.json, or {} when the document uses none: its own
    definitions and those of registered ops its nodes use, each with the shapes of its uses
    (an untrusted op's come from its records, so they survive a save)."""
    definitions = dict(doc.custom_ops)
    for node in doc.nodes.values():
        op = registered(node.op)
        if op is not None and node.op not in definitions:
            definitions[node.op] = op.definition
    if not definitions:
        return {}
    analysis = doc.analysis()
    records: dict[str, list] = {name: [] for name in definitions}
    for nid, node in doc.nodes.items():
        op = REGISTRY.get(node.op)
        sources = analysis.sources.get(nid, {})
        if node.op not in records or nid not in analysis.shapes or op is None:
            continue
        inputs = tuple(analysis.shapes.get(sources.get(p)) for p in op.inputs)
        if all(s is not None for s in inputs):
            key = attrs_key(analysis.attrs[nid])
            records[node.op].append((inputs, key, analysis.shapes[nid]))
    return {
        "custom_ops": [d.with_shapes(records[name]).to_json() for name, d in definitions.items()]
    }


# -- the op folder ---------------------------------------------------------------------------


def save_to_folder(folder: str | os.PathLike, definition: OpDefinition) -> Path:
    """Write ``definition``'s source as ``folder/NAME.py`` (atomically); the path."""
    path = Path(folder) / f"{definition.name}.py"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GraphLabError(f"{path.parent}: cannot make the op folder ({exc.strerror})") from None
    write_atomically(path, lambda f: f.write(definition.source.encode()), error=GraphLabError)
    return path


def read_folder(folder: str | os.PathLike) -> tuple[list[OpDefinition], list[str]]:
    """The definitions in ``folder`` (read with ``ast``, nothing runs) and one sentence per
    file that could not be read."""
    folder = Path(folder)
    definitions, problems = [], []
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        try:
            if not path.is_file() or path.stat().st_size > MAX_SOURCE:
                raise CustomOpError("not a regular file of at most 256 KiB")
            name = path.stem
            if name in REGISTRY and not REGISTRY[name].user:
                raise CustomOpError(f"{name!r} is a built-in op")
            definitions.append(parse_definition(name, path.read_text(encoding="utf-8")))
        except (CustomOpError, OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: {exc}")
    return definitions, problems
