"""Small things a student met on the canvas: an output dragged onto an output says no, a wire
is selected and deleted, a renamed node stays selected, a refusal names the labels."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog

from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.examples import open_graph
from ui.canvas.wiring import OUTPUT_TO_OUTPUT


def test_output_to_output_shows_not_allowed_and_adds_nothing(canvas):
    c = canvas(open_graph("circuit-add-mul"))
    x, y = c.scene.nodes["x"], c.scene.nodes["y"]
    a, b = c.at(x.output_pos()), c.at(y.output_pos())
    QTest.mousePress(c.viewport, Qt.LeftButton, Qt.NoModifier, a)
    QTest.mouseMove(c.viewport, (a + b) / 2)
    assert c.viewport.cursor().shape() != Qt.ForbiddenCursor
    QTest.mouseMove(c.viewport, b)
    wiring = c.scene.wiring
    assert wiring.over_output and wiring.wire.verdict is False
    assert c.viewport.cursor().shape() == Qt.ForbiddenCursor
    QTest.mouseRelease(c.viewport, Qt.LeftButton, Qt.NoModifier, b)
    assert len(c.doc.edges) == 4 and c.stack.count() == 0
    assert wiring.message.isVisible() and wiring.message.text == OUTPUT_TO_OUTPUT
    assert c.viewport.cursor().shape() != Qt.ForbiddenCursor


def test_a_clicked_wire_is_selected_and_delete_removes_it_as_one_step(canvas):
    c = canvas(open_graph("circuit-add-mul"))
    edge = DocEdge("z", "f", "b")
    item = c.scene.edges[edge]
    c.click(item.path().pointAtPercent(0.5))
    assert item.isSelected() and c.scene.selected_edges() == [edge]
    c.key(Qt.Key_Delete)
    assert edge not in c.doc.edges and len(c.doc.edges) == 3
    assert c.stack.count() == 1 and c.stack.undoText() == "Delete wire"
    c.stack.undo()
    assert c.doc.edges.index(edge) == 3 and len(c.doc.edges) == 4


def test_a_node_renamed_by_double_click_stays_selected(canvas, monkeypatch):
    c = canvas(open_graph("circuit-add-mul"))
    q = c.scene.nodes["q"]
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("sum", True))
    QTest.mouseDClick(c.viewport, Qt.LeftButton, Qt.NoModifier, c.at(q.pos() + QPointF(60, 30)))
    assert c.doc.nodes["q"].label == "sum"
    assert c.scene.selected_ids() == ["q"]


def test_a_refused_wire_names_the_labels(canvas):
    doc = GraphDocument()
    for nid, label, x in (("n1", "first", 0.0), ("n2", "second", 300.0)):
        doc.add_node(DocNode(nid, "negate", pos=(x, 0.0), label=label))
    doc.add_edge(DocEdge("n1", "n2", "x"))
    c = canvas(doc)
    n1, n2 = c.scene.nodes["n1"], c.scene.nodes["n2"]
    c.drag(n2.output_pos(), n1.input_pos("x"))
    assert c.scene.wiring.message.text == "that would make a cycle: first -> second -> first"
