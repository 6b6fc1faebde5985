"""Lesson files: one-line errors naming file, line and field; the catalogue keeps working;
progress; `graphlab lessons`/`lesson show`/`lesson check` on good and bad input."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from graphlab.cli import main
from graphlab.lessons import LessonError, Progress, load_catalog, read_lesson
from graphlab.lessons.graphs import lesson_dir
from graphlab.lessons.render import to_html, to_text

GOOD = """title = "A lesson"
section = "Somewhere in the notes"
graph = "circuit-add-mul"

[[steps]]
text = "Intro."

[[steps]]
text = "Build it."
hint = "Add then multiply."
[steps.task]
kind = "build"
expression = "(x + y) * z"
"""


def _write(folder, name, text):
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('title = "A lesson"\n', "", "bad.toml:1: title: missing"),
        ('kind = "build"', 'kind = "guess"', "bad.toml:12: steps[2].task.kind: unknown task kind 'guess'"),
        ('expression = "(x + y) * z"', 'expression = "os.system(1)"',
         "bad.toml:13: steps[2].task.expression: 'os.system(1)': os.system is not an allowed function"),
        ('hint = "Add then multiply."\n', "", "bad.toml:8: steps[2].hint: missing"),
        ('graph = "circuit-add-mul"', 'graph = "no-such-graph"', "bad.toml:3: graph: 'no-such-graph'"),
        ("[[steps]]\ntext = \"Intro.\"", "[[steps]]\ntext = \"Intro", "bad.toml:6: syntax: not valid TOML"),
    ],
)  # fmt: skip
def test_a_bad_lesson_file_is_one_line_naming_file_line_and_field(tmp_path, old, new, expected):
    assert old in GOOD
    path = _write(tmp_path, "bad.toml", GOOD.replace(old, new))
    with pytest.raises(LessonError) as caught:
        read_lesson(path)
    message = str(caught.value)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_the_catalogue_and_the_cli_keep_the_good_lessons_beside_a_bad_one(tmp_path, capsys):
    _write(tmp_path, "01-good.toml", GOOD)
    _write(tmp_path, "02-bad.toml", GOOD.replace('kind = "build"', 'kind = "guess"'))
    catalog = load_catalog(tmp_path)
    assert [lesson.name for lesson in catalog.lessons] == ["01-good"]
    assert catalog.errors == [
        "02-bad.toml:12: steps[2].task.kind: unknown task kind 'guess' "
        "(expected predict, build, fix, train, choose)"
    ]
    progress = tmp_path / "p.json"
    assert main(["lessons", "--lessons", str(tmp_path), "--progress", str(progress)]) == 2
    out, err = capsys.readouterr()
    assert "01-good" in out and "0/1 tasks" in out
    assert err.strip() == f"graphlab: error: {catalog.errors[0]}"


def test_lesson_check_statuses_and_progress(tmp_path, capsys):
    progress = tmp_path / "p.json"
    common = ["--lessons", str(lesson_dir()), "--progress", str(progress)]
    assert main(["lesson", "check", "1", "2", "--answer", "3", *common]) == 0
    assert main(["lesson", "check", "1", "3", "--answer", "12", *common]) == 1
    first = capsys.readouterr().out
    assert "hint: The multiply gate" in first and "worked:" not in first
    assert main(["lesson", "check", "1", "3", "--answer", "12", *common]) == 1
    assert "worked: f = q z = 3 * (-4) = -12" in capsys.readouterr().out  # the second time
    for bad in (["1", "9", "--answer", "1"], ["1", "1", "--answer", "1"], ["1", "2", "circuit-add-mul"],
                ["1", "2", "--answer", "three"], ["nope", "2", "--answer", "3"]):  # fmt: skip
        assert main(["lesson", "check", *bad, *common]) == 2, bad
    stored = json.loads(progress.read_text())["lessons"]["01-circuit"]
    assert stored["passed"] == [2] and stored["failures"] == {"3": 2}
    reopened = Progress(progress)
    assert reopened.passed("01-circuit") == {2}


def test_lesson_show_prints_text_and_task_without_the_answer(capsys):
    assert main(["lesson", "show", "circuit", "4"]) == 0
    out = capsys.readouterr().out
    assert "Step 4 of 7" in out and "∂f / ∂z = q" in out
    assert "Task (predict): the gradient on z; answer with --answer VALUE." in out
    assert "q = 3" not in out  # the worked line stays hidden


def test_progress_survives_a_damaged_file_and_saves_atomically(tmp_path):
    path = tmp_path / "deep" / "p.json"
    progress = Progress(path)
    progress.mark_passed("01-circuit", 2)
    progress.set_step("01-circuit", 3)
    assert Progress(path).step("01-circuit") == 3
    path.write_text("{not json")
    assert Progress(path).lessons == {}
    lesson = read_lesson(lesson_dir() / "01-circuit.toml")
    for number in lesson.task_steps:
        progress.mark_passed(lesson.name, number)
    assert Progress(path).is_done(lesson)


def test_math_renders_readably():
    text = r"Gradient $\frac{\partial f}{\partial x} = (1 - \sigma)\sigma$ and $W^T x_0$."
    assert "∂f/∂x = (1 - σ)σ" in to_text(text) and "Wᵀ x₀" in to_text(text)
    html = to_html(text)
    assert "<sup><i>T</i></sup>" in html and "<sub>0</sub>" in html and "$" not in html


def test_a_copied_bundled_lesson_loads_from_another_folder(tmp_path):
    shutil.copy(lesson_dir() / "03-backward-patterns.toml", tmp_path)
    shutil.copytree(lesson_dir() / "graphs", tmp_path / "graphs")
    assert load_catalog(tmp_path).errors == []


def test_docs_lessons_names_every_field_kind_and_function():
    from graphlab.lessons import format as lesson_format
    from graphlab.lessons.expr import FUNCTIONS

    text = (lesson_dir().parents[1] / "docs" / "lessons.md").read_text()
    spans = set(re.findall(r"`([\w.]+)`", text))
    words = {
        *lesson_format.TOP_FIELDS,
        *lesson_format.STEP_FIELDS,
        *lesson_format.KINDS,
        *lesson_format.QUANTITIES,
        *lesson_format.METRICS,
        *set().union(*lesson_format.TASK_FIELDS.values()),
        *FUNCTIONS,
    }
    assert sorted(words - spans) == []
