"""Every bundled lesson's tasks through `graphlab lesson check`: the reference solution in
tests/lessons/ passes (status 0), the wrong answer fails with the step's hint (status 1)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from graphlab.cli import main
from graphlab.lessons import load_catalog

SOLUTIONS_DIR = Path(__file__).resolve().parents[1] / "lessons"
SOLUTIONS = tomllib.loads((SOLUTIONS_DIR / "solutions.toml").read_text())
CATALOG = load_catalog()


def _argument(value: str) -> str:
    path = SOLUTIONS_DIR / "graphs" / value
    return str(path) if value.endswith(".json") else value  # else an example's name


def _check(lesson, number: int, entry: dict, right: bool, progress: Path) -> list[str]:
    key = "answer" if "answer" in entry else "graph"
    value = entry[key] if right else entry[f"wrong{'_graph' if key == 'graph' else ''}"]
    given = ["--answer", value] if key == "answer" else [_argument(value)]
    return ["lesson", "check", lesson.name, str(number), *given, "--progress", str(progress)]


def test_the_catalog_loads_twelve_lessons_in_order_with_a_solution_per_task():
    assert CATALOG.errors == []
    assert [lesson.number for lesson in CATALOG.lessons] == list(range(1, 13))
    for lesson in CATALOG.lessons:
        assert sorted(int(k) for k in SOLUTIONS[lesson.name]) == lesson.task_steps, lesson.name


@pytest.mark.parametrize("lesson", CATALOG.lessons, ids=lambda lesson: lesson.name)
def test_reference_solutions_pass_and_wrong_answers_fail_with_the_hint(lesson, tmp_path, capsys):
    progress = tmp_path / "progress.json"
    for number, entry in sorted(SOLUTIONS[lesson.name].items(), key=lambda kv: int(kv[0])):
        step = lesson.steps[int(number) - 1]
        assert main(_check(lesson, int(number), entry, False, progress)) == 1, (lesson.name, number)
        out = capsys.readouterr().out
        assert out.startswith("fail: ") and step.hint.split()[0] in out, out
        assert " ".join(step.hint.split()) in " ".join(out.replace("hint: ", "").split())
        assert main(_check(lesson, int(number), entry, True, progress)) == 0, (
            lesson.name, number, capsys.readouterr())  # fmt: skip
        assert capsys.readouterr().out.startswith("pass: ")
    assert main(["lessons", "--progress", str(progress)]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if lesson.name in line]
    assert "done" in listed[0].split()
