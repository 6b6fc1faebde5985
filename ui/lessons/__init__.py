"""Lessons in the window (issue 20): the Lesson dock, the gallery entry, the canvas
highlight, "show me" through the stepper, and progress in the app-data folder.

``install_lessons(window)`` adds it all to a MainWindow (as ``window.lessons``); the lesson
files, checkers and progress are :mod:`graphlab.lessons`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt

from engine.errors import GraphLabError
from graphlab.changes import STRUCTURE, ChangeKind
from graphlab.lessons import Progress, check_answer, check_graph, load_catalog, step_document
from graphlab.lessons.progress import FILE_NAME
from ui.jobs import JobWatcher
from ui.lessons.canvas import LessonHighlight
from ui.lessons.gallery import GalleryEntry
from ui.lessons.panel import LessonPanel
from ui.widgets import add_dock, scrolled

__all__ = ["Lessons", "install_lessons", "progress_path"]

#: document changes after which the highlight is drawn again (the scene follows them first)
FOLLOWED = STRUCTURE | {ChangeKind.NODE_MOVED}


def progress_path() -> Path:
    """The progress file in the platform's app-data folder."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)) / FILE_NAME


class Lessons:
    """Everything lessons add to ``window``; ``folder`` replaces the bundled lessons (tests)."""

    def __init__(self, window, folder=None) -> None:
        self.window = window
        self.catalog = load_catalog(folder)
        self.progress = Progress(progress_path())
        self.panel = LessonPanel()
        # scrolled: the window still fits 1280x800
        self.dock = add_dock(window, "Lesson", scrolled(self.panel), Qt.RightDockWidgetArea)
        window.tabifyDockWidget(window.docks["inspector"], self.dock)
        window.docks["inspector"].raise_()
        self.highlight = LessonHighlight(window.scene)
        self.watcher = JobWatcher(window)
        self.gallery = GalleryEntry(window.examples, window.guard.slot("Lessons", self.show_list))
        self.lesson = None
        self.number = 1
        self.failures: dict[tuple[str, int], int] = {}
        self._graph_shown: object = None
        self._docs: dict[int, object] = {}
        self._connect()
        self.refresh_list()
        window.doc.subscribe(lambda _: self.highlight.follow(), FOLLOWED)

    def _connect(self) -> None:
        guard, page = self.window.guard, self.panel.page
        self.panel.lesson_list.lessonChosen.connect(guard.slot("Open lesson", self.open_lesson))
        page.checkRequested.connect(guard.slot("Check", self.check))
        page.moveRequested.connect(guard.slot("Lesson step", self.move))
        page.showMe.connect(guard.slot("Show me", self.show_me))
        page.backToList.connect(self.highlight.clear)
        self.watcher.finished.connect(guard.slot("Check", self._trained))
        menu = self.window.menuBar().addMenu("&Lessons")
        menu.addAction(self.dock.toggleViewAction())
        menu.addSeparator()
        for lesson in self.catalog.lessons:
            action = menu.addAction(f"{lesson.number}. {lesson.title}")
            guard.trigger(action, lambda n=lesson.name: self.open_lesson(n), "Open lesson")

    # -- the list ---------------------------------------------------------------------------

    def done(self) -> set[str]:
        return {lesson.name for lesson in self.catalog.lessons if self.progress.is_done(lesson)}

    def refresh_list(self) -> None:
        done = self.done()
        self.panel.lesson_list.fill(self.catalog.lessons, self.catalog.errors, done)
        numbers = [str(lesson.number) for lesson in self.catalog.lessons if lesson.name in done]
        self.gallery.describe(numbers, len(self.catalog.lessons), len(self.catalog.errors))

    def show_list(self) -> None:
        self.panel.setCurrentIndex(0)
        self._raise()

    def _raise(self) -> None:
        self.dock.show()
        self.dock.raise_()

    # -- moving through a lesson ------------------------------------------------------------

    def open_lesson(self, name: str) -> None:
        """Start ``name`` (or continue where it was left), its graph on the canvas."""
        self.lesson = self.catalog.find(name)
        self._graph_shown, self._docs = object(), {}
        self.go(min(self.progress.step(self.lesson.name), len(self.lesson.steps)))
        self.panel.setCurrentIndex(1)
        self._raise()

    def go(self, number: int) -> None:
        lesson = self.lesson
        source = lesson.graph_at(number)
        if source is not None and source is not self._graph_shown:
            files = self.window.files
            files.open_unnamed(
                lambda: step_document(lesson, number), "Cannot open the lesson's graph"
            )
            self._graph_shown = source
        self.number = number
        self.progress.set_step(lesson.name, number)
        step = lesson.steps[number - 1]
        self.panel.page.show_step(lesson, step, number in self.progress.passed(lesson.name))
        task = step.task
        self.highlight.show(task.nodes if task else [], bool(task) and task.quantity == "grad")

    def move(self, delta: int) -> None:
        number = self.number + delta
        if number > len(self.lesson.steps):
            self.finish()
        elif number >= 1:
            self.go(number)

    def finish(self) -> None:
        """After the last step: back to the list, the lesson ticked when every task passed."""
        done = self.progress.is_done(self.lesson)
        self.progress.set_step(self.lesson.name, 1 if done else self.number)
        self.highlight.clear()
        self.refresh_list()
        self.show_list()
        state = "done" if done else "not done yet: some tasks are open"
        self.window.statusBar().showMessage(f"Lesson {self.lesson.number} {state}.", 8000)

    # -- checking ---------------------------------------------------------------------------

    @property
    def step(self):
        return self.lesson.steps[self.number - 1]

    def lesson_doc(self):
        """The lesson's own graph at this step (predict answers are computed on it)."""
        source = self.lesson.graph_at(self.number)
        if id(source) not in self._docs:
            self._docs[id(source)] = step_document(self.lesson, self.number)
        return self._docs[id(source)]

    def check(self, answer: str) -> None:
        task, page = self.step.task, self.panel.page
        if task is None:
            return
        if task.kind in ("predict", "choose"):
            if not answer.strip():
                page.say(
                    False,
                    "Type an answer first." if task.kind == "predict" else "Choose one first.",
                )
                return
            try:
                verdict = check_answer(task, self.lesson_doc(), answer)
            except GraphLabError as exc:
                page.say(False, str(exc))
                return
            self.verdict(verdict)
        elif task.kind == "train":
            doc, where = self.window.doc.snapshot(), (self.lesson.name, self.number)
            if self.watcher.start(
                lambda job: (where, check_graph(task, doc)), "checking the lesson"
            ):
                page.busy(f"Training your graph afresh (at most {task.max_epochs} epochs)...")
            else:
                page.say(False, "An earlier check is still training; wait for it to end.")
        else:
            self.verdict(check_graph(task, self.window.doc.snapshot()))

    def _trained(self, job) -> None:
        self.panel.page.check.setEnabled(True)
        if job.error is not None:
            self.panel.page.say(False, job.error)
        elif job.result is not None and job.result[0] == (self.lesson.name, self.number):
            self.verdict(job.result[1])

    def verdict(self, verdict) -> None:
        step, page, lesson = self.step, self.panel.page, self.lesson
        if verdict.passed:
            self.progress.mark_passed(lesson.name, step.number)
            page.say(True, verdict.message)
            page.set_next(True, last=step.number == len(lesson.steps))
            if self.progress.is_done(lesson):
                self.refresh_list()
            return
        key = (lesson.name, step.number)
        self.failures[key] = self.failures.get(key, 0) + 1
        page.say(False, verdict.message, step.hint, step.worked if self.failures[key] >= 2 else "")
        page.show_me.setEnabled(True)

    def show_me(self) -> None:
        """Step the stepper to where the asked value or gradient appears on the canvas."""
        task, stepper = self.step.task, self.window.stepper
        if not stepper.model.ensure_trace():
            return
        phase = "backward" if task.quantity == "grad" else "forward"
        events = stepper.model.events
        found = [i for i, e in enumerate(events) if e.phase == phase and e.node in task.nodes]
        stepper.move("reset")
        stepper.model.jump(max(found) + 1 if found else len(events))
        self.window.select_node(task.nodes[0])


def install_lessons(window, folder=None) -> Lessons:
    """Add lessons to ``window`` (as ``window.lessons``)."""
    window.lessons = Lessons(window, folder)
    return window.lessons
