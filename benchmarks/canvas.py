"""Canvas speed and memory on a generated graph of 1,000 nodes and 1,500 edges (offscreen).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/canvas.py [--nodes 1000] [--repeats 21]

Prints wall-clock medians (and process CPU time, which shows what other jobs on a shared
machine add), each with its target and, where the same work exists without a window, the ratio
against that headless reference:
- load: document from JSON + scene built + view shown, fitted and painted once (1600x1000)
  (reference: the document from JSON alone);
- repaint: median of a full viewport repaint after a pan and after a zoom (after WARMUP
  untimed steps): with every node in view (fitted, drawn as the overview), at the farthest
  zoom where nodes still draw themselves (about 250 in view), and at 1:1;
- move: median of 5 drags of 100 selected nodes with real mouse events (5 moves each),
  including the MoveNodes command, the document update, the edge updates and a repaint
  (reference: the same MoveNodes on a document without a scene);
- memory: resident-set growth from the document to the shown canvas, per node, and again
  after the repaint runs (node pixmaps cached at every zoom level).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtGui import QUndoStack  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from graphlab.document import DocEdge, DocNode, GraphDocument  # noqa: E402
from graphlab.fileformat import document_from_bytes, document_to_dict  # noqa: E402
from ui.canvas import GraphScene, GraphView  # noqa: E402
from ui.canvas.overview import LARGE_OVERVIEW_ZOOM  # noqa: E402
from ui.commands import MoveNodes  # noqa: E402

UNARY = ("negate", "relu", "tanh", "sigmoid", "exp", "abs")
BINARY = ("add", "multiply", "subtract", "max")
ROWS, COL_GAP, ROW_GAP = 25, 220.0, 110.0
#: pan and zoom steps made before timing (the first repaints of a view are slower)
WARMUP = 5
#: the farthest zoom where a large graph's nodes draw themselves (zoom steps go down by 1.1)
DETAILED_FAR = round(LARGE_OVERVIEW_ZOOM * 1.1 + 0.01, 2)
#: drags of the 100-node selection (each one MoveNodes)
MOVES = 5
WINDOW = 50  # an op reads from the WINDOW nodes made just before it (edges stay local)


def generated_graph(nodes: int = 1000, edges: int = 1500, seed: int = 0) -> GraphDocument:
    """An acyclic graph of real elementwise ops on (N, 16) inputs, every input port wired:
    leaves + unary + binary = nodes and unary + 2 binary = edges; laid out in a grid."""
    rng = np.random.default_rng(seed)
    binary = edges - (nodes - nodes // 10)
    unary = nodes - nodes // 10 - binary
    if binary < 0 or unary < 0:
        raise SystemExit(f"{nodes} nodes cannot carry {edges} edges with unary/binary ops")
    kinds = ["u"] * unary + ["b"] * binary
    rng.shuffle(kinds)
    doc = GraphDocument("generated")
    ids: list[str] = []

    def place(k: int) -> tuple[float, float]:
        return (k // ROWS * COL_GAP, k % ROWS * ROW_GAP)

    for k in range(nodes // 10):
        ids.append(doc.add_node(DocNode(f"in{k}", "input", {"shape": [-1, 16]}, place(k))).id)
    for kind in kinds:
        k = len(ids)
        op = rng.choice(UNARY if kind == "u" else BINARY)
        nid = doc.add_node(DocNode(f"n{k}", str(op), {}, place(k))).id
        window = ids[max(0, k - WINDOW) :]
        ports = ("x",) if kind == "u" else ("a", "b")
        for port in ports:
            doc.add_edge(DocEdge(window[rng.integers(len(window))], nid, port))
        ids.append(nid)
    return doc


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def timed_cpu(fn) -> tuple[float, float]:
    """(wall, process CPU) seconds of ``fn()``: CPU time shows what other jobs on a shared
    machine add to the wall time (Qt's own worker threads count as CPU too)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def median_ms(samples) -> tuple[float, float]:
    """Median wall and median CPU milliseconds of ``(wall, cpu)`` samples."""
    return (
        statistics.median(s[0] for s in samples) * 1e3,
        statistics.median(s[1] for s in samples) * 1e3,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--edges", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    raw = json.dumps(document_to_dict(generated_graph(args.nodes, args.edges))).encode()

    headless_load = min(timed(lambda: document_from_bytes(raw)) for _ in range(3))
    gc.collect()
    doc = document_from_bytes(raw)
    gc.collect()
    rss_before = rss_bytes()
    start = time.perf_counter()
    doc = document_from_bytes(raw)
    stack = QUndoStack()
    scene = GraphScene(doc, stack)
    view = GraphView(scene)
    view.resize(1600, 1000)
    view.show()
    QTest.qWaitForWindowExposed(view)
    view.fit_to_view()
    view.viewport().repaint()
    load = time.perf_counter() - start
    gc.collect()
    per_node_kb = (rss_bytes() - rss_before) / args.nodes / 1024
    assert len(scene.nodes) == args.nodes and len(scene.edges) == args.edges
    assert not scene.analysis.problems, "the generated graph should be valid"

    results = [("load and show", (load * 1e3, None), 1000.0, "ms", load / headless_load)]
    views = (
        ("fitted", None),
        (f"zoom {DETAILED_FAR:g}", DETAILED_FAR),
        ("1:1", 1.0),
    )
    for label, zoom_level in views:
        view.fit_to_view()
        if zoom_level is not None:
            view.resetTransform()
            view.scale(zoom_level, zoom_level)
            view.centerOn(scene.nodes["n500"])
        pans, zooms = [], []
        for k in range(-WARMUP, args.repeats):
            step = 37 if k % 2 == 0 else -37

            def pan(step=step):
                view.pan_by(step, step // 2)
                view.viewport().repaint()

            pans.append(timed_cpu(pan))
            factor = 1.1 if k % 2 == 0 else 1 / 1.1
            centre = QPointF(view.viewport().rect().center())

            def zoom(factor=factor, centre=centre):
                view.zoom_by(factor, centre)
                view.viewport().repaint()

            zooms.append(timed_cpu(zoom))
        pans, zooms = pans[WARMUP:], zooms[WARMUP:]
        results.append((f"repaint after pan ({label})", median_ms(pans), 16.0, "ms", None))
        results.append((f"repaint after zoom ({label})", median_ms(zooms), 16.0, "ms", None))

    gc.collect()
    browsed_kb = (rss_bytes() - rss_before) / args.nodes / 1024

    view.resetTransform()
    chosen = [f"n{k}" for k in range(300, 400)]
    scene.select_ids(chosen)
    grip_item = scene.nodes["n350"]
    view.centerOn(grip_item)
    viewport = view.viewport()
    viewport.repaint()

    def drag():
        grip = view.mapFromScene(grip_item.pos() + QPointF(60, 8))
        QTest.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, grip)
        for i in range(1, 6):
            QTest.mouseMove(viewport, grip + QPointF(12 * i, 7 * i).toPoint())
        QTest.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, grip + QPointF(60, 35).toPoint())
        viewport.repaint()

    moves = [timed_cpu(drag) for _ in range(MOVES)]
    start = document_from_bytes(raw).nodes["n300"].pos
    assert stack.count() == MOVES and doc.nodes["n300"].pos == (start[0] + 300, start[1] + 175)
    reference = document_from_bytes(raw)
    headless = []
    for _ in range(MOVES):
        positions = {
            nid: (reference.nodes[nid].pos[0] + 60, reference.nodes[nid].pos[1] + 35)
            for nid in chosen
        }
        headless.append(
            timed(lambda positions=positions: QUndoStack().push(MoveNodes(reference, positions)))
        )
    move = median_ms(moves)
    results.append(
        ("move 100 selected nodes", move, None, "ms", move[0] / 1e3 / statistics.median(headless))
    )
    results.append(("memory per node", (per_node_kb, None), 50.0, "KB", None))
    results.append(("  after all the zooming above", (browsed_kb, None), 50.0, "KB", None))

    print(f"canvas benchmark: {args.nodes} nodes, {args.edges} edges, view 1600x1000, offscreen")
    for name, (value, cpu), target, unit, ratio in results:
        goal = f"target < {target:g} {unit}" if target else "no target"
        verdict = "" if target is None else ("ok" if value < target else "MISSED")
        cpu_text = f"(cpu {cpu:5.1f})" if cpu is not None else " " * 11
        extra = f"  x{ratio:.1f} headless" if ratio else ""
        print(f"  {name:32s} {value:8.1f} {unit:2s} {cpu_text}  ({goal}) {verdict}{extra}")
    app.processEvents()


if __name__ == "__main__":
    main()
