"""A Qt-free SVG drawing of a graph document: boxes at the nodes' positions, wires between
them, and on each wire the value that flows forward (green) and its gradient (red), like
micrograd's ``draw_dot`` but for tensors (arrays are shown by norm and range). Jupyter shows
it through ``Graph._repr_svg_``; the window's picture export stays in ``ui`` (Qt).
"""

from __future__ import annotations

from html import escape

import numpy as np

from graphlab.document import GraphDocument

WIDTH, HEIGHT = 130.0, 46.0
MARGIN = 70.0
VALUE, GRAD, BOX, WIRE = "#1b7a3a", "#b3261e", "#eef2f8", "#6b7280"


def graph_svg(
    doc: GraphDocument,
    values: dict[str, np.ndarray] | None = None,
    grads: dict[str, np.ndarray] | None = None,
) -> str:
    """The document as an SVG string; ``values`` and ``grads`` (node id -> array) label the
    wires leaving each node and, for nodes no wire leaves, the space under the box."""
    from graphlab.commands import summary

    values, grads = values or {}, grads or {}
    xs = [n.pos[0] for n in doc.nodes.values()] or [0.0]
    ys = [n.pos[1] for n in doc.nodes.values()] or [0.0]
    left, top = min(xs) - WIDTH / 2 - MARGIN, min(ys) - HEIGHT / 2 - MARGIN
    width = max(xs) - min(xs) + WIDTH + 2 * MARGIN
    height = max(ys) - min(ys) + HEIGHT + 2 * MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="{left:.1f} {top:.1f} {width:.1f} {height:.1f}" '
        'font-family="sans-serif" font-size="11">',
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" fill="white"/>',
    ]

    def labels(nid: str, x: float, y: float) -> None:
        for text, colour, dy in ((_cell(values, nid, summary), VALUE, -4),
                                 (_cell(grads, nid, summary), GRAD, 10)):  # fmt: skip
            if text:
                parts.append(
                    f'<text x="{x:.1f}" y="{y + dy:.1f}" fill="{colour}" text-anchor="middle">'
                    f"{escape(text)}</text>"
                )

    for edge in doc.edges:
        (x0, y0), (x1, y1) = doc.nodes[edge.src].pos, doc.nodes[edge.dst].pos
        x0, x1 = x0 + WIDTH / 2, x1 - WIDTH / 2
        bend = max(abs(x1 - x0) / 2, 30.0)
        parts.append(
            f'<path d="M{x0:.1f},{y0:.1f} C{x0 + bend:.1f},{y0:.1f} {x1 - bend:.1f},{y1:.1f} '
            f'{x1:.1f},{y1:.1f}" fill="none" stroke="{WIRE}" stroke-width="1.5"/>'
        )
        parts.append(
            f'<text x="{x1 - 4:.1f}" y="{y1 - 4:.1f}" fill="{WIRE}" text-anchor="end" '
            f'font-size="9">{escape(edge.port)}</text>'
        )
        labels(edge.src, (x0 + x1) / 2, (y0 + y1) / 2)
    sources = {edge.src for edge in doc.edges}
    for nid, node in doc.nodes.items():
        x, y = node.pos
        parts.append(
            f'<rect x="{x - WIDTH / 2:.1f}" y="{y - HEIGHT / 2:.1f}" width="{WIDTH:.0f}" '
            f'height="{HEIGHT:.0f}" rx="8" fill="{BOX}" stroke="#374151"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-weight="bold">'
            f"{escape(node.label or nid)}</text>"
            f'<text x="{x:.1f}" y="{y + 11:.1f}" text-anchor="middle" fill="#4b5563">'
            f"{escape(node.op)}</text>"
        )
        if nid not in sources:
            labels(nid, x, y + HEIGHT / 2 + 16)
    parts.append("</svg>")
    return "\n".join(parts)


def _cell(arrays: dict[str, np.ndarray], nid: str, summary) -> str:
    return summary(arrays[nid]) if nid in arrays else ""
