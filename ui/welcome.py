"""The way in: a welcome page in the canvas area on the first start, and a hint on an empty
canvas. ``install_welcome(window)`` puts the canvas and the page in one stacked widget."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from graphlab.changes import ChangeKind
from graphlab.examples import START_HERE

EMPTY_HINT = (
    "Drag an op from the palette onto the canvas;\ndrag from an output dot to an input dot to wire."
)
WELCOME_TEXT = (
    "<h1>Welcome to GraphLab</h1>"
    "<p>GraphLab is a workbench for the computational graphs of CS231n: build a graph from "
    "ops, step through its forward and backward pass node by node with the numbers on every "
    "wire, check its gradients, and train it on real data while the plots follow.</p>"
    "<p>The course starts with the smallest circuit, <b>f = (x + y) z</b>: run it forward, "
    "then backward, and read how each gradient is upstream times local.</p>"
)
BUTTONS = (
    ("first", "Start with the first circuit"),
    ("example", "Open an example"),
    ("new", "New graph"),
)


class WelcomePage(QWidget):
    """What GraphLab is and three ways in; ``buttons`` by name (first, example, new)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        text = QLabel(WELCOME_TEXT, wordWrap=True, textFormat=Qt.RichText)
        text.setFixedWidth(560)
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, caption in BUTTONS:
            button = QPushButton(caption)
            button.setMinimumHeight(36)
            self.buttons[name] = button
            row.addWidget(button)
        self.buttons["first"].setDefault(True)
        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(text, 0, Qt.AlignHCenter)
        column.addSpacing(16)
        column.addLayout(row)
        column.addStretch(2)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column)
        outer.addStretch(1)


class EmptyHint(QObject):
    """A centred hint over ``view``'s viewport while ``doc`` has no nodes."""

    def __init__(self, view, doc) -> None:
        super().__init__(view)
        self.doc = doc
        self.label = QLabel(EMPTY_HINT, view.viewport(), alignment=Qt.AlignCenter)
        self.label.setObjectName("empty canvas hint")
        self.label.setStyleSheet("color: #9aa4ae; font-size: 13pt;")
        self.label.setAttribute(Qt.WA_TransparentForMouseEvents)
        view.viewport().installEventFilter(self)
        kinds = {ChangeKind.NODE_ADDED, ChangeKind.NODE_REMOVED, ChangeKind.RESET}
        doc.subscribe(lambda _change: self.update(), kinds)
        self.update()

    def update(self) -> None:
        viewport = self.label.parentWidget()
        self.label.setGeometry(viewport.rect())
        self.label.setVisible(not self.doc.nodes)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Resize:
            self.label.setGeometry(watched.rect())
        return False


class CanvasArea(QStackedWidget):
    """The window's central widget: the canvas, or the welcome page over it."""

    def __init__(self, view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.page = WelcomePage()
        # the page never asks for room: the window's layout stays the canvas's
        self.page.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Ignored)
        self.addWidget(view)
        self.addWidget(self.page)

    def show_welcome(self) -> None:
        self.setCurrentWidget(self.page)
        self.page.buttons["first"].setFocus()

    def show_canvas(self) -> None:
        self.setCurrentWidget(self.view)
        self.view.setFocus()

    @property
    def welcoming(self) -> bool:
        return self.currentWidget() is self.page


def install_welcome(window) -> CanvasArea:
    """Wrap ``window``'s canvas with the welcome page (``window.welcome``) and the empty-canvas
    hint; each button leaves the page (opening what it names)."""
    view = window.takeCentralWidget()
    area = CanvasArea(view)
    window.setCentralWidget(area)
    window.welcome = area
    window.empty_hint = EmptyHint(view, window.doc)
    guard, buttons = window.guard, area.page.buttons

    def first() -> None:
        if window.files.open_example(START_HERE):
            area.show_canvas()

    def example() -> None:
        area.show_canvas()
        dock = window.docks["examples"]
        dock.show()
        dock.raise_()
        window.examples.setFocus()

    def new() -> None:
        if window.files.new():
            area.show_canvas()

    for name, slot in (("Start with the first circuit", first), ("Open an example", example),
                       ("New graph", new)):  # fmt: skip
        button = next(b for b in buttons.values() if b.text() == name)
        button.clicked.connect(lambda _=False, s=slot, n=name: guard.run(n, s))
    window.files.opened.connect(area.show_canvas)
    return area
