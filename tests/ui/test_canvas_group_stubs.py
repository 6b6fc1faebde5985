"""Inside an entered group, the wires crossing its border end at stubs naming the outside
node (issue 29 limit 2), as the user does it: double-click or Tab enters, Alt+Up leaves,
hovering a stub shows "from -> to", no stub label covers a node or another label."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.examples import open_graph
from ui.canvas.group_stubs import StubItem
from ui.canvas_export import picture_rect
from ui.stepper.chip_layout import place_chips


def stubs(c) -> list[StubItem]:
    return [i for i in c.scene.items() if isinstance(i, StubItem)]


def enter_group_of(c, ids):
    c.scene.select_ids(ids)
    c.key(Qt.Key_G, Qt.ControlModifier)
    (gid,) = c.doc.groups
    title = c.scene.groups.items[gid].pos() + QPointF(60.0, 10.0)
    c.qtbot.mouseDClick(c.viewport, Qt.LeftButton, Qt.NoModifier, c.at(title))
    assert c.scene.groups.path == [gid]
    return gid


def covers(box, item) -> bool:
    return box.intersects(item.sceneBoundingRect())


def test_entering_shows_a_stub_per_crossing_wire_and_alt_up_removes_them(canvas):
    doc = open_graph("sigmoid-neuron")
    doc.nodes["den"].label = "denominator"
    c = canvas(doc)
    assert stubs(c) == []
    enter_group_of(c, ["neg", "e"])  # s -> neg comes in, e -> den goes out
    into, out = sorted(stubs(c), key=lambda s: not s.incoming)
    assert (into.text, out.text) == ("s →", "→ denominator.a")
    port_in = c.scene.nodes["neg"].input_pos("x")
    port_out = c.scene.nodes["e"].output_pos()
    assert into.box.right() < port_in.x() and abs(into.box.center().y() - port_in.y()) < 1
    assert out.box.left() > port_out.x() and abs(out.box.center().y() - port_out.y()) < 1
    shown = [i for i in c.scene.nodes.values() if i.isVisible()]
    assert not any(covers(s.box, n) for s in (into, out) for n in shown)
    assert "1 in, 1 out" in c.view.breadcrumb.text()
    pictured = picture_rect(c.scene)  # File > Export draws them too
    assert pictured.contains(into.box) and pictured.contains(out.box)
    seen = c.view.visible_scene_rect()  # entering fits the stubs into the view too
    assert seen.contains(into.box) and seen.contains(out.box)
    c.key(Qt.Key_Up, Qt.AltModifier)
    assert stubs(c) == []
    c.scene.groups.items[next(iter(c.doc.groups))].setSelected(True)
    c.key(Qt.Key_Tab)
    assert sorted(s.text for s in stubs(c)) == ["s →", "→ denominator.a"]


def test_hovering_a_stub_shows_from_and_to(canvas):
    c = canvas(open_graph("sigmoid-neuron"))
    enter_group_of(c, ["neg", "e"])
    (into,) = [s for s in stubs(c) if s.incoming]
    at = c.at(into.box.center())
    c.qtbot.mouseMove(c.viewport, at)
    help_event = QHelpEvent(QEvent.ToolTip, at, c.viewport.mapToGlobal(at))
    QApplication.sendEvent(c.viewport, help_event)
    assert QToolTip.isVisible() and QToolTip.text() == "s -> neg.x (s is outside this group)"
    QToolTip.hideText()


def crowded() -> GraphDocument:
    """o feeds m1 and m2; m3 sits where m1's stub would go, left of m1."""
    doc = GraphDocument()
    doc.add_node(DocNode("o", "input", {"shape": [2]}, (-900.0, 0.0)))
    for nid, pos in (("m1", (0.0, 0.0)), ("m2", (0.0, 60.0)), ("m3", (-190.0, 0.0))):
        doc.add_node(DocNode(nid, "relu", {}, pos))
    doc.add_edge(DocEdge("o", "m1", "x"))
    doc.add_edge(DocEdge("o", "m2", "x"))
    return doc


def test_stub_labels_make_room_for_nodes_and_each_other(canvas):
    c = canvas(crowded())
    enter_group_of(c, ["m1", "m2", "m3"])
    one, two = sorted(stubs(c), key=lambda s: s.port().y())
    first_choice = c.scene.groups.stubs._box(one.port(), -1.0, *one.size(), 0, 0)
    assert covers(first_choice, c.scene.nodes["m3"])  # beside its port it would cover m3
    for stub in (one, two):
        assert not any(covers(stub.box, n) for n in c.scene.nodes.values() if n.isVisible())
    assert not one.box.intersects(two.box)
    assert abs(one.box.center().y() - one.port().y()) < 200  # still near its port


def test_a_stub_follows_its_member_when_dragged(canvas):
    c = canvas(open_graph("sigmoid-neuron"))
    enter_group_of(c, ["neg", "e"])
    (into,) = [s for s in stubs(c) if s.incoming]
    neg = c.scene.nodes["neg"]
    c.drag(neg.pos() + QPointF(60.0, 8.0), neg.pos() + QPointF(60.0, 128.0))
    QApplication.processEvents()  # the labels are placed once the move is through
    assert into.port() == neg.input_pos("x") and into.sceneBoundingRect().contains(into.port())
    assert abs(into.box.center().y() - into.port().y()) < 1  # placed again beside it
    assert not any(covers(s.box, n) for s in stubs(c) for n in c.scene.nodes.values()
                   if n.isVisible())  # fmt: skip


def test_a_stub_into_a_nested_group_ends_at_its_port(canvas):
    c = canvas(open_graph("sigmoid-neuron"))
    c.scene.select_ids(["neg", "e"])
    c.key(Qt.Key_G, Qt.ControlModifier)
    (inner,) = c.doc.groups
    c.scene.select_ids(["one", "den"])
    c.scene.groups.items[inner].setSelected(True)
    c.key(Qt.Key_G, Qt.ControlModifier)
    (outer,) = [g for g in c.doc.groups if g != inner]
    c.scene.groups.items[outer].setSelected(True)
    c.key(Qt.Key_Tab)
    assert c.scene.groups.path == [outer]
    (into,) = [s for s in stubs(c) if s.incoming]
    (out,) = [s for s in stubs(c) if not s.incoming]
    assert into.text == "s →" and into.port() == c.scene.groups.items[inner].input_pos("s")
    assert out.text == "→ f.x" and out.port() == c.scene.nodes["den"].output_pos()


class Chip:
    """A stepper chip of 40 x 12 pixels (the part of ValueLabel that place_chips uses)."""

    def __init__(self) -> None:
        self.centre, self.crowded = None, False

    def full_size(self):
        return QSizeF(40.0, 12.0)

    def dot_size(self):
        return QSizeF(6.0, 6.0)

    def show_at(self, centre, compact, leader=None):
        self.centre, self.compact = centre, compact

    def rect(self) -> QRectF:
        size = self.dot_size() if self.compact else self.full_size()
        return QRectF(self.centre - QPointF(size.width() / 2, size.height() / 2), size)


def test_the_stepper_chips_give_way_to_the_stub_labels(canvas):
    c = canvas(open_graph("sigmoid-neuron"))
    enter_group_of(c, ["neg", "e"])
    (into,) = [s for s in stubs(c) if s.incoming]
    chip, at = Chip(), into.box.center()  # a chip of the selected node, anchored on the label
    place_chips(c.scene, 1.0, [("s", chip, [at], [at], 1)], {"s"})
    assert not chip.compact and not chip.rect().intersects(into.box)  # placed off it
