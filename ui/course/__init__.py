"""The "Course" menu: the course's own figures, each a window over a Qt-free module of
``graphlab.course`` (issue 19).

``COURSE_VIEWS`` lists (menu text, factory) entries; a factory takes the main window and
opens (or raises) its view. ``install_course(window)`` adds the menu.
"""

from __future__ import annotations

from ui.course import landscape, race, sanity

COURSE_VIEWS = [
    ("Optimizer &race", race.open_view),
    ("Loss &landscape", landscape.open_view),
    ("&Sanity checks", sanity.open_view),
]


def install_course(window) -> None:
    """Add the Course menu (one action per view) to ``window``."""
    menu = window.menuBar().addMenu("&Course")
    for text, factory in COURSE_VIEWS:
        action = menu.addAction(text)
        action.triggered.connect(lambda _=False, f=factory: f(window))
    training = getattr(window, "training", None)
    if training is not None:  # the training panel's button opens the sanity checks
        button = training.panel.sanity_button
        button.setToolTip("Sanity checks before training: initial loss, overfitting, lr sweep")
        button.clicked.connect(lambda: sanity.open_view(window))
