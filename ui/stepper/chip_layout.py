"""Where the stepper's value and gradient chips go: a greedy placement, in scene coordinates,
of boxes that keep their size in pixels (the chips ignore the view's zoom), so that no chip
covers a node or another chip.

Full chips try points along their edge (best first), on their preferred side of the curve,
then the other; the selected node's chips go first and may also stand further off the edge
(with a leader line back to it). Chips that find no room are tried again as dots at finer
points along the edge, or stacked a little off it. A dot that finds none either (a view zoomed so far out that a dot is
wider than the gaps) sits on its edge's middle, marked ``crowded``.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSizeF

#: pixels between a chip and its edge's curve, and kept free around every chip
GAP_PX, MARGIN_PX = 3.0, 1.0
#: the side of the grid of placed rects (scene units): a lookup touches a few cells
CELL = 120.0
#: above this many chips in view (a large graph far out) only the selected are placed
SEARCHED = 200
#: how far a chip's end may stand from its anchor when it hangs to one side (pixels)
SHIFT_PX = 12.0
#: how many chip (dot) heights a selected node's chip (any dot) may stand off its edge
REACH, DOT_REACH = 6, 3

Box = tuple[float, float, float, float]  # left, top, right, bottom (scene)


class ChipPlacer:
    """Places boxes of fixed pixel size among the ``nodes``' scene rects, seen at view scale
    ``scale``; each accepted box is kept, so later ones avoid it (a grid of cells keeps each
    lookup local)."""

    def __init__(self, nodes: list[QRectF], scale: float) -> None:
        self.scale = max(scale, 1e-6)
        self.placed: dict[tuple[int, int], list[Box]] = {}
        for rect in nodes:
            self.take((rect.left(), rect.top(), rect.right(), rect.bottom()))

    @staticmethod
    def _cells(box: Box):
        for i in range(math.floor(box[0] / CELL), math.floor(box[2] / CELL) + 1):
            for j in range(math.floor(box[1] / CELL), math.floor(box[3] / CELL) + 1):
                yield i, j

    def free(self, box: Box) -> bool:
        """Whether ``box`` covers no node and no placed box."""
        left, top, right, bottom = box
        for cell in self._cells(box):
            for other in self.placed.get(cell, ()):
                if other[0] < right and left < other[2] and other[1] < bottom and top < other[3]:
                    return False
        return True

    def take(self, box: Box) -> None:
        for cell in self._cells(box):
            self.placed.setdefault(cell, []).append(box)

    def place(
        self, size: QSizeF, anchors: list[QPointF], sides: tuple[int, ...], reach: int = 0
    ) -> tuple[QPointF, QPointF] | None:
        """(centre, anchor) in scene units of the first free spot for a ``size`` pixel box by
        an anchor point, on side -1 (above), 1 (below) or 0 (centred on it), up to ``reach``
        box heights further off; None when no spot is free."""
        half_w, half_h = size.width() / 2 / self.scale, size.height() / 2 / self.scale
        gap, margin = GAP_PX / self.scale, MARGIN_PX / self.scale
        # centred on the anchor's x, or hanging left or right of it (a wide chip by a short
        # edge), never further than SHIFT_PX from the anchor
        shift = max(0.0, half_w - SHIFT_PX / self.scale)
        for level in range(reach + 1):
            for anchor in anchors if level == 0 else anchors[:3]:
                for side in sides:
                    if side == 0 and level:
                        continue
                    y = anchor.y() + side * (half_h + gap + level * (2 * half_h + gap))
                    for dx in (0.0, -shift, shift) if shift else (0.0,):
                        x = anchor.x() + dx
                        box = (x - half_w - margin, y - half_h - margin)
                        box += (x + half_w + margin, y + half_h + margin)
                        if self.free(box):
                            self.take(box)
                            return QPointF(x, y), anchor
        return None


def park(chip: tuple) -> bool:
    """Show ``chip``'s label as a dot on its edge's middle, unplaced (``crowded``); False."""
    label, dots = chip[1], chip[3]
    label.show_at(dots[0], compact=True)
    label.crowded = True
    return False


def place_chips(
    scene, scale: float, chips: list[tuple], first: set, visible: QRectF | None = None
) -> None:
    """Lay out ``chips``: (key, label, anchors, dot anchors, preferred side), with the keys in
    ``first`` (the selected node's edges) placed before the others, full chips before dots.
    Each label's ``show_at(centre, compact, leader)`` is called (``leader``: the pixel
    offset from the chip's centre to its edge, for chips placed off it). Chips keep 9 pt at
    every zoom, so zooming in opens room for them. With ``visible`` (the view's scene rect)
    only the chips by it are placed with care (only the selected node's when more than
    SEARCHED are); the others are parked."""
    blocks = [*scene.nodes.values(), *scene.groups.items.values()]
    # what is drawn: nodes hidden in a collapsed group give way to the group's box, and the
    # chips to the labels of an entered group's stubs
    rects = [item.sceneBoundingRect() for item in blocks if item.isVisible()]
    placer = ChipPlacer([*rects, *(stub.box for stub in scene.groups.stubs.items)], scale)
    ordered = sorted(chips, key=lambda chip: chip[0] not in first)
    if visible is not None:  # chips out of view wait, as dots on their edge, until in view
        near = visible.adjusted(*(d * visible.width() / 10 for d in (-1, -1, 1, 1)))
        ordered = [chip for chip in ordered if near.contains(chip[2][0]) or park(chip)]
    if len(ordered) > SEARCHED:  # too many in view to read: only the selected get room
        ordered = [chip for chip in ordered if chip[0] in first or park(chip)]
    left = []
    for chip in ordered:
        key, label, anchors, _dots, side = chip
        size = label.full_size()
        spot = placer.place(size, anchors, (side, -side), REACH * (key in first))
        if spot is None:
            left.append(chip)
            continue
        centre, anchor = spot
        off = (anchor - centre) * placer.scale
        far = abs(off.y()) > size.height()
        label.show_at(centre, compact=False, leader=off if far else None)
    for _key, label, _anchors, dots, side in left:
        spot = placer.place(label.dot_size(), dots, (side, 0, -side), DOT_REACH)
        label.show_at(dots[0] if spot is None else spot[0], compact=True)
        label.crowded = spot is None
