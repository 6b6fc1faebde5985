"""The bundled lessons: found in assets/lessons/, ordered by their number, each loaded and
checked; a bad file becomes one error line and the others stay usable."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.errors import GraphLabError
from graphlab.lessons.format import Lesson, LessonError, lesson_name, load_lesson
from graphlab.lessons.graphs import check_graphs, lesson_dir


@dataclass
class Catalog:
    """``lessons`` in order; ``errors``: one line per file that could not be used."""

    lessons: list[Lesson]
    errors: list[str]

    def find(self, name: str) -> Lesson:
        """A lesson by its number (``3``), file stem (``03-patterns``) or stem without the
        number (``patterns``); LessonError naming the choices otherwise."""
        for lesson in self.lessons:
            bare = lesson.name.split("-", 1)[-1]
            if name in (lesson.name, bare) or (name.isdigit() and int(name) == lesson.number):
                return lesson
        names = ", ".join(lesson.name for lesson in self.lessons)
        raise LessonError(f"no lesson {name!r} (lessons: {names})")


def read_lesson(path: Path) -> Lesson:
    """Load one lesson file and check its graphs; LessonError (file:line: field: what)."""
    lesson = load_lesson(path)
    check_graphs(lesson)
    return lesson


def load_catalog(folder: str | Path | None = None) -> Catalog:
    """Every ``*.toml`` in ``folder`` (default: the bundled lessons), by number then name."""
    folder = Path(folder) if folder is not None else lesson_dir()
    lessons, errors = [], []
    for path in sorted(folder.glob("*.toml"), key=lesson_name):
        try:
            lessons.append(read_lesson(path))
        except GraphLabError as exc:
            errors.append(str(exc) if isinstance(exc, LessonError) else f"{path.name}: {exc}")
    return Catalog(lessons, errors)
