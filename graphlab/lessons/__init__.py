"""Lessons: guided exercises along the CS231n notes whose tasks the engine checks (Qt-free).

The file format (:mod:`.format`, docs/lessons.md), the restricted expression evaluator
(:mod:`.expr`), the checkers (:mod:`.checks`, :mod:`.training`), the lesson graphs
(:mod:`.graphs`), the bundled catalogue (:mod:`.catalog`), progress (:mod:`.progress`) and
the text rendering (:mod:`.render`). The window (ui/lessons/) and ``graphlab lesson`` use them.
"""

from graphlab.lessons.catalog import Catalog, load_catalog, read_lesson
from graphlab.lessons.checks import Verdict, check_answer, check_graph
from graphlab.lessons.expr import Expression, ExpressionError, evaluate
from graphlab.lessons.format import Lesson, LessonError, Step, Task, load_lesson
from graphlab.lessons.graphs import step_document
from graphlab.lessons.progress import Progress, default_path

__all__ = [
    "Catalog",
    "Expression",
    "ExpressionError",
    "Lesson",
    "LessonError",
    "Progress",
    "Step",
    "Task",
    "Verdict",
    "check_answer",
    "check_graph",
    "default_path",
    "evaluate",
    "load_catalog",
    "load_lesson",
    "read_lesson",
    "step_document",
]
