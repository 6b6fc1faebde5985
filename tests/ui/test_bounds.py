"""Bounded pictures and menus: a PNG of a far-flung graph is scaled down (fast, small), the
canvas grid stays cheap on any rectangle, and context menus are deleted after use."""

import json
import subprocess
import sys

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, QTimer
from PySide6.QtGui import QContextMenuEvent, QImage, QPainter, QPicture
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from graphlab.document import DocNode
from graphlab.examples import open_graph
from graphlab.fileformat import save_document
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.canvas.scene import MAX_GRID_LINES
from ui.canvas_export import MAX_BYTES, MAX_SIDE

#: exports a graph with one node FAR units away along (dx, dy); prints time and peak RSS growth
FAR_EXPORT = """
import json, resource, sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from PySide6.QtGui import QImage, QUndoStack
from graphlab.document import DocNode
from graphlab.examples import open_graph
from ui.canvas import GraphScene
from ui.canvas_export import export_png
results = []
for dx, dy in json.loads(sys.argv[2]):
    doc = open_graph("circuit-add-mul")
    doc.add_node(DocNode("far", "input", {"shape": [1]}, (dx, dy)))
    scene = GraphScene(doc, QUndoStack())
    app.processEvents()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    picture = export_png(scene, sys.argv[1])
    seconds = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    image = QImage(sys.argv[1])
    results.append(dict(seconds=seconds, grown_mb=grown, note=picture.note(),
                        size=[image.width(), image.height()], colours=len(set(
                            image.pixel(x, y) for x in range(0, image.width(), 7)
                            for y in range(0, image.height(), 7)))))
    scene.detach()
print(json.dumps(results))
"""


def test_png_of_a_node_100000_units_away_is_scaled_down_in_time_and_memory(tmp_path):
    """Along x, diagonally and up-left: under 5 s and 500 MB each (measured in a fresh process)."""
    far = [(100_000, 0), (100_000, 100_000), (-100_000, -60_000)]
    run = subprocess.run(
        [sys.executable, "-c", FAR_EXPORT, str(tmp_path / "far.png"), json.dumps(far)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    for (dx, dy), result in zip(far, json.loads(run.stdout.splitlines()[-1]), strict=True):
        width, height = result["size"]
        assert result["seconds"] < 5 and result["grown_mb"] < 500, (dx, dy, result)
        assert max(width, height) <= MAX_SIDE and width * height * 4 <= MAX_BYTES
        assert result["note"].startswith(f"scaled down to {width} x {height} pixels")
        assert result["colours"] > 3  # nodes and edges drawn, not a blank picture


def test_graphlab_export_png_says_the_picture_was_scaled(tmp_path):
    doc = open_graph("circuit-add-mul")
    doc.add_node(DocNode("far", "input", {"shape": [1]}, (0.0, 100_000.0)))
    save_document(doc, tmp_path / "far.json")
    png = tmp_path / "far.png"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "graphlab.cli",
            "export",
            str(tmp_path / "far.json"),
            "--png",
            str(png),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    image = QImage(str(png))
    assert image.height() == MAX_SIDE and image.width() < 200
    assert f"wrote {png} (scaled down to {image.width()} x {MAX_SIDE} pixels" in run.stdout


def test_export_menu_says_the_picture_was_scaled(qtbot, isolated_settings, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot)
    window.scene.select_ids(["x"])
    window.view.editor.copy()
    window.view.editor.paste(QPointF(60_000, 20_000))
    assert window.export_menu.export("Picture (PNG)...", str(tmp_path / "far.png"))
    message = window.statusBar().currentMessage()
    assert "scaled down to" in message and f"{MAX_SIDE} pixels a side" in message
    image = QImage(str(tmp_path / "far.png"))
    assert image.width() <= MAX_SIDE and image.width() * image.height() * 4 <= MAX_BYTES


def test_the_grid_of_any_rectangle_is_a_bounded_number_of_lines(qtbot, isolated_settings):  # noqa: F811
    """Drawn at twice the scale over 400,000 units (a picture of a far-flung graph)."""
    window = make_window(qtbot)
    recorded = {}
    for name, side in (("small", 2_000.0), ("huge", 400_000.0)):
        picture = QPicture()
        painter = QPainter(picture)
        painter.scale(2, 2)
        window.scene.drawBackground(painter, QRectF(-side / 2, -side / 2, side, side))
        painter.end()
        recorded[name] = picture.size()
    # the small one holds 2 * 100 lines; the huge one at most MAX_GRID_LINES, not 40,000
    per_line = recorded["small"] / 200
    assert recorded["huge"] < per_line * MAX_GRID_LINES * 1.5


def test_context_menus_are_deleted_after_use(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot)
    view = window.view
    node = window.scene.nodes["q"].sceneBoundingRect().center()
    places = [view.mapFromScene(node), QPoint(5, 5)]  # a node and the background
    opened = []

    def close_menu():
        menu = QApplication.activePopupWidget()
        opened.append(menu)
        menu.close()

    for i in range(20):
        QTimer.singleShot(0, close_menu)
        pos = places[i % 2]
        event = QContextMenuEvent(QContextMenuEvent.Mouse, pos, view.viewport().mapToGlobal(pos))
        QApplication.sendEvent(view.viewport(), event)
    assert len(opened) == 20 and all(isinstance(m, QMenu) for m in opened)
    QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    assert view.findChildren(QMenu) == []


@pytest.mark.parametrize("far", [45_000, 100_000])
def test_a_far_node_does_not_break_the_view(qtbot, isolated_settings, monkeypatch, far):  # noqa: F811
    """Fit to view and paint with a node far away (the scene's rectangle is 100,000 wide)."""
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot)
    window.scene.select_ids(["x"])
    window.view.editor.copy()
    window.view.editor.paste(QPointF(far, far))
    window.view.fit_to_view()
    assert not window.view.grab().isNull()


def test_repeated_actions_leave_no_objects_behind(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    """Rounds of add, delete, undo, redo, context menu, step, export: the window's QObjects
    stay as many after the second round as after the first."""
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "two-layer-net-spiral")
    view, actions = window.view, window.actions
    pos = QPoint(40, 40)

    def menu():
        QTimer.singleShot(0, lambda: QApplication.activePopupWidget().close())
        event = QContextMenuEvent(QContextMenuEvent.Mouse, pos, view.viewport().mapToGlobal(pos))
        QApplication.sendEvent(view.viewport(), event)

    def one_round():
        for _ in range(10):
            window.add_from_palette("op:relu")
            window.canvas_actions["delete"].trigger()
            actions["undo"].trigger()
            actions["undo"].trigger()
            actions["redo"].trigger()
            menu()
            window.stepper.toolbar.actions_by_name["run_forward"].trigger()
        QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        return len(window.findChildren(QObject))

    first = one_round()
    assert one_round() == first
