"""``graphlab lessons`` and ``graphlab lesson show|check``: the lessons without a window.

``lesson check`` exits 0 when the step's task passes, 1 when it fails (with the step's hint;
from the second failure on, its worked line too), 2 on bad input. Progress is kept in the
file the window uses (``--progress`` or ``$GRAPHLAB_LESSONS_PROGRESS`` to change it).
"""

from __future__ import annotations

import sys
import textwrap

from engine.errors import GraphLabError
from graphlab.cli_args import add_command
from graphlab.lessons.catalog import load_catalog
from graphlab.lessons.checks import question
from graphlab.lessons.format import Lesson, Step
from graphlab.lessons.progress import Progress, default_path
from graphlab.lessons.render import to_text

#: what each task kind asks for, in `lesson show`
ASKS = {
    "predict": "answer with --answer VALUE",
    "choose": "answer with --answer NUMBER",
    "build": "build the graph, then check its file",
    "fix": "fix the graph, then check its file",
    "train": "train settings in the graph's file; the check trains it",
}


def _catalog(args):
    catalog = load_catalog(args.lessons)
    for line in catalog.errors:
        print(f"graphlab: error: {line}", file=sys.stderr)
    return catalog


def _progress(args) -> Progress:
    return Progress(args.progress or default_path())


def cmd_lessons(args) -> int:
    catalog, progress = _catalog(args), _progress(args)
    for lesson in catalog.lessons:
        tasks = lesson.task_steps
        passed = len(progress.passed(lesson.name) & set(tasks))
        state = "done" if progress.is_done(lesson) else f"{passed}/{len(tasks)} tasks"
        print(f"{lesson.number:>3}  {lesson.name:28s} {state:12s} {lesson.title}")
    return 2 if catalog.errors else 0


def describe_step(lesson: Lesson, step: Step) -> str:
    """One step as text: the Markdown rendered, then what the task asks."""
    lines = [f"Step {step.number} of {len(lesson.steps)}", "", to_text(step.text)]
    task = step.task
    if task is not None:
        asked = f"{question(task)}; " if task.kind == "predict" else ""
        lines += ["", f"Task ({task.kind}): {asked}{ASKS[task.kind]}."]
        lines += [f"  {i}. {choice}" for i, choice in enumerate(task.choices, 1)]
    return "\n".join(lines)


def cmd_show(args) -> int:
    lesson = _catalog(args).find(args.name)
    steps = [_step(lesson, args.step)] if args.step else lesson.steps
    print(f"{lesson.title}\n(notes: {lesson.section})")
    for step in steps:
        print()
        print(describe_step(lesson, step))
    return 0


def _step(lesson: Lesson, number: int) -> Step:
    if not 1 <= number <= len(lesson.steps):
        raise GraphLabError(f"{lesson.name} has steps 1-{len(lesson.steps)}, not {number}")
    return lesson.steps[number - 1]


def cmd_check(args) -> int:
    from graphlab.examples import open_graph
    from graphlab.lessons.checks import check_answer, check_graph
    from graphlab.lessons.graphs import step_document

    lesson = _catalog(args).find(args.name)
    step = _step(lesson, args.step)
    task = step.task
    if task is None:
        raise GraphLabError(f"{lesson.name} step {step.number} has no task to check")
    answered = task.kind in ("predict", "choose")
    if answered and (args.answer is None or args.graph is not None):
        raise GraphLabError(f"step {step.number} asks for an answer: give --answer VALUE")
    if not answered and (args.graph is None or args.answer is not None):
        raise GraphLabError(f"step {step.number} checks a graph: give its GRAPH file")
    if answered:
        verdict = check_answer(task, step_document(lesson, step.number), args.answer)
    else:
        verdict = check_graph(task, open_graph(args.graph))
    progress = _progress(args)
    if verdict.passed:
        progress.mark_passed(lesson.name, step.number)
        print(f"pass: {verdict.message}")
        return 0
    failures = progress.record_failure(lesson.name, step.number)
    print(f"fail: {verdict.message}")
    print(textwrap.fill(f"hint: {step.hint}", 100, subsequent_indent="  "))
    if failures >= 2 and step.worked:
        print(f"worked: {step.worked}")
    return 1


def _common(p) -> None:
    p.add_argument("--lessons", metavar="DIR", help="a folder of lesson files (default: bundled)")
    p.add_argument("--progress", metavar="FILE", help="the progress file (default: the window's)")


def add_lessons(sub) -> None:
    p = add_command(
        sub,
        "lessons",
        cmd_lessons,
        "list the lessons with your progress",
        "The guided lessons along the CS231n notes, in order, with progress. "
        "Exit status 2 when a lesson file is malformed (one line each on stderr).",
    )
    _common(p)


def add_lesson(sub) -> None:
    p = add_command(
        sub,
        "lesson",
        None,
        "show a lesson or check a step's answer",
        "show NAME [STEP]: a lesson's text and tasks. check NAME STEP GRAPH|--answer "
        "VALUE: exit 0 pass, 1 fail (with the hint), 2 bad input.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = add_command(actions, "show", cmd_show, "a lesson's text and tasks")
    show.add_argument("name", metavar="NAME", help="the lesson's number or name")
    show.add_argument("step", metavar="STEP", type=int, nargs="?", help="only this step")
    _common(show)
    check = add_command(actions, "check", cmd_check, "check a step: a graph file or --answer VALUE")
    check.add_argument("name", metavar="NAME", help="the lesson's number or name")
    check.add_argument("step", metavar="STEP", type=int, help="the step's number (1-based)")
    check.add_argument("graph", metavar="GRAPH", nargs="?", help="your graph (build/fix/train)")
    check.add_argument("--answer", metavar="VALUE", help="your answer (predict/choose)")
    _common(check)


REGISTER = [add_lessons, add_lesson]
