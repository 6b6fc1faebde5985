"""The wheel guard: across the app, spin boxes and combo boxes take the mouse wheel only when
they have the keyboard focus; otherwise the wheel scrolls what holds them (a panel scrolled
past a setting no longer changes it: val split 0.20 silently became 0.00).

``install_wheel_guard(app)`` gives the application the Fusion style wrapped in
:class:`WheelGuardStyle`, which polishes every guarded widget as it appears (click/tab focus,
one shared event filter on the widget itself): no filter sees the application's other events
(an application-wide Python filter slowed the event loop while training).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QProxyStyle,
    QWidget,
)

#: the widgets whose value a stray wheel would change
GUARDED = (QAbstractSpinBox, QComboBox)


class WheelGuard(QObject):
    """The filter on each guarded widget: a wheel over an unfocused one goes to the scroll
    area around it."""

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Wheel and not watched.hasFocus():
            scroll_instead(watched, event)
            return True
        return False


class WheelGuardStyle(QProxyStyle):
    """Fusion, polishing each spin box and combo box with click/tab focus (not wheel focus)
    and the :class:`WheelGuard` filter."""

    def __init__(self) -> None:
        super().__init__("Fusion")
        self.guard = WheelGuard()

    def polish(self, target):
        if isinstance(target, QWidget) and isinstance(target, GUARDED):
            if target.focusPolicy() == Qt.WheelFocus:
                target.setFocusPolicy(Qt.StrongFocus)
            target.installEventFilter(self.guard)
        return super().polish(target)


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


def install_wheel_guard(app: QApplication) -> WheelGuardStyle:
    """Give ``app`` the guarded Fusion style (once; widgets already shown are polished again)."""
    style = app.style()
    if not isinstance(style, WheelGuardStyle):
        palette = app.palette()
        style = app.wheel_guard_style = WheelGuardStyle()  # kept alive with the application
        app.setStyle(style)
        app.setPalette(palette)
    return style
