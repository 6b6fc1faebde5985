"""Canvas tools of issue 29 on a generated graph (offscreen): how long the quick-add search
box takes to open with every op registered, grouping a 1,000-node selection and entering a
group of 500.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/canvas_tools.py [--nodes 1000] [--repeats 11]

Prints the median wall-clock time of each, its budget and the ratio time/budget (below 1 is
within budget):
- quick add: the box opened at a point of a shown 1600x1000 view (every op and template
  listed, the search field focused) and painted once;
- group: Ctrl+G's work on a selection of every node (the command, the document's groups, the
  canvas hiding the members, drawing one group item with its ports) and one repaint; then the
  undo (the nodes shown again) is timed the same way;
- enter: entering a group of the middle half of the nodes (showing its members, a stub
  placed for each wire crossing its border) and fitting the view to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from canvas import generated_graph  # noqa: E402
from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtGui import QUndoStack  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine.ops import REGISTRY  # noqa: E402
from ui.canvas import GraphScene, GraphView  # noqa: E402

QUICK_ADD_BUDGET_MS, GROUP_BUDGET_MS = 100.0, 1000.0


def median_ms(fn, repeats: int, after=None) -> float:
    """Median wall milliseconds of ``fn()`` followed by a repaint (``after()`` untimed)."""
    app, samples = QApplication.instance(), []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        app.processEvents()
        samples.append((time.perf_counter() - start) * 1000)
        if after is not None:
            after()
            app.processEvents()
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--edges", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    doc = generated_graph(args.nodes, args.edges)
    stack = QUndoStack()
    scene = GraphScene(doc, stack)
    view = GraphView(scene)
    view.resize(1600, 1000)
    view.show()
    view.fit_to_view()
    app.processEvents()
    box = view.quick_add
    opened = median_ms(lambda: box.open_at(QPoint(400, 300)), args.repeats, box.close_box)
    assert len(box.entries) >= len(REGISTRY)

    def group() -> None:
        scene.select_ids(doc.nodes)
        view.grouper.group()

    grouped = median_ms(group, args.repeats, stack.undo)
    group()
    undone = median_ms(stack.undo, args.repeats, stack.redo)
    stack.undo()
    middle = list(doc.nodes)[len(doc.nodes) // 4 : 3 * len(doc.nodes) // 4]
    scene.select_ids(middle)
    gid = view.grouper.group()
    entered = median_ms(lambda: view.grouper.enter(gid), args.repeats, view.grouper.leave)
    view.grouper.enter(gid)
    stubs = len(scene.groups.stubs.items)
    print(f"{len(doc.nodes)} nodes, {len(doc.edges)} edges, {len(box.entries)} entries to search")
    print("| what | median | budget | ratio |")
    print("|---|---|---|---|")
    for what, ms, budget in (
        ("quick add opens", opened, QUICK_ADD_BUDGET_MS),
        (f"group {len(doc.nodes)} nodes", grouped, GROUP_BUDGET_MS),
        (f"undo the group of {len(doc.nodes)} nodes", undone, GROUP_BUDGET_MS),
        (f"enter a group of {len(middle)} nodes ({stubs} stubs)", entered, GROUP_BUDGET_MS),
    ):
        print(f"| {what} | {ms:.1f} ms | {budget:.0f} ms | {ms / budget:.3f} |")


if __name__ == "__main__":
    main()
