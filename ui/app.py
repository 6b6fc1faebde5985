"""Starting the window: the QApplication, the main window on a graph, and screenshots.

``run_app`` is what ``graphlab open`` and plain ``graphlab`` call, and
``export_document_picture`` (from ui.canvas_export) what ``graphlab export --png/--svg`` calls,
both through ``graphlab.cli_open.run_ui``, the one place graphlab imports this module (lazily,
so that ``graphlab`` stays Qt-free until a window or a picture is wanted).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from engine.errors import GraphLabError
from graphlab.custom_ops import time_limit
from graphlab.examples import DEFAULT_EXAMPLE, EXAMPLES_DIR, START_HERE, open_graph, resolve_graph
from ui.canvas_export import export_document_picture
from ui.files import RECENT_KEY
from ui.main_window import MainWindow
from ui.preferences import apply_stored_memory_limit
from ui.theme import DEFAULT_THEME, apply_theme

ORGANIZATION = "GraphLab"
APPLICATION = "GraphLab"
DEFAULT_SIZE = (1600, 1000)
#: how long the window may settle (layout, first analysis, fit) before a screenshot
SCREENSHOT_DELAY_MS = 300
#: QSettings key set once the welcome page was shown (later starts open the last file)
WELCOMED_KEY = "welcomed"

__all__ = ["export_document_picture", "open_window", "run_app", "start_training"]


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (made once): high-DPI friendly, named for QSettings, themed."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        QCoreApplication.setOrganizationName(ORGANIZATION)
        QCoreApplication.setApplicationName(APPLICATION)
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationDisplayName("GraphLab")
    return app


def open_window(graph: str | None = None, theme: str | None = None) -> MainWindow:
    """A main window on ``graph`` (a path or example name; default the first circuit), not
    yet shown.

    Raises FileFormatError when the graph does not load. A bundled example opens as an
    unnamed document, so Save asks for a file instead of overwriting the example.
    """
    graph = graph or DEFAULT_EXAMPLE
    apply_stored_memory_limit()  # before the first file is read
    path = resolve_graph(graph)
    doc = open_graph(graph, lazy=True)
    apply_theme(QApplication.instance(), theme or QSettings().value("theme", DEFAULT_THEME))
    window = MainWindow()
    example = path.resolve().parent == EXAMPLES_DIR and not Path(graph).is_file()
    window.files.adopt(doc, None if example else path)
    return window


def start_graph() -> tuple[str, bool]:
    """What a start without a GRAPH opens, and whether the welcome page shows: the first
    circuit with the welcome the first time, later the last file (if it still exists)."""
    settings = QSettings()
    if not settings.value(WELCOMED_KEY, False, type=bool):
        return START_HERE, True
    recent = settings.value(RECENT_KEY) or []
    recent = [recent] if isinstance(recent, str) else list(recent)
    last = next((p for p in recent if Path(p).is_file()), None)
    return last or START_HERE, False


def start_window(graph: str | None = None, theme: str | None = None) -> MainWindow:
    """The window a start opens: on ``graph``, or (without one) as :func:`start_graph` says,
    with the welcome page on the first start (remembered from then on)."""
    welcome = False
    if graph is None:
        graph, welcome = start_graph()
    window = open_window(graph, theme)
    if welcome:
        window.welcome.show_welcome()
        QSettings().setValue(WELCOMED_KEY, True)
    return window


def save_screenshot(window: MainWindow, path: str | Path) -> bool:
    """Render the window (as laid out now) to a PNG; True when it was written."""
    return window.grab().save(str(path), "PNG")


def run_app(
    path: str | None = None,
    screenshot: str | Path | None = None,
    size: tuple[int, int] | None = None,
    theme: str | None = None,
    argv: list[str] | None = None,
    step: tuple[str, int] | None = None,
    train: int | None = None,
    screenshot_at: float = 1.0,
) -> int:
    """Show the window on ``path`` and run until it closes; the exit status.

    With ``screenshot``, render the window at ``size`` (default 1600x1000) to that PNG once
    it is laid out, then exit (no dialogs, no autosave, settings left as they were); without
    a display it renders offscreen. ``step`` (("forward" or "backward", N)) walks the
    backprop stepper N steps into that pass first. ``train`` (epochs) shows the training
    dashboard and trains through its worker (as Start does); a screenshot waits for the end,
    or for ``screenshot_at`` (0-1) of the run's steps and then stops it.
    """
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless and screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif headless and not os.environ.get("QT_QPA_PLATFORM"):
        raise GraphLabError(
            "no display to open the window on (run it in a desktop session or under "
            "xvfb-run, or render it with --screenshot FILE.png)"
        )
    app = application(argv)
    time_limit.limit_this_process()  # op code runs on the window's thread: no endless freeze
    window = open_window(path, theme) if screenshot is not None else start_window(path, theme)
    sys.excepthook = window.guard.excepthook  # the safety net for slots outside the guard
    if step:
        window.stepper.model.goto(*step)
    if screenshot is not None:
        shot = Path(screenshot)
        return _screenshot_and_quit(app, window, shot, size or DEFAULT_SIZE, train, screenshot_at)
    if not window.restore_layout() and size is None:
        available = window.screen().availableGeometry().size()
        size = (min(DEFAULT_SIZE[0], available.width()), min(DEFAULT_SIZE[1], available.height()))
    if size is not None:
        window.resize(*size)
    window.show()
    window.view.setFocus()  # canvas shortcuts (Del, F, Ctrl+A) work right away
    QTimer.singleShot(0, window.view.fit_to_view)
    QTimer.singleShot(0, window.files.offer_recovery)
    window.files.start_autosave()
    if train:
        QTimer.singleShot(0, lambda: start_training(window, train))
    window.ctrl_c = CtrlC(app, window)  # kept alive with the window
    signal.signal(signal.SIGINT, window.ctrl_c.pressed)
    return app.exec()


class CtrlC:
    """Ctrl+C in the terminal the window was started from. The first, during training, stops
    the run after its step through the dashboard (as Stop does: the trained values are kept
    in the document, which autosave and Save write); otherwise, or the second, quits with
    status 130 (unsaved work is offered back by the autosave's recovery)."""

    def __init__(self, app, window: MainWindow) -> None:
        self.app, self.window, self.presses = app, window, 0
        self.timer = QTimer()  # Python sees a signal only when it runs: wake it 5 times a second
        self.timer.timeout.connect(lambda: None)
        self.timer.start(200)

    def pressed(self, *_signal) -> None:
        self.presses += 1
        dashboard = getattr(self.window, "training", None)
        if self.presses == 1 and dashboard is not None and dashboard.running:
            print("graphlab: stopping the training after this step (Ctrl+C again quits)",
                  file=sys.stderr)  # fmt: skip
            dashboard.stop()
            return
        print("graphlab: interrupted", file=sys.stderr)
        self.app.exit(130)


def start_training(window: MainWindow, epochs: int) -> bool:
    """Show the training dashboard and start ``epochs`` epochs (False when it cannot start)."""
    from ui.training import show_dashboard

    show_dashboard(window)
    return window.training.start_training(epochs)


def _screenshot_and_quit(
    app, window: MainWindow, path: Path, size: tuple[int, int], train: int | None, at: float
) -> int:
    window.resize(*size)
    window.show()
    status = {"code": 1}

    def shoot():
        window.view.fit_to_view()
        app.processEvents()
        status["code"] = 0 if save_screenshot(window, path) else 1
        window.files.stack.setClean()
        window.files.unsaved_outside_stack = False  # trained by --train: nothing to ask
        window.close()
        app.quit()

    if train and start_training(window, train):
        dashboard = window.training
        if at < 1.0:  # mid-training: shoot once the plots show that share of the steps
            poll = QTimer(window)
            poll.timeout.connect(lambda: dashboard.progress() >= at and (poll.stop(), shoot()))
            poll.start(20)
        else:
            dashboard.finished.connect(lambda: QTimer.singleShot(SCREENSHOT_DELAY_MS, shoot))
    else:
        QTimer.singleShot(SCREENSHOT_DELAY_MS, shoot)
    app.exec()
    return status["code"]
