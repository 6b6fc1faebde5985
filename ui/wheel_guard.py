"""The wheel guard: across the app, spin boxes and combo boxes take the mouse wheel only when
they have the keyboard focus; otherwise the wheel scrolls what holds them (a panel scrolled
past a setting no longer changes it: val split 0.20 silently became 0.00).

``install_wheel_guard(app)`` installs one event filter on the QApplication.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox

#: the widgets whose value a stray wheel would change
GUARDED = (QAbstractSpinBox, QComboBox)


class WheelGuard(QObject):
    """Gives guarded widgets click/tab focus (not wheel focus) and hands a wheel over an
    unfocused one to the scroll area around it."""

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind == QEvent.Polish and isinstance(watched, GUARDED):
            if watched.focusPolicy() == Qt.WheelFocus:
                watched.setFocusPolicy(Qt.StrongFocus)
        elif kind == QEvent.Wheel and isinstance(watched, GUARDED) and not watched.hasFocus():
            scroll_instead(watched, event)
            return True
        return False


def scroll_instead(widget, event: QWheelEvent) -> None:
    """Deliver ``event`` (a wheel over ``widget``) to the viewport of the nearest scroll area
    holding ``widget``; nothing when there is none."""
    area = widget.parentWidget()
    while area is not None and not isinstance(area, QAbstractScrollArea):
        area = area.parentWidget()
    if area is None:
        return
    viewport = area.viewport()
    local = viewport.mapFromGlobal(event.globalPosition().toPoint())
    forwarded = QWheelEvent(
        QPoint(local.x(), local.y()).toPointF(),
        event.globalPosition(),
        event.pixelDelta(),
        event.angleDelta(),
        event.buttons(),
        event.modifiers(),
        event.phase(),
        event.inverted(),
    )
    QApplication.sendEvent(viewport, forwarded)


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the guard on ``app`` once (kept as ``app.wheel_guard``)."""
    guard = getattr(app, "wheel_guard", None)
    if guard is None:
        guard = app.wheel_guard = WheelGuard(app)
        app.installEventFilter(guard)
    return guard
