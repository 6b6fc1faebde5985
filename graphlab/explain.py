"""Words and numbers for the stepper's explanation panel, from the engine's trace events.

Nothing here computes a gradient: the numbers are the event's own (upstream gradient,
input gradients) and the engine's local derivative (:meth:`Graph.local_gradients`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from engine.backend import to_numpy
from engine.graph import Graph, TraceEvent
from engine.ops.base import fmt


def number(value) -> str:
    """A scalar with 4 significant digits, as the lecture's diagrams write them."""
    return f"{float(np.asarray(to_numpy(value)).reshape(-1)[0]):.4g}"


def describe(value) -> str:
    """A number for scalars; shape and norm for tensors."""
    array = to_numpy(value)
    if array.size == 1:
        return number(array)
    return f"{fmt(array.shape)} norm {float(np.linalg.norm(array)):.4g}"


@dataclass
class Term:
    """One input's gradient: dL/d(source) = upstream * local (local is None for tensors)."""

    port: str
    source: str
    upstream: float | None
    local: float | None
    gradient: float | None
    text: str


@dataclass
class Explanation:
    node: str
    phase: str
    title: str
    rule: str
    lines: list[str] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)


def explain(
    event: TraceEvent, graph: Graph, contributions: dict[str, list[tuple[str, object]]]
) -> Explanation:
    """The explanation of ``event``. contributions maps a node id to the (consumer, gradient)
    pairs sent to it by backward events already shown (for "gradients add at branches")."""
    nid, op = event.node, graph.ops[event.node]
    sources = graph.sources[nid]
    args = ", ".join(sources[p] for p in op.inputs)
    title = f"{nid} = {event.op}({args})" if op.inputs else f"{nid} ({event.op})"
    result = Explanation(nid, event.phase, title, op.rule)
    if event.phase == "forward":
        result.lines.append(_forward_line(event, graph))
        return result
    result.lines.extend(_branch_lines(nid, event, contributions))
    scalar = to_numpy(event.output).size == 1
    local = graph.local_gradients(nid) if scalar else {}
    for port, grad in event.input_grads.items():
        src = sources[port]
        if scalar and to_numpy(grad).size == 1:
            up, lo, total = (
                float(to_numpy(v).reshape(-1)[0]) for v in (event.grad_out, local[port], grad)
            )
            text = f"dL/d{src} = dL/d{nid} * d{nid}/d{src} = {up:.4g} * {lo:.4g} = {total:.4g}"
            result.terms.append(Term(port, src, up, lo, total, text))
        else:
            text = f"dL/d{src} : {fmt(to_numpy(grad).shape)}, norm {float(np.linalg.norm(to_numpy(grad))):.4g} (from dL/d{nid} : {describe(event.grad_out)})"
            result.terms.append(Term(port, src, None, None, None, text))
        result.lines.append(text)
    return result


def _forward_line(event: TraceEvent, graph: Graph) -> str:
    nid, op = event.node, graph.ops[event.node]
    if not op.inputs:
        return f"{nid} = {describe(event.output)}"
    formula = op.formula.split("=", 1)[-1].strip() if "=" in op.formula else op.formula
    values = {p: event.inputs[p] for p in op.inputs}
    ports = re.compile(r"\b(" + "|".join(map(re.escape, op.inputs)) + r")\b")
    named = ports.sub(lambda m: graph.sources[nid][m.group(1)], formula)
    if all(to_numpy(v).size == 1 for v in values.values()) and to_numpy(event.output).size == 1:
        with_values = ports.sub(lambda m: number(values[m.group(1)]), formula)
        return f"{nid} = {named} = {with_values} = {number(event.output)}"
    shapes = ", ".join(
        f"{graph.sources[nid][p]} {fmt(to_numpy(v).shape)}" for p, v in values.items()
    )
    return f"{nid} = {named}: {shapes} -> {describe(event.output)}"


def _branch_lines(nid: str, event: TraceEvent, contributions) -> list[str]:
    parts = contributions.get(nid, [])
    if len(parts) < 2:
        return []
    total = describe(event.grad_out)
    if all(to_numpy(g).size == 1 for _, g in parts):
        terms = " + ".join(f"{number(g)} (from {consumer})" for consumer, g in parts)
        return [f"gradients add at branches: dL/d{nid} = {terms} = {total}"]
    consumers = ", ".join(consumer for consumer, _ in parts)
    return [f"gradients add at branches: dL/d{nid} sums the gradients from {consumers}: {total}"]


def record_contributions(event: TraceEvent, graph: Graph, contributions) -> None:
    """After showing a backward event, remember what it sent to each of its inputs."""
    for port, grad in event.input_grads.items():
        contributions.setdefault(graph.sources[event.node][port], []).append((event.node, grad))
