"""The document's one consistency rule: every stored value and reference names a node that
exists, with a fitting shape.

Checked are parameter values (a parameter node, the shape its attrs give), op state
(batchnorm running averages: a batchnorm node, one value per channel), stored input values
(an input node), the loss node, the dataset binding's data and label inputs, the optimizer
state (sized for the parameters it was saved with) and the run records' update ratios (per
parameter). :func:`stale_references` lists what breaks the rule; :func:`drop` gives the
fields with those entries dropped and a :class:`Dropped` record, which :func:`put_back`
turns into the fields with them back (undo). Fields are new objects each time: the
document replaces its values, never mutates them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.errors import GraphLabError
from engine.ops import get_op
from engine.ops.base import fmt
from graphlab.lazy_arrays import shape_of, size_of, without

OPTIMIZER_STATE = "optimizer_state"


@dataclass(frozen=True)
class Stale:
    """One entry breaking the rule: where (a document field, or "optimizer", "runs"), its key
    there, and why (a sentence)."""

    where: str
    key: str
    why: str


def parameter_shape(node) -> tuple | None:
    """The shape a parameter node's attrs give, or None when they are invalid."""
    op = get_op(node.op)
    try:
        return tuple(op.infer_shape([], op.validate_attrs(node.attrs)))
    except GraphLabError:
        return None


def stale_references(doc, shapes=None) -> list[Stale]:
    """What in ``doc`` breaks the rule; ``shapes`` (node id -> analysed shape) is computed
    from the document's analysis only when op state needs it."""
    nodes, found = doc.nodes, []

    def op_of(nid: str) -> str | None:
        return nodes[nid].op if nid in nodes else None

    for nid in doc.params:
        if op_of(nid) != "parameter":
            found.append(Stale("params", nid, f"the stored value of {nid}: no parameter {nid}"))
            continue
        shape, stored = parameter_shape(nodes[nid]), shape_of(doc.params, nid)
        if shape != stored:
            found.append(
                Stale(
                    "params",
                    nid,
                    f"the stored value of {nid}: shape {fmt(stored)}, the graph's "
                    f"{fmt(shape) if shape is not None else 'is unknown'} (re-initialized)",
                )
            )
    if doc.state and shapes is None:
        shapes = doc.analysis().shapes
    for nid, arrays in doc.state.items():
        shape = (shapes or {}).get(nid)
        if op_of(nid) != "batchnorm":
            found.append(Stale("state", nid, f"the running averages of {nid}: no batchnorm {nid}"))
        elif shape is not None and any(shape_of(arrays, k) != (shape[1],) for k in arrays):
            found.append(
                Stale("state", nid, f"the running averages of {nid}: not {shape[1]} channels")
            )
    for nid, value in doc.inputs.items():
        if op_of(nid) != "input":
            found.append(Stale("inputs", nid, f"the stored value of {nid}: no input {nid}"))
            continue
        wanted = tuple(nodes[nid].attrs.get("shape") or ())
        if -1 not in wanted and np.shape(value) != wanted:  # a fixed shape it no longer fits
            found.append(
                Stale(
                    "inputs",
                    nid,
                    f"the stored value of {nid}: shape {fmt(np.shape(value))}, "
                    f"the input's {fmt(wanted)}",
                )
            )
    if doc.loss and doc.loss not in nodes:
        found.append(
            Stale("loss", doc.loss, f"the loss node {doc.loss} (gone; the graph's output is used)")
        )
    for key in ("data_input", "label_input"):
        nid = doc.dataset.get(key)
        if isinstance(nid, str) and nid and op_of(nid) != "input":
            found.append(
                Stale("dataset", key, f"the dataset's {key.replace('_', ' ')} {nid} (gone)")
            )
    found += _stale_optimizer(doc)
    for index, run in enumerate(doc.training.get("runs", [])):
        ratios = run.get("ratios", {}) if isinstance(run, dict) else {}
        for nid in ratios:
            if nid not in nodes:
                found.append(
                    Stale("runs", f"{index}:{nid}", f"run {index + 1}'s update ratios of {nid}")
                )
    return found


def _stale_optimizer(doc) -> list[Stale]:
    saved = doc.extra_arrays.get(OPTIMIZER_STATE)
    progress = doc.training.get("progress")
    steps = progress.get("parameter_steps") if isinstance(progress, dict) else None
    if not saved or not isinstance(steps, dict):
        return []
    shapes = [
        parameter_shape(doc.nodes[nid])
        if doc.nodes.get(nid) and doc.nodes[nid].op == "parameter"
        else None
        for nid in steps
    ]
    size = sum(math.prod(s) for s in shapes if s is not None)
    if None in shapes or any(size_of(saved, k) != size for k in saved):
        return [
            Stale("optimizer", OPTIMIZER_STATE, "the optimizer's state (the parameters changed)")
        ]
    return []


@dataclass
class Dropped:
    """What was dropped: (field, key, old value) per entry, and why (one sentence each)."""

    entries: list[tuple[str, str, Any]] = field(default_factory=list)
    why: tuple[str, ...] = ()


def drop(doc, stale: list[Stale]) -> tuple[dict[str, Any], Dropped]:
    """New values for the document fields that ``stale`` touches (those entries dropped),
    and the record of what they held."""
    keys: dict[str, set[str]] = {}
    for entry in stale:
        keys.setdefault(entry.where, set()).add(entry.key)
    out: dict[str, Any] = {}
    dropped = Dropped(why=tuple(entry.why for entry in stale))
    for name in ("params", "state", "inputs", "dataset"):
        if name in keys:
            current = getattr(doc, name)
            dropped.entries += [(name, k, current[k]) for k in keys[name]]
            out[name] = without(current, keys[name])
    if "loss" in keys:
        dropped.entries.append(("loss", "", doc.loss))
        out["loss"] = ""
    training = doc.training
    if "optimizer" in keys:
        old = (doc.extra_arrays[OPTIMIZER_STATE], training["progress"])
        dropped.entries.append(("optimizer", OPTIMIZER_STATE, old))
        out["extra_arrays"] = {k: v for k, v in doc.extra_arrays.items() if k != OPTIMIZER_STATE}
        progress = {k: v for k, v in training["progress"].items() if k != "parameter_steps"}
        training = {**training, "progress": progress}
    if "runs" in keys:
        runs = []
        for index, run in enumerate(training["runs"]):
            gone = {key.partition(":")[2] for key in keys["runs"] if key.startswith(f"{index}:")}
            if gone:
                new = {**run, "ratios": {k: v for k, v in run["ratios"].items() if k not in gone}}
                dropped.entries.append(("runs", "", (new, run)))
                run = new
            runs.append(run)
        training = {**training, "runs": runs}
    if training is not doc.training:
        out["training"] = training
    return out, dropped


def put_back(doc, dropped: Dropped) -> dict[str, Any]:
    """New values for the document fields with ``dropped``'s entries back in them."""
    out: dict[str, Any] = {}

    def current(name: str):
        return out.get(name, getattr(doc, name))

    for name, key, old in dropped.entries:
        if name == "loss":
            out["loss"] = old
        elif name == "optimizer":
            out["extra_arrays"] = {**current("extra_arrays"), OPTIMIZER_STATE: old[0]}
            out["training"] = {**current("training"), "progress": old[1]}
        elif name == "runs":
            runs = [old[1] if run is old[0] else run for run in current("training").get("runs", [])]
            out["training"] = {**current("training"), "runs": runs}
        else:
            out[name] = {**current(name), key: old}
    return out
