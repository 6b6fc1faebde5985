"""Arranging and finding nodes (issue 29 item 5), Qt-free: align and distribute positions,
and the nodes a search text finds (by label, id or op name)."""

from __future__ import annotations

ALIGNMENTS = ("left", "right", "top", "bottom")


def align(positions: dict[str, tuple[float, float]], how: str) -> dict[str, tuple[float, float]]:
    """Every position moved to the leftmost x ("left"), rightmost x, top y or bottom y."""
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    if how in ("left", "right"):
        x = min(xs) if how == "left" else max(xs)
        return {nid: (x, p[1]) for nid, p in positions.items()}
    y = min(ys) if how == "top" else max(ys)
    return {nid: (p[0], y) for nid, p in positions.items()}


def distribute(
    positions: dict[str, tuple[float, float]], axis: str
) -> dict[str, tuple[float, float]]:
    """Positions spread evenly between the first and last along ``axis`` ("x" or "y"), in
    their order along it (the ends stay)."""
    k = 0 if axis == "x" else 1
    ordered = sorted(positions, key=lambda nid: positions[nid][k])
    if len(ordered) < 3:
        return dict(positions)
    first, last = positions[ordered[0]][k], positions[ordered[-1]][k]
    step = (last - first) / (len(ordered) - 1)
    result = {}
    for i, nid in enumerate(ordered):
        p = list(positions[nid])
        p[k] = first + i * step
        result[nid] = (p[0], p[1])
    return result


def find_nodes(doc, text: str) -> list[str]:
    """The node ids whose label, id or op name contain ``text`` (case-insensitive), in
    document order; [] for blank text."""
    needle = text.strip().lower()
    if not needle:
        return []
    return [
        n.id
        for n in doc.nodes.values()
        if needle in n.id.lower() or needle in n.label.lower() or needle in n.op.lower()
    ]
