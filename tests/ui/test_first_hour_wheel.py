"""The wheel guard: scrolling the training panel over a setting leaves the setting alone
and scrolls the panel; a focused spin box still takes the wheel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QMessageBox

from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.training import show_dashboard


def wheel(widget, steps: int = -3) -> None:
    """A mouse wheel turned over the middle of ``widget`` (negative: scroll down)."""
    centre = widget.rect().center()
    event = QWheelEvent(
        QPointF(centre),
        QPointF(widget.mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.NoButton,
        Qt.NoModifier,
        Qt.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def scroll_area_of(widget) -> QAbstractScrollArea:
    area = widget.parentWidget()
    while not isinstance(area, QAbstractScrollArea):
        area = area.parentWidget()
    return area


@pytest.fixture
def panel(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "two-layer-net-spiral")
    window.resize(1280, 800)
    show_dashboard(window)
    qtbot.waitUntil(lambda: window.training.panel.isVisible())
    return window.training.panel


def test_a_wheel_over_an_unfocused_spin_box_scrolls_the_panel_instead(panel, qtbot):
    box = panel.val
    area = scroll_area_of(box)
    area.resize(area.width(), 120)  # short: the panel scrolls
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(0)
    box.setValue(0.2)
    assert not box.hasFocus() and box.focusPolicy() == Qt.StrongFocus
    wheel(box.lineEdit())  # the wheel lands on the entry inside the spin box
    wheel(box)
    assert box.value() == pytest.approx(0.2)
    assert bar.value() > 0


def test_a_focused_spin_box_still_takes_the_wheel(panel, qtbot):
    box = panel.val
    box.setValue(0.2)
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    wheel(box, steps=1)
    assert box.value() != pytest.approx(0.2)
