"""Small Qt wrappers that panels anywhere in the window share."""

from __future__ import annotations

from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea, QVBoxLayout, QWidget


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area, so that a tall form fits a short cell or dock."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    return area


def fill_scrolled(parent: QWidget, widget: QWidget) -> None:
    """Make ``widget``, scrolled, the whole of ``parent`` (a tab that fits a short dock)."""
    outer = QVBoxLayout(parent)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scrolled(widget))


def add_dock(window, title: str, widget: QWidget, area) -> QDockWidget:
    """``widget`` in a new dock of ``window`` at ``area``, named ``dock:<title in lower
    case>`` (the name the saved window layout knows it by)."""
    dock = QDockWidget(title, window)
    dock.setObjectName(f"dock:{title.lower()}")
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    return dock
