"""Live training in the window: a dock with the training panel and a dashboard of plots.

``install_training(window)`` adds the "Training" dock (bottom, hidden until asked for), a
Training menu (show, Start, Pause, Stop) and sets ``window.training`` to the
:class:`TrainingDashboard`. ``window.training.start_training(epochs)`` is what Start and
``graphlab open GRAPH --train EPOCHS`` call; ``finished`` fires once a run is written back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget

from ui.training.augment_panel import install_augment
from ui.training.dashboard import TrainingDashboard
from ui.training.ensemble_view import install_ensemble
from ui.training.features_panel import install_features
from ui.training.model_binding import install_model_binding
from ui.widgets import add_dock


def install_training(window) -> TrainingDashboard:
    """Add the training dock and menu to ``window``; returns the dashboard (``window.training``)."""
    dashboard = TrainingDashboard(window)
    install_augment(dashboard)
    install_features(dashboard)
    install_ensemble(dashboard)
    install_model_binding(dashboard)
    dock = add_dock(window, "Training", dashboard, Qt.BottomDockWidgetArea)
    dock.hide()
    dock.visibilityChanged.connect(lambda visible: visible and _first_preview(dashboard))
    window.docks["training"] = dock
    menu = window.menuBar().addMenu("&Training")
    show = dock.toggleViewAction()
    show.setText("Training &dashboard")
    show.setShortcut(QKeySequence("Ctrl+Shift+T"))
    menu.addAction(show)
    menu.addSeparator()
    panel = dashboard.panel
    for text, button, shortcut in (
        ("&Start", panel.start_button, "F5"),
        ("&Pause / Resume", panel.pause_button, "F6"),
        ("S&top", panel.stop_button, "Shift+F5"),
    ):
        action = menu.addAction(text)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False, b=button: _press(dock, b))
    window.training = dashboard
    window.installEventFilter(dashboard)  # closing the window stops a run
    return dashboard


#: the dock's height when shown from code (a good share of a 1000-pixel window)
DOCK_HEIGHT = 470
#: the width left to each other bottom dock (the Explanation) when the dashboard is shown
BESIDE_WIDTH = 340


def show_dashboard(window) -> None:
    """Show the training dock, tall enough for its plots."""
    dock = window.docks["training"]
    dock.show()
    dock.raise_()
    window.resizeDocks([dock], [DOCK_HEIGHT], Qt.Vertical)
    beside = [
        other
        for other in window.findChildren(QDockWidget)
        if other is not dock
        and other.isVisible()
        and not other.isFloating()
        and window.dockWidgetArea(other) == Qt.BottomDockWidgetArea
        and not window.tabifiedDockWidgets(other).count(dock)
    ]
    if beside:  # the plots take most of the width; the docks beside keep a column
        wide = max(window.width() - BESIDE_WIDTH * len(beside), window.width() // 2)
        window.resizeDocks([dock, *beside], [wide] + [BESIDE_WIDTH] * len(beside), Qt.Horizontal)
    QTimer.singleShot(0, window.view.fit_to_view)  # the canvas got smaller: the graph fits


def _press(dock, button) -> None:
    dock.show()
    if button.isEnabled():
        button.click()


def _first_preview(dashboard: TrainingDashboard) -> None:
    """The dataset preview (and a reopened project's activation maps) load when the dock is
    shown after the document changed (the digits take a second)."""
    if dashboard.preview_stale:
        dashboard.preview_dataset()
        dashboard.live.selectionChanged.emit()


__all__ = ["TrainingDashboard", "install_training", "show_dashboard"]
