"""The lesson file format (TOML, one file per lesson in assets/lessons/; docs/lessons.md).

:func:`load_lesson` reads one file with :mod:`tomllib` and validates every field; a fault is
one :class:`LessonError` line naming the file, the line and the field, e.g.
``01-circuit.toml:14: steps[2].task.kind: unknown task kind 'guess' (...)``.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import GraphLabError
from graphlab.lessons.expr import Expression

KINDS = ("predict", "build", "fix", "train", "choose")
QUANTITIES = ("value", "grad", "shape")
METRICS = ("train_accuracy", "val_accuracy", "loss")
TOP_FIELDS = {"title", "section", "graph", "steps"}
STEP_FIELDS = {"text", "hint", "worked", "graph", "task"}
TASK_FIELDS = {
    "predict": {"kind", "node", "quantity", "answer", "rtol"},
    "build": {"kind", "expression", "inputs", "low", "high", "draws", "rtol", "node"},
    "train": {"kind", "metric", "at_least", "at_most", "max_epochs", "node"},
    "choose": {"kind", "choices", "answer", "node"},
}
TASK_FIELDS["fix"] = TASK_FIELDS["build"]
MAX_LESSON_BYTES = 256 * 1024


class LessonError(GraphLabError):
    """A lesson file that cannot be used: one line naming the file, line and field."""


@dataclass
class Task:
    """What a step asks. ``nodes`` are highlighted on the canvas (and, for *predict* without
    ``answer``, are what is asked). ``answer``: *predict* a number, list or expression over
    the graph's inputs; *choose* the 1-based index into ``choices``."""

    kind: str
    nodes: list[str] = field(default_factory=list)
    quantity: str = "value"
    answer: Any = None
    rtol: float = 1e-2
    choices: list[str] = field(default_factory=list)
    expression: Expression | None = None
    inputs: dict[str, tuple[int, ...]] = field(default_factory=dict)
    low: float = -2.0
    high: float = 2.0
    draws: int = 20
    metric: str = "train_accuracy"
    at_least: float | None = None
    at_most: float | None = None
    max_epochs: int = 10


@dataclass
class Step:
    """Markdown ``text`` (``$...$`` math) and at most one task, with its hint and worked line.
    ``graph`` (an example name, a .json path beside the lesson, or an inline table) replaces
    the lesson's graph from this step on."""

    number: int
    text: str
    task: Task | None = None
    hint: str = ""
    worked: str = ""
    graph: str | dict | None = None


@dataclass
class Lesson:
    """A lesson: ``name`` is the file's stem, ``number`` its position in the notes' order."""

    name: str
    number: int
    title: str
    section: str
    graph: str | dict | None
    steps: list[Step]
    path: Path

    @property
    def task_steps(self) -> list[int]:
        """The (1-based) numbers of the steps that have a task."""
        return [s.number for s in self.steps if s.task is not None]

    def graph_at(self, number: int) -> str | dict | None:
        """The graph in force at step ``number``: the last step graph up to it, else the lesson's."""
        graph = self.graph
        for step in self.steps[:number]:
            if step.graph is not None:
                graph = step.graph
        return graph


class Where:
    """Finds the line of a field in the lesson's text (tomllib gives values, not lines)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.lines = path, text.splitlines()

    def line(self, place: str) -> int:
        match = re.match(r"steps\[(\d+)\](?:\.task)?", place)
        field_name = place.rsplit(".", 1)[-1].split("[")[0]
        start, end = 0, len(self.lines)
        if match:
            headers = [i for i, t in enumerate(self.lines) if re.match(r"\s*\[\[steps\]\]", t)]
            index = int(match.group(1)) - 1
            if index < len(headers):
                start = headers[index]
                end = headers[index + 1] if index + 1 < len(headers) else end
        elif place in TOP_FIELDS:
            end = next(
                (i for i, t in enumerate(self.lines) if re.match(r"\s*\[", t)), len(self.lines)
            )
        if ".task" in place:
            task = next(
                (i for i in range(start, end) if re.match(r"\s*\[steps\.task\]", self.lines[i])),
                None,
            )
            start = task if task is not None else start
        for i in range(start, end):
            if re.match(rf"\s*{re.escape(field_name)}\s*=", self.lines[i]):
                return i + 1
        return start + 1

    def fail(self, place: str, message: str) -> LessonError:
        return LessonError(f"{self.path.name}:{self.line(place)}: {place}: {message}")


def lesson_name(path: Path) -> tuple[int, str]:
    """``07-softmax-vs-svm.toml`` -> (7, "07-softmax-vs-svm"); no number prefix -> (999, stem)."""
    match = re.match(r"(\d+)", path.stem)
    return (int(match.group(1)) if match else 999), path.stem


def load_lesson(path: str | Path) -> Lesson:
    """Read and validate one lesson file; LessonError (file:line: field: what) when it is bad."""
    path = Path(path)
    try:
        raw = path.read_bytes()[: MAX_LESSON_BYTES + 1]
    except OSError as exc:
        raise LessonError(f"{path.name}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_LESSON_BYTES:
        raise LessonError(f"{path.name}:1: file: larger than {MAX_LESSON_BYTES // 1024} KB")
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise LessonError(f"{path.name}:1: file: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise LessonError(
            f"{path.name}:{line.group(1) if line else 1}: syntax: not valid TOML ({exc})"
        ) from None
    where = Where(path, text)
    _known(data, TOP_FIELDS, "", where)
    number, name = lesson_name(path)
    title = _text(data, "title", where, required=True)
    section = _text(data, "section", where, required=True)
    graph = _graph(data.get("graph"), "graph", where)
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise where.fail("steps", "expected at least one [[steps]] table")
    lesson = Lesson(name, number, title, section, graph, [], path)
    for i, item in enumerate(steps, 1):
        lesson.steps.append(_step(item, i, where))
    return lesson


def _known(data: dict, allowed: set, prefix: str, where: Where) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise where.fail(
            f"{prefix}{unknown[0]}", f"unknown field (allowed: {', '.join(sorted(allowed))})"
        )


def _text(data: dict, key: str, where: Where, place: str = "", required=False) -> str:
    value = data.get(key)
    place = place or key
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise where.fail(place, "missing" if value is None else f"expected text, got {value!r}")
    return value


def _graph(value, place: str, where: Where) -> str | dict | None:
    if value is None or isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise where.fail(place, f"expected an example name, a .json file or a table, got {value!r}")
    return value


def _step(item, number: int, where: Where) -> Step:
    place = f"steps[{number}]"
    if not isinstance(item, dict):
        raise where.fail(place, "expected a table")
    _known(item, STEP_FIELDS, f"{place}.", where)
    step = Step(
        number,
        _text(item, "text", where, f"{place}.text", required=True),
        hint=_text(item, "hint", where, f"{place}.hint"),
        worked=_text(item, "worked", where, f"{place}.worked"),
        graph=_graph(item.get("graph"), f"{place}.graph", where),
    )
    if "task" in item:
        step.task = _task(item["task"], f"{place}.task", where)
        if not step.hint:
            raise where.fail(f"{place}.hint", "missing (a step with a task needs a hint)")
    return step


def _task(data, place: str, where: Where) -> Task:
    if not isinstance(data, dict):
        raise where.fail(place, "expected a table")
    kind = data.get("kind")
    if kind not in KINDS:
        raise where.fail(
            f"{place}.kind", f"unknown task kind {kind!r} (expected {', '.join(KINDS)})"
        )
    _known(data, TASK_FIELDS[kind], f"{place}.", where)
    task = Task(kind)
    nodes = data.get("node", [])
    task.nodes = [nodes] if isinstance(nodes, str) else nodes
    if not isinstance(task.nodes, list) or not all(isinstance(n, str) for n in task.nodes):
        raise where.fail(f"{place}.node", f"expected a node id or a list of them, got {nodes!r}")
    task.rtol = _number(data, "rtol", 1e-2 if kind == "predict" else 1e-4, place, where)
    if kind == "predict":
        _predict(task, data, place, where)
    elif kind == "choose":
        _choose(task, data, place, where)
    elif kind == "train":
        _train(task, data, place, where)
    else:
        _build(task, data, place, where)
    return task


def _number(data: dict, key: str, default, place: str, where: Where, positive=True):
    value = data.get(key, default)
    if value is None:
        return None
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (positive and value <= 0):
        kind = "a positive number" if positive else "a number"
        raise where.fail(f"{place}.{key}", f"expected {kind}, got {value!r}")
    return value


def _predict(task: Task, data: dict, place: str, where: Where) -> None:
    task.quantity = data.get("quantity", "value")
    if task.quantity not in QUANTITIES:
        raise where.fail(
            f"{place}.quantity", f"expected one of {', '.join(QUANTITIES)}, got {task.quantity!r}"
        )
    answer = data.get("answer")
    if answer is None and not task.nodes:
        raise where.fail(f"{place}.answer", "missing (give an answer or a node to ask about)")
    if isinstance(answer, str):
        try:
            Expression(answer)
        except GraphLabError as exc:
            raise where.fail(f"{place}.answer", str(exc)) from None
    elif answer is not None and not _numbers(answer):
        raise where.fail(
            f"{place}.answer", f"expected a number, a list or an expression, got {answer!r}"
        )
    task.answer = answer


def _numbers(value) -> bool:
    if isinstance(value, list):
        return bool(value) and all(_numbers(v) for v in value)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _choose(task: Task, data: dict, place: str, where: Where) -> None:
    choices = data.get("choices")
    if (
        not isinstance(choices, list)
        or len(choices) < 2
        or not all(isinstance(c, str) for c in choices)
    ):
        raise where.fail(f"{place}.choices", "expected a list of at least two texts")
    answer = data.get("answer")
    if not isinstance(answer, int) or isinstance(answer, bool) or not 1 <= answer <= len(choices):
        raise where.fail(
            f"{place}.answer", f"expected a choice number 1-{len(choices)}, got {answer!r}"
        )
    task.choices, task.answer = choices, answer


def _train(task: Task, data: dict, place: str, where: Where) -> None:
    task.metric = data.get("metric", "train_accuracy")
    if task.metric not in METRICS:
        raise where.fail(
            f"{place}.metric", f"expected one of {', '.join(METRICS)}, got {task.metric!r}"
        )
    task.at_least = _number(data, "at_least", None, place, where, positive=False)
    task.at_most = _number(data, "at_most", None, place, where, positive=False)
    if (task.at_least is None) == (task.at_most is None):
        raise where.fail(f"{place}.at_least", "give exactly one of at_least and at_most")
    epochs = data.get("max_epochs", 10)
    if not isinstance(epochs, int) or isinstance(epochs, bool) or not 1 <= epochs <= 100_000:
        raise where.fail(f"{place}.max_epochs", f"expected a whole number 1-100000, got {epochs!r}")
    task.max_epochs = epochs


def _build(task: Task, data: dict, place: str, where: Where) -> None:
    try:
        task.expression = Expression(data.get("expression", ""))
    except GraphLabError as exc:
        raise where.fail(f"{place}.expression", str(exc)) from None
    inputs = data.get("inputs", {})
    if not isinstance(inputs, dict):
        raise where.fail(f"{place}.inputs", "expected a table of input name = shape")
    for name, shape in inputs.items():
        if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 64 for d in shape
        ):
            raise where.fail(
                f"{place}.inputs", f"{name}: expected a shape such as [2, 3], got {shape!r}"
            )
    unknown = sorted(set(inputs) - task.expression.names)
    if unknown:
        raise where.fail(f"{place}.inputs", f"{unknown[0]} is not in the expression")
    task.inputs = {n: tuple(inputs.get(n, ())) for n in sorted(task.expression.names)}
    task.low = _number(data, "low", -2.0, place, where, positive=False)
    task.high = _number(data, "high", 2.0, place, where, positive=False)
    if task.high <= task.low:
        raise where.fail(f"{place}.high", "must be above low")
    draws = data.get("draws", 20)
    if not isinstance(draws, int) or isinstance(draws, bool) or not 1 <= draws <= 200:
        raise where.fail(f"{place}.draws", f"expected a whole number 1-200, got {draws!r}")
    task.draws = draws
