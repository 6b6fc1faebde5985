"""The path of a wire in a style (curved, straight, angled) through its reroute points."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath


def wire_path(start: QPointF, end: QPointF, via=(), style: str = "curved") -> QPainterPath:
    """From output ``start`` to input ``end`` through the points ``via`` (scene (x, y)):
    cubic curves leaving rightwards and arriving from the left, straight segments, or
    horizontal-vertical-horizontal steps."""
    path = QPainterPath(start)
    if not via and style == "curved":  # the common case, once per wire per move: no lists
        bend = max(40.0, abs(end.x() - start.x()) * 0.5)
        path.cubicTo(start + QPointF(bend, 0.0), end - QPointF(bend, 0.0), end)
        return path
    points = [start, *(QPointF(x, y) for x, y in via), end]
    for a, b in zip(points, points[1:], strict=False):
        if style == "straight":
            path.lineTo(b)
        elif style == "angled":
            middle = (a.x() + b.x()) / 2
            path.lineTo(QPointF(middle, a.y()))
            path.lineTo(QPointF(middle, b.y()))
            path.lineTo(b)
        else:
            bend = max(40.0, abs(b.x() - a.x()) * 0.5)
            path.cubicTo(a + QPointF(bend, 0.0), b - QPointF(bend, 0.0), b)
    return path
