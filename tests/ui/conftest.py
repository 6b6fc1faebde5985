"""Canvas fixtures: a scene and a shown view on a document, and real mouse/drop helpers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from graphlab.document import GraphDocument
from ui.canvas import PALETTE_MIME, GraphScene, GraphView


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
