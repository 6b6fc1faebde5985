"""UI test fixtures: a failing excepthook for every test, a scene and a shown view on a
document, and real mouse/drop helpers."""

from __future__ import annotations

import sys
import traceback

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from graphlab.crashlog import LOG_NAME
from graphlab.document import GraphDocument
from ui.canvas import PALETTE_MIME, GraphScene, GraphView


@pytest.fixture(autouse=True)
def slot_exceptions_fail(request, tmp_path_factory, monkeypatch):
    """Fail the test on any exception that reaches ``sys.excepthook`` (one raised in a slot or a
    Qt virtual method) and on any unexpected exception the window's guard logged, unless the
    test asks for ``crash_log``. The error log goes to a temporary folder."""
    log_dir = tmp_path_factory.mktemp("crashlog")
    monkeypatch.setenv("GRAPHLAB_LOG_DIR", str(log_dir))
    caught = []
    previous, sys.excepthook = sys.excepthook, lambda *info: caught.append(info)
    try:
        yield log_dir / LOG_NAME
        QApplication.processEvents()
    finally:
        sys.excepthook = previous
    if caught:
        text = "".join("".join(traceback.format_exception(*info)) for info in caught)
        pytest.fail(f"{len(caught)} exception(s) escaped into sys.excepthook:\n{text}")
    logged = log_dir / LOG_NAME
    if logged.exists() and "crash_log" not in request.fixturenames:
        pytest.fail(f"the window caught an unexpected exception:\n{logged.read_text()}")


@pytest.fixture
def crash_log(slot_exceptions_fail):
    """The error log's path, for tests that provoke an unexpected exception on purpose."""
    return slot_exceptions_fail


class Canvas:
    """A GraphScene + GraphView on ``doc`` with one undo stack, shown at 1000x700."""

    def __init__(self, qtbot, doc: GraphDocument) -> None:
        self.doc, self.stack = doc, QUndoStack()
        self.scene = GraphScene(doc, self.stack)
        self.view = GraphView(self.scene)
        qtbot.addWidget(self.view)
        self.view.resize(1000, 700)
        self.view.show()
        qtbot.waitExposed(self.view)
        self.view.activateWindow()
        assert QTest.qWaitForWindowActive(self.view)  # shortcuts need the active window
        self.view.setFocus()
        self.qtbot = qtbot

    @property
    def viewport(self):
        return self.view.viewport()

    def at(self, scene_pos: QPointF) -> QPoint:
        """The viewport point showing ``scene_pos``."""
        return self.view.mapFromScene(scene_pos)

    def drag(self, start: QPointF, end: QPointF, steps: int = 4, modifier=Qt.NoModifier):
        """Press at scene point ``start``, move in steps, release at ``end`` (left button)."""
        a, b = self.at(start), self.at(end)
        QTest.mousePress(self.viewport, Qt.LeftButton, modifier, a)
        for i in range(1, steps + 1):
            QTest.mouseMove(self.viewport, a + (b - a) * i / steps)
        QTest.mouseRelease(self.viewport, Qt.LeftButton, modifier, b)

    def click(self, scene_pos: QPointF, modifier=Qt.NoModifier) -> None:
        QTest.mouseClick(self.viewport, Qt.LeftButton, modifier, self.at(scene_pos))

    def drop(self, payload: str, scene_pos: QPointF) -> bool:
        """Deliver a palette drag (enter, move, drop) at ``scene_pos``; True when accepted."""
        mime = QMimeData()
        mime.setData(PALETTE_MIME, QByteArray(payload.encode()))
        pos = self.at(scene_pos)
        buttons, mods = Qt.LeftButton, Qt.NoModifier
        enter = QDragEnterEvent(pos, Qt.CopyAction, mime, buttons, mods)
        QApplication.sendEvent(self.viewport, enter)
        assert enter.isAccepted()
        move = QDragMoveEvent(pos, Qt.CopyAction, mime, buttons, mods)
        QApplication.sendEvent(self.viewport, move)
        drop = QDropEvent(QPointF(pos), Qt.CopyAction, mime, buttons, mods)
        QApplication.sendEvent(self.viewport, drop)
        return drop.isAccepted()

    def key(self, key, modifier=Qt.NoModifier) -> None:
        QTest.keyClick(self.view, key, modifier)

    def settle(self) -> None:
        """Let the coalesced analysis run."""
        QApplication.processEvents()
        self.scene.refresh_analysis()


@pytest.fixture
def canvas(qtbot):
    """Factory: ``canvas(doc)`` -> a shown Canvas on ``doc``."""
    made = []

    def make(doc: GraphDocument | None = None) -> Canvas:
        made.append(Canvas(qtbot, doc if doc is not None else GraphDocument()))
        return made[-1]

    yield make
    for c in made:
        c.scene.detach()
