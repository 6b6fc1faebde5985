"""A wire into empty space and a node dropped onto a wire (issue 29 item 2), as the user
does it: the box lists only what takes the wire's shape (the live shape inference),
choosing connects it, one undo step; a node dropped onto a wire goes into it when it fits."""

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from engine.validate import analyse
from graphlab.document import DocEdge
from graphlab.examples import open_graph
from graphlab.fragments import dropped_nodes
from graphlab.wire_targets import palette_payloads, wire_targets


def empty_spot(c) -> QPointF:
    """A scene point in view with no item under it (nor near it)."""
    rect = c.view.visible_scene_rect()
    for fx in (0.9, 0.8, 0.7, 0.5, 0.3):
        for fy in (0.9, 0.8, 0.1, 0.5):
            at = QPointF(rect.left() + fx * rect.width(), rect.top() + fy * rect.height())
            near = c.scene.items(
                at.x() - 30, at.y() - 30, 60, 60, Qt.IntersectsItemShape, Qt.AscendingOrder
            )
            if not [i for i in near if i.isVisible() and i.zValue() < 400]:
                return at
    raise AssertionError("no empty spot in view")


def takes(doc, payload, src) -> bool:
    """Whether the entry, dropped and wired from ``src`` at its first fitting port, fits."""
    nodes, edges = dropped_nodes(doc, payload, (0.0, 0.0))
    index, port = wire_targets(doc, src)[payload]
    trial = analyse(
        [*doc.nodes.values(), *nodes], [*doc.edges, *edges, DocEdge(src, nodes[index].id, port)]
    )
    return nodes[index].id not in trial.misfits


def test_a_wire_from_the_last_pool_into_empty_space_offers_what_takes_its_shape(canvas):
    c = canvas(open_graph("cnn-digits"))
    c.view.fit_to_view()
    c.settle()
    assert c.scene.analysis.shapes["pool2"] == (None, 32, 2, 2)
    spot = empty_spot(c)
    c.drag(c.scene.nodes["pool2"].output_pos(), spot)
    box = c.view.quick_add
    assert box.isVisible() and "(N, 32, 2, 2)" in box.title.text()
    listed = box.visible_payloads()
    assert set(listed) == set(wire_targets(c.doc, "pool2"))
    assert {"op:relu", "op:flatten", "op:maxpool", "op:affine"} <= set(listed)
    refused = set(palette_payloads()) - set(listed)
    assert {"op:softmax_cross_entropy", "template:Linear layer", "op:input"} <= refused
    assert all(takes(c.doc, payload, "pool2") for payload in listed)
    count = c.stack.count()
    QTest.keyClicks(box.search, "relu")
    QTest.keyClick(box.search, Qt.Key_Return)
    new = [n for n in c.doc.nodes.values() if n.op == "relu" and n.id not in ("relu1", "relu2")]
    assert len(new) == 1 and c.doc.source_of(new[0].id, "x") == "pool2"
    c.settle()
    assert c.scene.analysis.shapes[new[0].id] == (None, 32, 2, 2)  # the shapes updated
    assert c.stack.count() == count + 1
    c.stack.undo()
    assert new[0].id not in c.doc.nodes


def test_a_wire_from_a_scalar_loss_lists_no_conv(canvas):
    c = canvas(open_graph("cnn-digits"))
    assert "op:maxpool" not in wire_targets(c.doc, "loss")
    assert "op:relu" in wire_targets(c.doc, "loss")


def test_a_node_dropped_onto_a_wire_goes_into_it_when_the_shapes_fit(canvas):
    c = canvas(open_graph("cnn-digits"))
    c.view.fit_to_view()
    spot = empty_spot(c)
    c.view.add_at("op:tanh", spot)
    (tanh,) = [n for n in c.doc.nodes if n.startswith("tanh")]
    middle = c.scene.edges[DocEdge("relu2", "pool2", "x")].path().pointAtPercent(0.5)
    item = c.scene.nodes[tanh]
    grab = item.sceneBoundingRect().center()
    count = c.stack.count()
    c.drag(grab, middle)
    assert c.doc.source_of(tanh, "x") == "relu2" and c.doc.source_of("pool2", "x") == tanh
    assert c.stack.count() == count + 1
    c.stack.undo()
    assert c.doc.source_of("pool2", "x") == "relu2" and c.doc.source_of(tanh, "x") is None


def test_a_node_that_does_not_fit_the_wire_is_only_moved(canvas):
    c = canvas(open_graph("cnn-digits"))
    c.view.fit_to_view()
    c.view.add_at("op:flatten", empty_spot(c))  # (N, 512) cannot feed the 2-D max pool
    (flat,) = [n for n in c.doc.nodes if n.startswith("flatten")]
    middle = c.scene.edges[DocEdge("relu2", "pool2", "x")].path().pointAtPercent(0.5)
    count = c.stack.count()
    c.drag(c.scene.nodes[flat].sceneBoundingRect().center(), middle)
    assert c.doc.source_of("pool2", "x") == "relu2" and c.doc.source_of(flat, "x") is None
    assert "does not fit" in c.scene.wiring.message.text
    assert c.stack.count() == count + 1 and c.stack.undoText().startswith("Move")
