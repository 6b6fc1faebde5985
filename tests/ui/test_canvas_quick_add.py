"""Quick add (issue 29 item 1), as the user does it: double-click on the empty canvas (or
Tab), type, arrows and Enter; the node lands at the cursor as one undo step; Esc closes.
Renaming stays on double-click of a node and F2."""

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog

from engine.ops import REGISTRY
from graphlab.examples import open_graph
from graphlab.templates import LAYER_TEMPLATES
from ui.canvas.node_item import NODE_WIDTH, TITLE_H


def test_double_click_type_relu_enter_adds_relu_at_the_cursor_and_undo_removes_it(canvas, qtbot):
    c = canvas()
    spot = QPointF(130.0, 70.0)
    qtbot.mouseDClick(c.viewport, Qt.LeftButton, Qt.NoModifier, c.at(spot))
    box = c.view.quick_add
    assert box.isVisible() and box.search.hasFocus()
    assert len(box.visible_payloads()) == len(REGISTRY) + len(LAYER_TEMPLATES)
    QTest.keyClicks(box.search, "relu")
    assert {"op:relu", "op:leaky_relu", "op:prelu"} <= set(box.visible_payloads())
    assert "op:conv2d" not in box.visible_payloads()
    QTest.keyClick(box.search, Qt.Key_Return)
    assert not box.isVisible()
    (node,) = c.doc.nodes.values()
    assert node.op == "relu"
    centre = QPointF(node.pos[0] + NODE_WIDTH / 2, node.pos[1] + TITLE_H / 2)
    assert (centre - spot).manhattanLength() < 2.0
    assert c.stack.count() == 1
    c.stack.undo()
    assert c.doc.nodes == {}


def test_tab_opens_the_box_arrows_choose_and_escape_closes(canvas):
    c = canvas()
    c.key(Qt.Key_Tab)
    box = c.view.quick_add
    assert box.isVisible()
    QTest.keyClicks(box.search, "pool")  # by name and by category
    listed = box.visible_payloads()
    assert {"op:maxpool", "op:avgpool"} <= set(listed)
    QTest.keyClick(box.search, Qt.Key_Down)
    second = box.list.currentItem().data(Qt.UserRole)
    assert second in listed
    QTest.keyClick(box.search, Qt.Key_Escape)
    assert not box.isVisible() and c.doc.nodes == {}
    c.key(Qt.Key_Tab)
    QTest.keyClicks(box.search, "he-initialised")  # a template, found by its description
    assert box.visible_payloads() == ["template:Linear layer"]


def test_double_click_on_a_node_still_renames_it_and_f2_too(canvas, qtbot, monkeypatch):
    asked = []
    monkeypatch.setattr(
        QInputDialog, "getText", lambda *a, **k: (asked.append(a[2]), ("renamed", True))[1]
    )
    c = canvas(open_graph("circuit-add-mul"))
    nid = next(iter(c.doc.nodes))
    x, y = c.doc.nodes[nid].pos
    qtbot.mouseDClick(c.viewport, Qt.LeftButton, Qt.NoModifier, c.at(QPointF(x + 40, y + 8)))
    assert c.doc.nodes[nid].label == "renamed" and not c.view.quick_add.isVisible()
    other = list(c.doc.nodes)[1]
    c.scene.select_ids([other])
    c.key(Qt.Key_F2)
    assert c.doc.nodes[other].label == "renamed" and len(asked) == 2
