"""Progress per lesson in one JSON file whose path the caller gives (the window: the
platform's app-data folder via QStandardPaths; the command line: :func:`default_path`;
tests: a temporary folder). A damaged file reads as no progress; saves are atomic."""

from __future__ import annotations

import json
import os
from pathlib import Path

from graphlab.atomic import write_atomically

#: overrides where the command line keeps progress
PROGRESS_ENV = "GRAPHLAB_LESSONS_PROGRESS"
FILE_NAME = "lessons.json"


def default_path() -> Path:
    """``$GRAPHLAB_LESSONS_PROGRESS``, else the file in Qt's AppDataLocation as it is on Linux
    (``$XDG_DATA_HOME`` or ``~/.local/share``, then GraphLab/GraphLab), so that the command
    line and the window share it."""
    if os.environ.get(PROGRESS_ENV):
        return Path(os.environ[PROGRESS_ENV])
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "GraphLab" / "GraphLab" / FILE_NAME


class Progress:
    """Passed steps and the step last shown, per lesson name, kept in ``path``."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.lessons: dict[str, dict] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            lessons = data.get("lessons", {}) if isinstance(data, dict) else {}
        except (OSError, ValueError):
            lessons = {}
        for name, entry in lessons.items() if isinstance(lessons, dict) else []:
            if isinstance(entry, dict):
                passed = entry.get("passed", [])
                step = entry.get("step", 1)
                failures = entry.get("failures", {})
                self.lessons[name] = {
                    "passed": sorted({p for p in passed if isinstance(p, int)})
                    if isinstance(passed, list) else [],
                    "step": step if isinstance(step, int) and step >= 1 else 1,
                    "failures": {k: v for k, v in failures.items() if isinstance(v, int)}
                    if isinstance(failures, dict) else {},
                }  # fmt: skip

    def passed(self, name: str) -> set[int]:
        return set(self.lessons.get(name, {}).get("passed", []))

    def step(self, name: str) -> int:
        """The step shown last (1-based), 1 for a lesson not started."""
        return self.lessons.get(name, {}).get("step", 1)

    def is_done(self, lesson) -> bool:
        """Every task step of ``lesson`` passed."""
        return set(lesson.task_steps) <= self.passed(lesson.name)

    def _entry(self, name: str) -> dict:
        return self.lessons.setdefault(name, {"passed": [], "step": 1, "failures": {}})

    def mark_passed(self, name: str, number: int) -> None:
        entry = self._entry(name)
        entry["passed"] = sorted({*entry["passed"], number})
        entry["failures"].pop(str(number), None)
        self.save()

    def record_failure(self, name: str, number: int) -> int:
        """Count one more wrong answer at step ``number``; returns the count (2: show the
        worked line)."""
        failures = self._entry(name)["failures"]
        failures[str(number)] = failures.get(str(number), 0) + 1
        self.save()
        return failures[str(number)]

    def set_step(self, name: str, number: int) -> None:
        entry = self._entry(name)
        if entry["step"] != number:
            entry["step"] = number
            self.save()

    def reset(self, name: str) -> None:
        self.lessons.pop(name, None)
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": 1, "lessons": self.lessons}, indent=1)
        write_atomically(self.path, lambda f: f.write(text.encode("utf-8")))
