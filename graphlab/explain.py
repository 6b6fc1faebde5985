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
    event: TraceEvent,
    graph: Graph,
    contributions: dict[str, list[tuple[str, object]]],
    names: dict[str, str] | None = None,
) -> Explanation:
    """The explanation of ``event``. contributions maps a node id to the (consumer, gradient)
    pairs sent to it by backward events already shown (for "gradients add at branches");
    ``names`` maps node ids to the names the text shows (the student's labels)."""
    name = _namer(names)
    nid, op = event.node, graph.ops[event.node]
    sources = graph.sources[nid]
    args = ", ".join(name(sources[p]) for p in op.inputs)
    title = f"{name(nid)} = {event.op}({args})" if op.inputs else f"{name(nid)} ({event.op})"
    result = Explanation(nid, event.phase, title, op.rule)
    if event.phase == "forward":
        result.lines.append(_forward_line(event, graph, name))
        result.lines.extend(op.code_lines("forward") if op.user else [])
        return result
    result.lines.extend(_branch_lines(nid, event, contributions, name))
    scalar = to_numpy(event.output).size == 1
    local = graph.local_gradients(nid) if scalar else {}
    out = name(nid)
    for port, grad in event.input_grads.items():
        src = sources[port]
        if scalar and to_numpy(grad).size == 1:
            up, lo, total = (
                float(to_numpy(v).reshape(-1)[0]) for v in (event.grad_out, local[port], grad)
            )
            s = name(src)
            text = f"dL/d{s} = dL/d{out} * d{out}/d{s} = {up:.4g} * {lo:.4g} = {total:.4g}"
            result.terms.append(Term(port, src, up, lo, total, text))
        else:
            array = to_numpy(grad)
            named = {p: name(sources[p]) for p in op.inputs}
            formula = tensor_formula(event.op, port, named)
            text = f"dL/d{name(src)} = {formula} : {fmt(array.shape)}, norm {float(np.linalg.norm(array)):.4g} (dout = dL/d{out} : {describe(event.grad_out)})"
            result.terms.append(Term(port, src, None, None, None, text))
        result.lines.append(text)
    result.lines.extend(op.code_lines("backward") if op.user else [])
    return result


def _namer(names: dict[str, str] | None):
    """A function from node id to shown name (the id itself without ``names``)."""
    return (lambda nid: nid) if not names else (lambda nid: names.get(nid, nid))


#: the vector-Jacobian product of each input port of every op (ports without a gradient, such
#: as integer labels, left out; a leaf has no input), with ``{port}`` standing for the node
#: feeding that port and ``dout`` for the upstream gradient (CS231n's notation); a loss or
#: penalty's own ``dout`` is 1 unless it is scaled further on
TENSOR_FORMULAS = {
    "input": {},
    "parameter": {},
    "constant": {},
    "add": {"a": "dout", "b": "dout"},
    "subtract": {"a": "dout", "b": "-dout"},
    "multiply": {"a": "dout * {b}", "b": "dout * {a}"},
    "divide": {"a": "dout / {b}", "b": "-dout * {a} / {b}^2"},
    "max": {"a": "dout where {a} >= {b}", "b": "dout where {b} > {a}"},
    "min": {"a": "dout where {a} <= {b}", "b": "dout where {b} < {a}"},
    "negate": {"x": "-dout"},
    "reciprocal": {"x": "-dout / {x}^2"},
    "exp": {"x": "dout * e^{x} (the output itself)"},
    "log": {"x": "dout / {x}"},
    "power": {"x": "dout * p {x}^(p - 1)"},
    "abs": {"x": "dout * sign({x})"},
    "pow": {"a": "dout * {b} {a}^({b} - 1)", "b": "dout * {a}^{b} ln {a}"},
    "sqrt": {"x": "dout / (2 sqrt({x})) (twice the output, under dout)"},
    "clip": {"x": "dout where low <= {x} <= high, 0 where it was clipped"},
    "matmul": {"a": "dout {b}^T", "b": "{a}^T dout"},
    "affine": {"x": "dout {w}^T", "w": "{x}^T dout", "b": "sum of dout over the batch"},
    "conv2d": {
        "x": "dout convolved with {w} (full)",
        "w": "dout correlated with {x}",
        "b": "sum of dout over N, H, W",
    },
    "relu": {"x": "dout where {x} > 0"},
    "leaky_relu": {"x": "dout where {x} > 0, slope * dout elsewhere"},
    "elu": {"x": "dout where {x} > 0, dout * (out + alpha) elsewhere"},
    "prelu": {
        "x": "dout where {x} > 0, dout * {slope} elsewhere",
        "slope": "dout * {x} where {x} <= 0, summed over the broadcast axes",
    },
    "maxout": {"x": "dout routed to the largest channel of each group of k"},
    "sigmoid": {"x": "dout * s (1 - s)"},
    "tanh": {"x": "dout * (1 - t^2)"},
    "softmax": {"x": "p * (dout - sum(dout * p)) along the axis, p = softmax({x})"},
    "log_softmax": {"x": "dout - softmax({x}) * sum(dout) along the axis"},
    "maxpool": {"x": "dout routed to each window's first maximum"},
    "avgpool": {
        "x": "dout / K^2 (K^d over d axes) spread over each window (/ its cell count near padding)"
    },
    "concat": {
        "a": "dout split along the axis: a's part",
        "b": "dout split along the axis: b's part",
    },
    "pad": {"x": "dout cropped back to {x} (reflected, edge or wrapped copies add their dout)"},
    "squeeze": {"x": "dout reshaped to {x}'s shape"},
    "unsqueeze": {"x": "dout reshaped to {x}'s shape"},
    "reduce_max": {"x": "dout routed to the maximum (shared among ties)"},
    "reduce_min": {"x": "dout routed to the minimum (shared among ties)"},
    "batchnorm": {
        "x": "{gamma} / (M sigma) * (M dout - sum dout - x_hat * sum(dout * x_hat)), sums per channel",
        "gamma": "sum of dout * x_hat per channel",
        "beta": "sum of dout per channel",
    },
    "dropout": {"x": "dout * mask (the forward pass's mask, kept entries scaled by 1/p)"},
    "sum": {"x": "dout copied to every summed element"},
    "mean": {"x": "dout / count copied to every averaged element"},
    "flatten": {"x": "dout reshaped to {x}'s shape"},
    "reshape": {"x": "dout reshaped to {x}'s shape"},
    "transpose": {"x": "dout transposed back by the inverse permutation"},
    "softmax_cross_entropy": {"scores": "(softmax({scores}) - onehot(y)) / N"},
    "nll_loss": {"logp": "-w[y] * dout at each label's class (/ sum w for the mean), 0 elsewhere"},
    "svm_loss": {
        "scores": "+1/N at each class whose margin is violated, -(their count)/N at the correct class"
    },
    "mse": {
        "prediction": "2 ({prediction} - {target}) / size",
        "target": "-2 ({prediction} - {target}) / size",
    },
    "l2_penalty": {"w": "2 lambda {w}"},
    "l1_penalty": {"w": "lambda sign({w})"},
    "elastic_penalty": {"w": "lambda (2 beta {w} + sign({w}))"},
}


def tensor_formula(op: str, port: str, sources: dict[str, str]) -> str:
    """The gradient of input ``port`` of an ``op`` node as a formula in its sources' names
    (broadcast axes are summed); an op missing from the table (one registered outside the
    engine, such as a test's toy op) gets "dout * d(op)/d(port)"."""
    template = TENSOR_FORMULAS.get(op, {}).get(port, f"dout * d{op}/d{{{port}}}")
    return re.sub(r"\{(\w+)\}", lambda m: sources.get(m.group(1), m.group(1)), template)


def _forward_line(event: TraceEvent, graph: Graph, name) -> str:
    nid, op = event.node, graph.ops[event.node]
    if not op.inputs:
        return f"{name(nid)} = {describe(event.output)}"
    formula = op.formula.split("=", 1)[-1].strip() if "=" in op.formula else op.formula
    values = {p: event.inputs[p] for p in op.inputs}
    ports = re.compile(r"\b(" + "|".join(map(re.escape, op.inputs)) + r")\b")
    named = ports.sub(lambda m: name(graph.sources[nid][m.group(1)]), formula)
    if all(to_numpy(v).size == 1 for v in values.values()) and to_numpy(event.output).size == 1:
        with_values = ports.sub(lambda m: number(values[m.group(1)]), formula)
        return f"{name(nid)} = {named} = {with_values} = {number(event.output)}"
    shapes = ", ".join(
        f"{name(graph.sources[nid][p])} {fmt(to_numpy(v).shape)}" for p, v in values.items()
    )
    return f"{name(nid)} = {named}: {shapes} -> {describe(event.output)}"


def _branch_lines(nid: str, event: TraceEvent, contributions, name) -> list[str]:
    parts = contributions.get(nid, [])
    if len(parts) < 2:
        return []
    total = describe(event.grad_out)
    if all(to_numpy(g).size == 1 for _, g in parts):
        terms = " + ".join(f"{number(g)} (from {name(consumer)})" for consumer, g in parts)
        return [f"gradients add at branches: dL/d{name(nid)} = {terms} = {total}"]
    consumers = ", ".join(name(consumer) for consumer, _ in parts)
    return [
        f"gradients add at branches: dL/d{name(nid)} sums the gradients from {consumers}: {total}"
    ]


def record_contributions(event: TraceEvent, graph: Graph, contributions) -> None:
    """After showing a backward event, remember what it sent to each of its inputs."""
    for port, grad in event.input_grads.items():
        contributions.setdefault(graph.sources[event.node][port], []).append((event.node, grad))


def gradient_summary(events: list[TraceEvent], names: dict[str, str] | None = None) -> str:
    """One line with every node's gradient after a whole backward pass, in its order:
    ``gradients: dL/df = 1, dL/dq = -4, ...``."""
    name = _namer(names)
    parts = [
        f"dL/d{name(e.node)} = {describe(e.grad_out)}" for e in events if e.phase == "backward"
    ]
    return "gradients: " + ", ".join(parts)
