"""The "Course" menu: one entry per course view (issue 19), each opened in its own window.

``COURSE_VIEWS`` lists (menu text, target); a target is ``"module:Class"`` (imported when
first opened) or a factory ``f(window) -> QWidget``. A view's class takes the main window.
"""

from __future__ import annotations

import importlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

COURSE_VIEWS: list[tuple[str, object]] = [
    ("&Linear classifier loss", "ui.course.linear_view:LinearLossView"),
    ("&kNN regions", "ui.course.knn_view:KnnRegionsView"),
    ("&Initialization experiment", "ui.course.init_view:InitView"),
    ("Class &templates", "ui.course.templates_view:TemplatesView"),
    ("Optimizer &race", "ui.course.race:RaceView"),
    ("Loss &landscape", "ui.course.landscape:LandscapeView"),
    ("&Sanity checks", "ui.course.sanity:SanityView"),
]


def install_course(window) -> None:
    """Add the "&Course" menu to ``window``; opened views are kept in ``window.course_views``."""
    window.course_views = {}
    menu = window.menuBar().addMenu("&Course")
    for text, target in COURSE_VIEWS:
        action = menu.addAction(text)
        window.guard.trigger(action, lambda t=text, f=target: open_view(window, t, f))
    training = getattr(window, "training", None)
    if training is not None:  # the training panel's button opens the sanity checks
        button = training.panel.sanity_button
        button.setToolTip("Sanity checks before training: initial loss, overfitting, lr sweep")
        sanity = COURSE_VIEWS[-1]
        button.clicked.connect(
            window.guard.slot("Sanity checks", lambda *_: open_view(window, *sanity))
        )


def open_view(window, text: str, target) -> QWidget:
    """Show the view for menu entry ``text`` (made once, then raised again)."""
    view = window.course_views.get(text)
    if view is None:
        view = view_factory(target)(window)
        view.setParent(window, Qt.Window)
        view.setWindowTitle(text.replace("&", ""))
        view.resize(1280, 800)
        window.course_views[text] = view
    view.show()
    view.raise_()
    return view


def view_factory(target):
    """The callable that makes the view of a COURSE_VIEWS target."""
    if callable(target):
        return target
    module, _, name = str(target).partition(":")
    return getattr(importlib.import_module(module), name)
