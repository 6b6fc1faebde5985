"""A lesson's graphs: the starting graph (an example, a .json beside the lesson, an inline
table or empty) as a :class:`GraphDocument`, and the check that every node a task names exists."""

from __future__ import annotations

from pathlib import Path

from engine.errors import GraphLabError
from graphlab.document import GraphDocument
from graphlab.examples import EXAMPLES_DIR
from graphlab.fileformat import FORMAT, VERSION, document_from_dict, load_document
from graphlab.lessons.format import Lesson, LessonError, Where


def document_for(lesson: Lesson, source: str | dict | None) -> GraphDocument:
    """The document a graph field names; LessonError when it cannot be loaded."""
    if source is None or source == "":
        return GraphDocument(lesson.name, lesson.title)
    if isinstance(source, dict):
        data = {"format": FORMAT, "version": VERSION, "name": lesson.name, **source}
        return document_from_dict(data, lesson.path.name)
    beside = lesson.path.parent / source
    if source.endswith(".json") and beside.is_file():
        return load_document(beside)
    example = EXAMPLES_DIR / f"{source}.json"
    if example.is_file():
        return load_document(example)
    raise LessonError(f"{source!r}: no bundled example or .json file beside the lesson")


def step_document(lesson: Lesson, number: int) -> GraphDocument:
    """The graph the lesson shows at step ``number`` (1-based)."""
    return document_for(lesson, lesson.graph_at(number))


def check_graphs(lesson: Lesson) -> None:
    """Every graph loads and every node a task names is in the graph of its step."""
    where = Where(lesson.path, lesson.path.read_text(encoding="utf-8"))
    loaded: dict[int, GraphDocument] = {}
    for step in lesson.steps:
        source = lesson.graph_at(step.number)
        key = id(source)
        if key not in loaded:
            place = f"steps[{step.number}].graph" if step.graph is not None else "graph"
            try:
                loaded[key] = document_for(lesson, source)
            except GraphLabError as exc:
                raise where.fail(place, str(exc).removeprefix(f"{lesson.path.name}: ")) from None
        doc = loaded[key]
        task = step.task
        for nid in task.nodes if task else []:
            if nid not in doc.nodes:
                raise where.fail(f"steps[{step.number}].task.node", f"no node {nid!r} in the graph")


def lesson_dir() -> Path:
    """The bundled lessons' folder (assets/lessons)."""
    return EXAMPLES_DIR.parent / "lessons"
