"""Keyboard edits, zoom and fit, context menus, and the scene following the document."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QGraphicsItem, QInputDialog

from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.examples import open_graph
from graphlab.fileformat import document_to_dict
from ui.commands import RemoveNodes, SetAttrs


def circuit(canvas):
    return canvas(open_graph("circuit-add-mul"))


def test_delete_key_removes_the_selection_and_undo_brings_it_back(canvas):
    c = circuit(canvas)
    before = document_to_dict(c.doc)
    c.scene.select_ids(["q"])
    c.key(Qt.Key_Delete)
    assert "q" not in c.doc.nodes and "q" not in c.scene.nodes
    assert len(c.doc.edges) == 1 and len(c.scene.edges) == 1
    c.stack.undo()
    assert document_to_dict(c.doc) == before
    assert set(c.scene.edges) == set(c.doc.edges) and set(c.scene.nodes) == set(c.doc.nodes)


def test_copy_paste_duplicate_and_cut_through_shortcuts(canvas):
    c = circuit(canvas)
    c.scene.select_ids(["x", "y", "q"])
    c.key(Qt.Key_C, Qt.ControlModifier)
    c.key(Qt.Key_V, Qt.ControlModifier)
    assert list(c.doc.nodes)[5:] == ["x1", "y1", "q1"]
    assert c.doc.edges[4:] == [DocEdge("x1", "q1", "a"), DocEdge("y1", "q1", "b")]
    qx, qy = c.doc.nodes["q"].pos
    assert c.doc.nodes["q1"].pos == (qx + 40.0, qy + 40.0)  # pasted 40 units down and right
    assert c.scene.selected_ids() == ["x1", "y1", "q1"]
    assert c.stack.count() == 1
    c.key(Qt.Key_D, Qt.ControlModifier)
    assert list(c.doc.nodes)[8:] == ["x2", "y2", "q2"] and c.doc.nodes["q2"].pos == (
        qx + 80.0,
        qy + 80.0,
    )
    c.key(Qt.Key_X, Qt.ControlModifier)
    assert "q2" not in c.doc.nodes and c.stack.count() == 3
    c.key(Qt.Key_V, Qt.ControlModifier)
    assert {"x2", "y2", "q2"} <= set(c.doc.nodes) and c.stack.count() == 4
    for _ in range(4):
        c.stack.undo()
    assert list(c.doc.nodes) == ["x", "y", "z", "q", "f"] and len(c.scene.nodes) == 5


def test_pasted_template_gets_its_own_group(canvas):
    c = canvas()
    c.drop("template:Linear layer", QPointF(0, 0))
    c.key(Qt.Key_A, Qt.ControlModifier)
    assert len(c.scene.selected_ids()) == 3
    c.key(Qt.Key_D, Qt.ControlModifier)
    groups = {n.id: n.group for n in c.doc.nodes.values()}
    assert groups["fc2"] == groups["fc2_W"] == groups["fc2_b"] == "fc2"
    assert groups["fc1_W"] == "fc1"


def test_select_all_key_selects_every_node(canvas):
    c = circuit(canvas)
    seen = []
    c.scene.selectedNodesChanged.connect(seen.append)
    c.key(Qt.Key_A, Qt.ControlModifier)
    assert c.scene.selected_ids() == list(c.doc.nodes)
    assert seen[-1] == list(c.doc.nodes)


def test_wheel_zooms_around_the_cursor(canvas):
    c = canvas(open_graph("cnn-digits"))
    cursor = QPointF(700, 200)
    under = c.view.mapToScene(cursor.toPoint())
    for steps in (2, 3, -1):
        zoom = c.view.zoom()
        wheel = QWheelEvent(
            cursor,
            c.view.viewport().mapToGlobal(cursor),
            QPoint(),
            QPoint(0, 120 * steps),
            Qt.NoButton,
            Qt.NoModifier,
            Qt.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(c.viewport, wheel)
        assert abs(c.view.zoom() - zoom * 1.2**steps) < 1e-9
        now = c.view.mapToScene(cursor.toPoint())
        tolerance = 1.5 / c.view.zoom()  # one viewport pixel of rounding
        assert abs(now.x() - under.x()) <= tolerance and abs(now.y() - under.y()) <= tolerance


def test_fit_shows_every_node(canvas):
    c = canvas(open_graph("cnn-digits"))
    c.view.zoom_by(3.0, QPointF(10, 10))
    visible = c.view.visible_scene_rect()
    assert not all(visible.contains(i.sceneBoundingRect()) for i in c.scene.nodes.values())
    c.key(Qt.Key_F)
    visible = c.view.visible_scene_rect()
    assert all(visible.contains(i.sceneBoundingRect()) for i in c.scene.nodes.values())
    assert c.view.zoom() > 0.3  # fitted, not shrunk to nothing


def test_middle_button_pans(canvas):
    c = circuit(canvas)
    centre = c.view.mapToScene(c.viewport.rect().center())
    QTest.mousePress(c.viewport, Qt.MiddleButton, Qt.NoModifier, c.viewport.rect().center())
    QTest.mouseMove(c.viewport, c.viewport.rect().center() + QPointF(100, 40).toPoint())
    QTest.mouseRelease(
        c.viewport,
        Qt.MiddleButton,
        Qt.NoModifier,
        c.viewport.rect().center() + QPointF(100, 40).toPoint(),
    )
    moved = c.view.mapToScene(c.viewport.rect().center())
    zoom = c.view.zoom()
    assert abs((centre.x() - moved.x()) * zoom - 100) <= 1.5
    assert abs((centre.y() - moved.y()) * zoom - 40) <= 1.5
    assert c.stack.count() == 0 and not c.scene.selected_ids()


def test_space_and_left_drag_pans_without_selecting_or_moving(canvas):
    c = circuit(canvas)
    q = c.scene.nodes["q"]
    qx, qy = c.doc.nodes["q"].pos
    grip = q.pos() + QPointF(60, 8)
    before = c.view.mapFromScene(grip)
    QTest.keyPress(c.view, Qt.Key_Space)
    c.drag(grip, grip + QPointF(-80, 50))
    QTest.keyRelease(c.view, Qt.Key_Space)
    assert c.doc.nodes["q"].pos == (qx, qy) and c.stack.count() == 0
    shift = c.view.mapFromScene(grip) - before
    assert abs(shift.x() - round(-80 * c.view.zoom())) <= 1
    assert abs(shift.y() - round(50 * c.view.zoom())) <= 1
    c.drag(grip, grip + QPointF(40, 0))  # space released: the same drag moves q
    assert c.doc.nodes["q"].pos == (qx + 40.0, qy)


def test_snapped_drop_and_paste_at_a_background_point(canvas):
    c = canvas()
    c.view.edit_actions()["snap"].setChecked(True)
    c.drop("op:tanh", QPointF(133, 71))
    x, y = c.doc.nodes["tanh1"].pos
    assert x % 20 == 0 and y % 20 == 0
    c.key(Qt.Key_C, Qt.ControlModifier)
    menu = c.view.context_menu(c.at(QPointF(400, 300)))
    next(a for a in menu.actions() if a.text() == "Paste").trigger()
    pasted = c.doc.nodes["tanh2"].pos
    at = c.view.mapToScene(c.at(QPointF(400, 300)))
    assert pasted == (at.x(), at.y())


def test_automatic_layout_is_one_command(canvas):
    c = canvas(open_graph("cnn-digits"))
    for nid in c.doc.nodes:
        c.doc.move_node(nid, (0.0, 0.0))
    c.view.edit_actions()["layout"].trigger()
    assert c.stack.count() == 1
    assert len({n.pos for n in c.doc.nodes.values()}) == len(c.doc.nodes)
    c.stack.undo()
    assert {n.pos for n in c.doc.nodes.values()} == {(0.0, 0.0)}
    assert {(i.x(), i.y()) for i in c.scene.nodes.values()} == {(0.0, 0.0)}


def test_context_menus_for_nodes_edges_and_background(canvas, monkeypatch):
    c = circuit(canvas)
    q = c.scene.nodes["q"]
    node_menu = c.view.context_menu(c.at(q.pos() + QPointF(60, 30)))
    texts = [a.text() for a in node_menu.actions()]
    assert texts == ["Rename…", "Duplicate", "Delete"]
    assert c.scene.selected_ids() == ["q"]
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("sum", True))
    node_menu.actions()[0].trigger()
    assert c.doc.nodes["q"].label == "sum" and q.title == "sum"
    edge = c.scene.edges[DocEdge("q", "f", "a")]
    middle = edge.path().pointAtPercent(0.5)
    edge_menu = c.view.context_menu(c.at(middle))
    assert [a.text() for a in edge_menu.actions()] == ["Disconnect"]
    edge_menu.actions()[0].trigger()
    assert DocEdge("q", "f", "a") not in c.doc.edges
    background = c.view.context_menu(c.at(QPointF(100, 400)))
    assert [a.text() for a in background.actions()] == ["Paste", "Automatic layout", "Fit to view"]
    c.stack.undo()
    c.stack.undo()
    assert c.doc.nodes["q"].label == "" and DocEdge("q", "f", "a") in c.doc.edges


def test_scene_follows_undo_of_a_remove_and_a_reset(canvas):
    c = canvas(open_graph("cnn-digits"))
    c.stack.push(RemoveNodes(c.doc, ["conv2", "fc_W"]))
    assert "conv2" not in c.scene.nodes and len(c.scene.edges) == len(c.doc.edges)
    c.stack.undo()
    assert set(c.scene.nodes) == set(c.doc.nodes) and set(c.scene.edges) == set(c.doc.edges)
    c.doc.replace_with(open_graph("circuit-add-mul"))
    assert set(c.scene.nodes) == {"x", "y", "z", "q", "f"} and len(c.scene.edges) == 4
    c.settle()
    assert c.scene.nodes["f"].shape_text == "()"
    assert len([i for i in c.scene.items() if i.parentItem() is None]) == 5 + 4 + 3


def test_badges_show_the_engine_message_and_clear_when_fixed(canvas):
    c = canvas(open_graph("cnn-digits"))
    seen = []
    c.scene.analysisChanged.connect(seen.append)
    assert not any(i.problem for i in c.scene.nodes.values())
    c.stack.push(SetAttrs(c.doc, "fc_W", {"shape": [100, 10], "init": "he"}))
    c.settle()
    problem = c.scene.analysis.problems["fc"]
    fc = c.scene.nodes["fc"]
    assert fc.badge is not None and fc.badge.isVisible() and fc.badge.toolTip() == problem
    assert "128" in problem and "100" in problem
    assert seen and seen[-1] is c.scene.analysis
    c.stack.undo()
    c.settle()
    assert not fc.badge.isVisible() and fc.shape_text == "(N, 10)"


def test_analysis_is_coalesced_after_many_changes(canvas, qtbot):
    c = canvas(GraphDocument())
    runs = []
    c.scene.analysisChanged.connect(runs.append)
    for k in range(5):
        c.doc.add_node(DocNode(f"n{k}", "negate"))
    qtbot.waitUntil(lambda: len(runs) == 1)
    QApplication.processEvents()
    assert len(runs) == 1 and set(runs[0].problems) == {f"n{k}" for k in range(5)}


NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents


def test_far_out_the_overview_draws_and_nodes_stay_selectable(canvas):
    c = canvas(open_graph("cnn-digits"))
    c.view.zoom_by(0.2, QPointF(500, 350))
    c.viewport.repaint()
    overview = c.scene.overview
    assert overview.isVisible()
    assert all(i.flags() & NO_CONTENTS for i in c.scene.nodes.values())
    conv1 = c.scene.nodes["conv1"]
    c.click(conv1.pos() + QPointF(80, 10))
    assert c.scene.selected_ids() == ["conv1"]
    c.drag(conv1.pos() + QPointF(80, 10), conv1.pos() + QPointF(80, 10) + QPointF(200, 0), 2)
    assert c.doc.nodes["conv1"].pos[0] > 300 and c.stack.count() == 1
    overview.setVisible(False)  # as a picture export does: the items draw themselves again
    assert not any(i.flags() & NO_CONTENTS for i in c.scene.edges.values())
    c.viewport.repaint()
    assert overview.isVisible()
    c.view.fit_to_view()
    c.viewport.repaint()
    assert not overview.isVisible()
    assert not any(i.flags() & NO_CONTENTS for i in c.scene.nodes.values())


def test_double_click_renames_and_an_empty_label_shows_the_id(canvas, monkeypatch):
    c = circuit(canvas)
    q = c.scene.nodes["q"]
    answers = iter([("q = x + y", True), ("", True), ("ignored", False)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))

    def double_click():
        QTest.mouseDClick(c.viewport, Qt.LeftButton, Qt.NoModifier, c.at(q.pos() + QPointF(60, 30)))

    double_click()
    assert c.doc.nodes["q"].label == "q = x + y" and q.title == "q = x + y"
    double_click()
    assert c.doc.nodes["q"].label == "" and q.title == "q"
    double_click()  # cancelled
    assert c.doc.nodes["q"].label == "" and c.stack.count() == 2
