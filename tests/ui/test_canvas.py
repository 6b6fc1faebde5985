"""The canvas with real mouse, keyboard and drop events: drops, wiring, moving, undo."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.templates import LAYER_TEMPLATES
from ui.canvas.node_item import FAR_MIN_PX, NODE_WIDTH, TITLE_H


def chain_doc() -> GraphDocument:
    """a -> n1 -> n2 (scalar negations), spread out so ports are easy to hit."""
    doc = GraphDocument()
    doc.add_node(DocNode("a", "input", {"shape": [3]}, (0, 0)))
    doc.add_node(DocNode("n1", "negate", {}, (300, 0)))
    doc.add_node(DocNode("n2", "negate", {}, (600, 0)))
    doc.add_edge(DocEdge("a", "n1", "x"))
    doc.add_edge(DocEdge("n1", "n2", "x"))
    return doc


def test_dropping_an_op_adds_a_node_at_the_drop_position(canvas):
    c = canvas()
    where = QPointF(120, 80)
    assert c.drop("op:relu", where)
    assert list(c.doc.nodes) == ["relu1"]
    node = c.doc.nodes["relu1"]
    at = c.view.mapToScene(c.at(where))  # the drop point after rounding to a pixel
    assert node.pos == (at.x() - NODE_WIDTH / 2, at.y() - TITLE_H / 2)
    assert c.scene.nodes["relu1"].pos() == QPointF(*node.pos)
    assert c.scene.selected_ids() == ["relu1"]
    c.stack.undo()
    assert not c.doc.nodes and not c.scene.nodes


def test_dropping_a_template_adds_its_wired_group_in_one_command(canvas):
    c = canvas()
    assert c.drop("template:Conv layer", QPointF(300, 0))
    assert c.stack.count() == 1
    assert {n.op for n in c.doc.nodes.values()} == {"conv2d", "parameter"}
    assert {n.group for n in c.doc.nodes.values()} == {"conv1"}
    assert sorted(e.port for e in c.doc.edges) == ["b", "w"]
    assert {"Linear layer", "Conv layer", "BatchNorm layer"} <= set(LAYER_TEMPLATES)


def test_dropping_an_unknown_op_changes_nothing(canvas):
    c = canvas()
    assert not c.drop("op:no_such_op", QPointF(0, 0))
    assert not c.doc.nodes and c.stack.count() == 0
    assert "no_such_op" in c.scene.wiring.message.text


def test_dragging_output_to_input_connects(canvas):
    doc = chain_doc()
    doc.add_node(DocNode("b", "input", {"shape": [3]}, (0, 200)))
    doc.add_node(DocNode("s", "add", {}, (300, 200)))
    c = canvas(doc)
    c.drag(c.scene.nodes["b"].output_pos(), c.scene.nodes["s"].input_pos("b"))
    assert DocEdge("b", "s", "b") in doc.edges
    assert DocEdge("b", "s", "b") in c.scene.edges
    assert c.stack.count() == 1
    c.stack.undo()
    assert DocEdge("b", "s", "b") not in doc.edges and DocEdge("b", "s", "b") not in c.scene.edges


def test_a_wire_from_a_node_to_itself_is_refused_with_the_reason(canvas):
    doc = chain_doc()
    doc.add_node(DocNode("s", "add", {}, (300, 200)))
    doc.add_edge(DocEdge("n2", "s", "a"))
    c = canvas(doc)
    before = (dict(doc.nodes), list(doc.edges))
    c.drag(c.scene.nodes["s"].output_pos(), c.scene.nodes["s"].input_pos("b"))
    assert (dict(doc.nodes), list(doc.edges)) == before and c.stack.count() == 0
    message = c.scene.wiring.message
    assert message.isVisible() and "feed itself" in message.text
    assert not c.scene.wiring.wire.isVisible()


def test_a_cycle_through_other_nodes_is_refused_and_shown(canvas):
    doc = chain_doc()
    doc.add_node(DocNode("m", "multiply", {}, (300, 250)))
    c = canvas(doc)
    before = list(doc.edges)
    c.drag(c.scene.nodes["n2"].output_pos(), c.scene.nodes["m"].input_pos("a"))
    assert c.stack.count() == 1
    c.drag(c.scene.nodes["m"].output_pos(), c.scene.nodes["n1"].input_pos("x"))
    assert "already connected" in c.scene.wiring.message.text
    # detach a -> n1 and re-drop it on m.b: one reconnect step
    c.drag(c.scene.nodes["n1"].input_pos("x"), c.scene.nodes["m"].input_pos("b"))
    assert doc.edges == [before[1], DocEdge("n2", "m", "a"), DocEdge("a", "m", "b")]
    c.stack.undo()
    assert doc.edges == [*before, DocEdge("n2", "m", "a")]
    doc.remove_edge(DocEdge("a", "n1", "x"))
    snapshot = list(doc.edges)
    c.drag(c.scene.nodes["m"].output_pos(), c.scene.nodes["n1"].input_pos("x"))
    assert doc.edges == snapshot
    message = c.scene.wiring.message
    assert message.isVisible()
    assert message.text == "that would make a cycle: n1 -> n2 -> m -> n1"


def test_a_shape_mismatch_is_refused_with_both_shapes(canvas):
    doc = GraphDocument()
    doc.add_node(DocNode("u", "input", {"shape": [2, 3]}, (0, 0)))
    doc.add_node(DocNode("v", "input", {"shape": [4, 5]}, (0, 200)))
    doc.add_node(DocNode("s", "add", {}, (300, 100)))
    doc.add_edge(DocEdge("u", "s", "a"))
    c = canvas(doc)
    c.drag(c.scene.nodes["v"].output_pos(), c.scene.nodes["s"].input_pos("b"))
    assert len(doc.edges) == 1 and c.stack.count() == 0
    text = c.scene.wiring.message.text
    assert "(2, 3)" in text and "(4, 5)" in text


def test_dragging_a_connected_input_detaches_and_redrops_the_edge(canvas):
    doc = chain_doc()
    doc.add_node(DocNode("s", "add", {}, (300, 200)))
    c = canvas(doc)
    c.drag(c.scene.nodes["n1"].input_pos("x"), c.scene.nodes["s"].input_pos("a"))
    assert DocEdge("a", "s", "a") in doc.edges and DocEdge("a", "n1", "x") not in doc.edges
    assert c.stack.count() == 1  # one "Reconnect" step
    c.drag(c.scene.nodes["s"].input_pos("a"), QPointF(150, 400))
    assert DocEdge("a", "s", "a") not in doc.edges and len(doc.edges) == 1
    c.stack.undo()
    c.stack.undo()
    assert doc.edges == [DocEdge("a", "n1", "x"), DocEdge("n1", "n2", "x")]
    assert set(c.scene.edges) == set(doc.edges)


def test_moving_a_selection_pushes_one_command_and_undo_restores(canvas):
    c = canvas(chain_doc())
    c.view.edit_actions()["select_all"].trigger()
    assert c.scene.selected_ids() == ["a", "n1", "n2"]
    grip = c.scene.nodes["n1"].pos() + QPointF(60, 8)
    c.drag(grip, grip + QPointF(50, 30))
    moved = {nid: n.pos for nid, n in c.doc.nodes.items()}
    assert moved["a"] == (50.0, 30.0) and moved["n2"] == (650.0, 30.0)
    assert c.stack.count() == 1
    edge = c.scene.edges[DocEdge("a", "n1", "x")]
    assert edge.path().pointAtPercent(1.0) == c.scene.nodes["n1"].input_pos("x")
    c.stack.undo()
    assert [n.pos for n in c.doc.nodes.values()] == [(0, 0), (300, 0), (600, 0)]
    assert c.scene.nodes["n2"].pos() == QPointF(600, 0)
    assert edge.path().pointAtPercent(0.0) == c.scene.nodes["a"].output_pos()


def test_snapping_rounds_a_dragged_node_to_the_grid(canvas):
    c = canvas(chain_doc())
    c.view.edit_actions()["snap"].setChecked(True)
    grip = c.scene.nodes["n1"].pos() + QPointF(60, 8)
    c.click(grip)
    c.drag(grip, grip + QPointF(33, 27))
    assert c.doc.nodes["n1"].pos == (340.0, 20.0)


def test_rubber_band_and_click_selection(canvas):
    c = canvas(chain_doc())
    c.drag(QPointF(-50, -50), QPointF(480, 120))
    assert c.scene.selected_ids() == ["a", "n1"]
    c.click(c.scene.nodes["n2"].pos() + QPointF(60, 8))
    assert c.scene.selected_ids() == ["n2"]
    c.click(c.scene.nodes["a"].pos() + QPointF(60, 8), Qt.ControlModifier)
    assert c.scene.selected_ids() == ["a", "n2"]
    assert c.stack.count() == 0


def test_each_dropped_template_gets_fresh_ids_and_its_own_group(canvas):
    c = canvas()
    c.drop("template:Conv layer", QPointF(300, 0))
    c.drop("template:Conv layer", QPointF(300, 300))
    c.drop("template:BatchNorm layer", QPointF(700, 0))
    groups = {}
    for node in c.doc.nodes.values():
        groups.setdefault(node.group, []).append(node.id)
    assert groups == {
        "conv1": ["conv1_W", "conv1_b", "conv1"],
        "conv2": ["conv2_W", "conv2_b", "conv2"],
        "bn1": ["bn1_gamma", "bn1_beta", "bn1"],
    }
    c.settle()
    # only the data inputs are open: each op node says so, its parameters have shapes
    assert c.scene.analysis.problems == {
        nid: "input port 'x' is not connected" for nid in ("conv1", "conv2", "bn1")
    }
    assert c.scene.nodes["conv2_W"].shape_text == "(8, 1, 3, 3)"


def test_a_node_far_away_is_reachable(canvas):
    c = canvas()
    c.doc.add_node(DocNode("far", "negate", {}, (90_000.0, -70_000.0)))
    c.view.fit_to_view()
    visible = c.view.visible_scene_rect()
    assert visible.contains(c.scene.nodes["far"].sceneBoundingRect())


def test_the_wire_shows_before_release_whether_it_may_connect(canvas):
    doc = chain_doc()
    doc.add_node(DocNode("s", "add", {}, (300, 200)))
    c = canvas(doc)
    wire = c.scene.wiring.wire
    start = c.at(c.scene.nodes["n2"].output_pos())
    QTest.mousePress(c.viewport, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(c.viewport, c.at(QPointF(450, 150)))
    assert wire.isVisible() and wire.verdict is None
    QTest.mouseMove(c.viewport, c.at(c.scene.nodes["n1"].input_pos("x")))
    assert wire.verdict is False  # taken, and it would close a cycle
    QTest.mouseMove(c.viewport, c.at(c.scene.nodes["s"].input_pos("b")))
    assert wire.verdict is True
    QTest.mouseRelease(
        c.viewport, Qt.LeftButton, Qt.NoModifier, c.at(c.scene.nodes["s"].input_pos("b"))
    )
    assert DocEdge("n2", "s", "b") in doc.edges and not wire.isVisible()


def test_escape_cancels_a_detaching_drag(canvas):
    c = canvas(chain_doc())
    edge = DocEdge("a", "n1", "x")
    QTest.mousePress(
        c.viewport, Qt.LeftButton, Qt.NoModifier, c.at(c.scene.nodes["n1"].input_pos("x"))
    )
    QTest.mouseMove(c.viewport, c.at(QPointF(150, 300)))
    assert not c.scene.edges[edge].isVisible() and c.scene.wiring.wire.isVisible()
    QTest.keyClick(c.view, Qt.Key_Escape)
    QTest.mouseRelease(c.viewport, Qt.LeftButton, Qt.NoModifier, c.at(QPointF(150, 300)))
    assert edge in c.doc.edges and c.scene.edges[edge].isVisible() and c.stack.count() == 0
    assert not c.scene.wiring.wire.isVisible()


def test_far_out_a_node_shows_its_title_large_enough_to_read(canvas):
    c = canvas()
    c.doc.add_node(DocNode("conv1_W", "parameter", {"shape": [4]}, (0, 0)))
    c.doc.add_node(DocNode("n", "negate", {}, (300, 0), label="a label far too long to fit"))
    short, long = c.scene.nodes["conv1_W"], c.scene.nodes["n"]
    for zoom in (0.32, 0.45):
        font, _, rect, _, text = short.far_title(zoom)
        assert text == "conv1_W" and font.pixelSize() * zoom >= FAR_MIN_PX - 0.5
        assert rect.height() <= short.height
    font, _, _, _, text = long.far_title(0.32)
    assert text.endswith("…") and round(font.pixelSize() * 0.32) == FAR_MIN_PX
    c.view.resetTransform()
    c.view.scale(0.35, 0.35)
    image = c.view.grab().toImage()  # painting far out draws the title (no error)
    assert not image.isNull()
