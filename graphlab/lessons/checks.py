"""The checkers: one verdict per task kind, computed by the engine (Qt-free).

:func:`check_answer` takes a typed answer (*predict*, *choose*); :func:`check_graph` a graph
(*build* and *fix*: the function and every input's gradient on random draws; *train*: a
headless run within the epoch budget, :mod:`graphlab.lessons.training`). Each returns a
:class:`Verdict`; the step's hint and worked line are the caller's to show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from engine.errors import GraphLabError
from graphlab.document import GraphDocument
from graphlab.lessons.expr import Expression, ExpressionError
from graphlab.lessons.format import Task

#: centred-difference step for the reference expression's gradients (float64)
H = 1e-6


@dataclass
class Verdict:
    """``passed`` and one sentence saying why (never the answer itself when it failed)."""

    passed: bool
    message: str


def fmt(value) -> str:
    """A number or small array, short: 0.731, [0.2 -0.39]."""
    array = np.asarray(value, dtype=np.float64) + 0.0  # no "-0"
    if array.ndim == 0:
        return f"{float(array):.4g}"
    text = np.array2string(array, precision=3, suppress_small=True, separator=", ")
    return " ".join(text.replace("[ ", "[").split())


# -- predict and choose --------------------------------------------------------------------


def truth(task: Task, doc: GraphDocument) -> np.ndarray:
    """What a *predict* task expects, computed from the lesson's graph (float64)."""
    if isinstance(task.answer, str):
        return Expression(task.answer)(doc.input_feeds())
    if task.answer is not None:
        return np.asarray(task.answer, dtype=np.float64)
    graph = doc.compile(dtype="float64")
    if task.quantity == "shape":
        shapes = [tuple(d for d in graph.shapes[n] if d not in (-1, None)) for n in task.nodes]
        return np.concatenate([np.asarray(s, dtype=np.float64) for s in shapes])
    graph.forward(doc.input_feeds())
    if task.quantity == "grad":
        graph.backward(doc.loss_node(graph))
    table = graph.grads if task.quantity == "grad" else graph.values
    return np.concatenate([np.ravel(np.asarray(table[n], dtype=np.float64)) for n in task.nodes])


def parse_answer(text: str) -> np.ndarray:
    """A typed answer: a number, an expression of numbers, a list, or a shape like 16x8x8."""
    text = re.sub(r"(?<=\d)\s*[x×]\s*(?=\d)", ", ", str(text).strip())
    try:
        value = Expression(text)()
    except ExpressionError:
        raise ExpressionError(
            f"{text!r} is not a number (type e.g. -4, 0.73, [0.2, -0.39] or 16, 8, 8)"
        ) from None
    return value


def check_answer(task: Task, doc: GraphDocument, text: str) -> Verdict:
    """A *predict* or *choose* answer; ExpressionError (bad input) when it is not one."""
    if task.kind == "choose":
        return _check_choice(task, text)
    given = parse_answer(text).ravel()
    expected = truth(task, doc).ravel()
    shown = fmt(given[0] if given.size == 1 else given)
    if given.size != expected.size:
        return Verdict(False, f"expected {expected.size} number(s), got {given.size}")
    if task.quantity == "shape":
        ok = np.array_equal(given, expected)
    else:
        ok = bool(np.allclose(given, expected, rtol=task.rtol, atol=1e-12))
    if ok:
        return Verdict(True, f"Right: {question(task)} is {shown}.")
    return Verdict(False, f"{shown} is not {question(task)}.")


def question(task: Task) -> str:
    """What a *predict* task asks, in words: "the value of q", "the gradient on w0, w1"."""
    if task.answer is not None or not task.nodes:
        return "the number asked for"
    nodes = ", ".join(task.nodes)
    return {
        "value": f"the value of {nodes}",
        "grad": f"the gradient on {nodes}",
        "shape": f"the shape of {nodes} (one example)",
    }[task.quantity]


def _check_choice(task: Task, text: str) -> Verdict:
    text = str(text).strip()
    lowered = [c.strip().lower() for c in task.choices]
    if text.isdigit() and 1 <= int(text) <= len(task.choices):
        chosen = int(text)
    elif len(text) == 1 and "a" <= text.lower() <= chr(ord("a") + len(task.choices) - 1):
        chosen = ord(text.lower()) - ord("a") + 1
    elif text.lower() in lowered:
        chosen = lowered.index(text.lower()) + 1
    else:
        raise ExpressionError(
            f"{text!r} is not one of the choices (give its number 1-{len(task.choices)})"
        )
    if chosen == task.answer:
        return Verdict(True, f"Right: {task.choices[chosen - 1]}.")
    return Verdict(False, f"{task.choices[chosen - 1]!r} is not the answer.")


# -- build and fix -------------------------------------------------------------------------


def input_nodes(task: Task, doc: GraphDocument) -> dict[str, str] | Verdict:
    """Expression name -> the input node that feeds it (matched by id, then by label)."""
    found: dict[str, str] = {}
    inputs = [n for n in doc.nodes.values() if n.op == "input"]
    for node in inputs:
        for name in (node.id, node.label):
            if name in task.inputs and name not in found:
                found[name] = node.id
    missing = sorted(set(task.inputs) - set(found))
    if missing:
        return Verdict(
            False, f"your graph has no input named {missing[0]} (an input node's id or label)"
        )
    extra = sorted(n.id for n in inputs if n.id not in found.values())
    if extra:
        return Verdict(False, f"input {extra[0]} is not one of {', '.join(task.inputs)}")
    return found


def reference_gradient(expression: Expression, values: dict, name: str) -> np.ndarray:
    """d sum(expression) / d values[name] by centred differences (float64)."""
    point = {k: np.array(v, dtype=np.float64) for k, v in values.items()}
    base = point[name]
    grad = np.zeros_like(base)
    for index in np.ndindex(base.shape):
        saved = base[index]
        base[index] = saved + H
        up = float(np.sum(expression(point)))
        base[index] = saved - H
        down = float(np.sum(expression(point)))
        base[index] = saved
        grad[index] = (up - down) / (2 * H)
    return grad


def check_function(task: Task, doc: GraphDocument) -> Verdict:
    """Does ``doc``'s output compute ``task.expression`` with the same gradients, on
    ``task.draws`` random input draws? The message names the first draw that differs."""
    nodes = input_nodes(task, doc)
    if isinstance(nodes, Verdict):
        return nodes
    try:
        graph = doc.compile(dtype="float64")
        output = doc.loss_node(graph)
    except GraphLabError as exc:
        return Verdict(False, f"the graph does not run yet: {exc}")
    rng = np.random.default_rng(0)
    expression, letter = task.expression, output
    for draw in range(1, task.draws + 1):
        values = {n: rng.uniform(task.low, task.high, size=s) for n, s in task.inputs.items()}
        where = (
            f"draw {draw} of {task.draws} ({', '.join(f'{n}={fmt(v)}' for n, v in values.items())})"
        )
        try:
            graph.forward({nodes[n]: v for n, v in values.items()})
            got = np.asarray(graph.values[output])
            graph.backward(output, grad=np.ones_like(got))
        except GraphLabError as exc:
            return Verdict(False, f"{where}: the graph does not run: {exc}")
        expected = expression(values)
        if got.size != expected.size or not np.allclose(
            got.ravel(), expected.ravel(), rtol=task.rtol, atol=1e-9
        ):
            return Verdict(False, f"{where}: your graph gives {letter} = {fmt(got)}, "
                                  f"but {expression.text} = {fmt(expected)}")  # fmt: skip
        for name, nid in nodes.items():
            mine = np.asarray(graph.grads.get(nid, np.zeros(task.inputs[name])))
            wanted = reference_gradient(expression, values, name)
            if not np.allclose(mine, wanted, rtol=max(task.rtol, 1e-5), atol=1e-6):
                return Verdict(False, f"{where}: the value is right, but d{letter}/d{name} = "
                                      f"{fmt(mine)} in your graph, {fmt(wanted)} by the formula")  # fmt: skip
    return Verdict(True, f"Right: your graph computes {expression.text} and its gradients "
                         f"on all {task.draws} draws.")  # fmt: skip


def check_graph(task: Task, doc: GraphDocument) -> Verdict:
    """A *build*, *fix* or *train* task checked on ``doc`` (the student's graph)."""
    if task.kind == "train":
        from graphlab.lessons.training import check_training

        return check_training(task, doc)
    return check_function(task, doc)
