"""The lesson dock's widgets: the list of lessons (done ones ticked) and one lesson's page
(text, task, answer box or Check, hint, worked line, show me, back/next, "step 3 of 7").
The panel only shows and signals; :mod:`ui.lessons` decides."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from graphlab.lessons import Lesson, Step
from graphlab.lessons.render import inline_html, to_html

NAME_ROLE = Qt.UserRole
PASS_STYLE = "color: #1b7f3b; font-weight: bold;"
FAIL_STYLE = "color: #b3261e;"
#: the Check button's text per task kind
CHECK_TEXT = {"predict": "Check", "choose": "Check", "build": "Check my graph",
              "fix": "Check my graph", "train": "Train and check"}  # fmt: skip


class LessonList(QListWidget):
    """Every lesson with a tick when done; bad lesson files as red, disabled lines."""

    lessonChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.itemActivated.connect(self._activated)

    def _activated(self, item: QListWidgetItem) -> None:
        if item.data(NAME_ROLE):
            self.lessonChosen.emit(item.data(NAME_ROLE))

    def fill(self, lessons: list[Lesson], errors: list[str], done: set[str]) -> None:
        self.clear()
        for lesson in lessons:
            mark = "✓" if lesson.name in done else "  "
            item = QListWidgetItem(f"{mark} {lesson.number}. {lesson.title}")
            item.setData(NAME_ROLE, lesson.name)
            item.setToolTip(f"{lesson.section}\nDouble-click to start")
            self.addItem(item)
        for line in errors:
            item = QListWidgetItem(f"⚠ {line}")
            item.setForeground(Qt.red)
            item.setFlags(Qt.ItemIsEnabled)
            self.addItem(item)


class LessonPage(QWidget):
    """One step of one lesson. Signals: ``checkRequested(answer)`` (the typed or chosen
    answer; "" for graph tasks), ``moveRequested(delta)``, ``showMe``, ``backToList``."""

    checkRequested = Signal(str)
    moveRequested = Signal(int)
    showMe = Signal()
    backToList = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(wordWrap=True)
        self.title.setStyleSheet("font-weight: bold; font-size: 120%;")
        self.section = QLabel(wordWrap=True)
        self.section.setStyleSheet("color: gray;")
        self.position = QLabel()
        self.text = QTextBrowser(openExternalLinks=False)
        self.answer = QLineEdit(placeholderText="your answer")
        self.answer.setToolTip("A number (-4), a list ([0.2, -0.39]) or a shape (16, 8, 8)")
        self.choices = QWidget()
        self.choice_layout = QVBoxLayout(self.choices)
        self.choice_layout.setContentsMargins(0, 0, 0, 0)
        self.choice_group = QButtonGroup(self)
        self.check = QPushButton("Check")
        self.show_me = QPushButton("Show me")
        self.show_me.setToolTip("Show the answer on the canvas with the stepper")
        self.feedback = QLabel(wordWrap=True, textInteractionFlags=Qt.TextSelectableByMouse)
        self.feedback.setTextFormat(Qt.RichText)
        self.worked = QLabel(wordWrap=True, textInteractionFlags=Qt.TextSelectableByMouse)
        self.worked.setStyleSheet("font-family: monospace;")
        self.back = QPushButton("◀ Back")
        self.next = QPushButton("Next ▶")
        self.lessons = QPushButton("All lessons")
        self._layout()
        self.answer.returnPressed.connect(self._check)
        self.check.clicked.connect(self._check)
        self.show_me.clicked.connect(self.showMe)
        self.back.clicked.connect(lambda: self.moveRequested.emit(-1))
        self.next.clicked.connect(lambda: self.moveRequested.emit(1))
        self.lessons.clicked.connect(self.backToList)

    def _layout(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.lessons)
        top.addStretch(1)
        top.addWidget(self.position)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.section)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.choices)
        row = QHBoxLayout()
        row.addWidget(self.answer, 1)
        row.addWidget(self.check)
        row.addWidget(self.show_me)
        layout.addLayout(row)
        layout.addWidget(self.feedback)
        layout.addWidget(self.worked)
        moves = QHBoxLayout()
        moves.addWidget(self.back)
        moves.addStretch(1)
        moves.addWidget(self.next)
        layout.addLayout(moves)

    def _check(self) -> None:
        if not self.check.isEnabled() or not self.check.isVisible():
            return
        chosen = self.choice_group.checkedId()
        if self.choices.isVisible():
            self.checkRequested.emit(str(chosen) if chosen > 0 else "")
        else:
            self.checkRequested.emit(self.answer.text())

    def show_step(self, lesson: Lesson, step: Step, passed: bool) -> None:
        """Show ``step``; ``passed``: its task was solved before (Next is open)."""
        self.title.setText(f"{lesson.number}. {lesson.title}")
        self.section.setText(f"Notes: {lesson.section}")
        self.position.setText(f"step {step.number} of {len(lesson.steps)}")
        self.text.setHtml(to_html(step.text))
        task = step.task
        kind = task.kind if task else ""
        for button in self.choice_group.buttons():
            self.choice_group.removeButton(button)
            button.deleteLater()
        for number, choice in enumerate(task.choices if task else [], 1):
            button = QRadioButton(choice)
            self.choice_group.addButton(button, number)
            self.choice_layout.addWidget(button)
        self.choices.setVisible(kind == "choose")
        self.answer.setVisible(kind == "predict")
        self.answer.clear()
        self.check.setVisible(task is not None)
        self.check.setEnabled(True)
        self.check.setText(CHECK_TEXT.get(kind, "Check"))
        self.show_me.setVisible(kind == "predict" and bool(task.nodes))
        self.show_me.setEnabled(False)
        self.feedback.clear()
        self.worked.clear()
        if passed and task is not None:
            self.say(True, "Solved before. Check again, or go on.")
        self.back.setEnabled(step.number > 1)
        self.set_next(task is None or passed, last=step.number == len(lesson.steps))
        if kind == "predict":
            self.answer.setFocus()

    def set_next(self, open_: bool, last: bool) -> None:
        self.next.setEnabled(open_)
        self.next.setText("Finish ✓" if last else "Next ▶")

    def say(self, passed: bool, message: str, hint: str = "", worked: str = "") -> None:
        """The verdict: green when passed; else red with the hint (and the worked line)."""
        self.feedback.setStyleSheet(PASS_STYLE if passed else FAIL_STYLE)
        text = html.escape(message)
        self.feedback.setText(
            text if passed or not hint else f"{text}<br><b>Hint:</b> {inline_html(hint)}"
        )
        self.worked.setText(f"Worked: {html.escape(worked)}" if worked else "")

    def busy(self, text: str) -> None:
        """A check running in the background (training): the button waits."""
        self.check.setEnabled(False)
        self.feedback.setStyleSheet("")
        self.feedback.setText(text)


class LessonPanel(QStackedWidget):
    """The dock's content: ``lesson_list`` (page 0) and ``page`` (page 1)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lesson_list = LessonList()
        self.page = LessonPage()
        intro = QLabel("Guided lessons along the CS231n notes. The app checks your answers "
                       "and your graphs. Double-click a lesson to start.", wordWrap=True)  # fmt: skip
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.addWidget(intro)
        layout.addWidget(self.lesson_list, 1)
        self.addWidget(holder)
        self.addWidget(self.page)
        self.page.backToList.connect(lambda: self.setCurrentIndex(0))
