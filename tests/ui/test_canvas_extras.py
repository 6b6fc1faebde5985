"""Bypass, reroute points, frames, notes, find, align/distribute and wire styles on the canvas
(issue 29 items 4-5), as the user does them; each one undo step, saved, and (but bypass)
changing no value."""

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog

from graphlab.binding import sample_feeds
from graphlab.canvas_items import edge_key
from graphlab.document import DocEdge
from graphlab.examples import open_graph
from graphlab.fileformat import load_document, save_document
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401


def scores(doc, feeds):
    return doc.compile(dtype="float64").forward(feeds)["fc2"]


def test_ctrl_b_bypasses_the_relu_tinted_and_undo_ends_it(canvas):
    c = canvas(open_graph("two-layer-net-spiral"))
    feeds = sample_feeds(c.doc, batch=6)
    with_relu = scores(c.doc, feeds)
    c.scene.select_ids(["relu1"])
    c.key(Qt.Key_B, Qt.ControlModifier)
    assert c.doc.canvas == {"bypassed": {"relu1": "x"}}
    assert c.scene.nodes["relu1"].graphicsEffect() is not None
    without = open_graph("two-layer-net-spiral")
    without.remove_nodes(["relu1"])
    without.connect(DocEdge("fc1", "fc2", "x"))
    assert np.array_equal(scores(c.doc, feeds), scores(without, feeds))
    c.stack.undo()
    assert c.doc.canvas == {} and c.scene.nodes["relu1"].graphicsEffect() is None
    assert np.array_equal(scores(c.doc, feeds), with_relu)


def test_bypass_is_refused_with_the_reason(canvas):
    c = canvas(open_graph("two-layer-net-spiral"))
    c.scene.select_ids(["fc2"])
    c.key(Qt.Key_B, Qt.ControlModifier)
    assert c.doc.canvas == {} and c.stack.count() == 0
    message = c.scene.wiring.message
    assert message.isVisible() and "Cannot bypass fc2" in message.text and "(N, 3)" in message.text


def test_the_stepper_explains_a_bypass(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot, "two-layer-net-spiral")
    window.scene.select_ids(["relu1"])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_B, Qt.ControlModifier)
    model = window.stepper.model
    while model.current is None or model.current.node != "fc2":
        model.step_forward()
    text = "\n".join(window.stepper.panel.displayed_lines())
    assert "relu1 is bypassed (Ctrl+B): fc1's value passes straight through to fc2" in text


def test_a_reroute_point_by_double_click_moves_and_survives_save_and_load(canvas, qtbot, tmp_path):
    c = canvas(open_graph("sigmoid-neuron"))
    c.view.fit_to_view()
    edge = DocEdge("s", "neg", "x")
    middle = c.scene.edges[edge].path().pointAtPercent(0.5)
    before = c.doc.compile(dtype="float64").forward(c.doc.input_feeds())["f"]
    qtbot.mouseDClick(c.viewport, Qt.LeftButton, Qt.NoModifier, c.at(middle))
    (point,) = c.doc.canvas["reroutes"][edge_key(edge)]
    assert abs(point[0] - middle.x()) < 3 and abs(point[1] - middle.y()) < 3
    (handle,) = c.scene.extras.handles
    c.drag(handle.pos(), handle.pos() + QPointF(0.0, 80.0))
    (moved,) = c.doc.canvas["reroutes"][edge_key(edge)]
    assert abs(moved[1] - point[1] - 80.0) < 3
    wire = c.scene.edges[edge].path()  # the wire now passes through the moved point
    assert (
        min((wire.pointAtPercent(t / 200) - QPointF(*moved)).manhattanLength() for t in range(201))
        < 4
    )
    path = tmp_path / "g.graphlab"
    save_document(c.doc, path)
    again = load_document(path)
    assert again.canvas == c.doc.canvas
    assert again.compile(dtype="float64").forward(again.input_feeds())["f"] == before
    c.stack.undo()
    c.stack.undo()
    assert c.doc.canvas == {}


def test_a_frame_surrounds_the_selection_and_follows_its_nodes(canvas):
    c = canvas(open_graph("sigmoid-neuron"))
    c.scene.select_ids(["w0x0", "w1x1", "dot"])
    c.key(Qt.Key_J, Qt.ControlModifier)
    (frame,) = c.doc.canvas["frames"]
    assert frame["members"] == ["w0x0", "w1x1", "dot"]
    item = c.scene.extras.frames[frame["id"]]
    assert all(item.rect.contains(c.scene.nodes[n].sceneBoundingRect()) for n in frame["members"])
    c.scene.clearSelection()
    grab = QPointF(item.rect.left() + 40, item.rect.top() + 8)  # the title bar
    start = {n: c.doc.nodes[n].pos for n in frame["members"]}
    c.drag(grab, grab + QPointF(100.0, 40.0))
    for n in frame["members"]:
        assert abs(c.doc.nodes[n].pos[0] - start[n][0] - 100.0) < 2
    assert all(item.rect.contains(c.scene.nodes[n].sceneBoundingRect()) for n in frame["members"])


def test_a_markdown_note_is_added_edited_and_deleted(canvas, monkeypatch):
    c = canvas(open_graph("sigmoid-neuron"))
    c.key(Qt.Key_N, Qt.ControlModifier | Qt.ShiftModifier)
    (note,) = c.doc.canvas["notes"]
    monkeypatch.setattr(
        QInputDialog, "getMultiLineText", lambda *a, **k: ("# Sigmoid\n**local** gradient", True)
    )
    c.scene.extras.edit_note(note["id"])
    item = c.scene.extras.notes[note["id"]]
    assert c.doc.canvas["notes"][0]["text"].startswith("# Sigmoid")
    assert item.toPlainText().startswith("Sigmoid") and "**" not in item.toPlainText()
    item.setSelected(True)
    c.key(Qt.Key_Delete)
    assert c.doc.canvas == {}


def test_find_in_graph_cycles_and_centres_the_matches(canvas):
    c = canvas(open_graph("cnn-digits"))
    c.key(Qt.Key_F, Qt.ControlModifier | Qt.ShiftModifier)
    bar = c.view.tools.find_bar
    assert bar.isVisible() and bar.field.hasFocus()
    QTest.keyClicks(bar.field, "relu")
    assert bar.matches == ["relu1", "relu2"]
    QTest.keyClick(bar.field, Qt.Key_Return)
    assert c.scene.selected_ids() == ["relu1"]
    centre = c.view.mapToScene(c.view.viewport().rect().center())
    assert (centre - c.scene.nodes["relu1"].sceneBoundingRect().center()).manhattanLength() < 3
    QTest.keyClick(bar.field, Qt.Key_Return)
    assert c.scene.selected_ids() == ["relu2"]
    QTest.keyClick(bar.field, Qt.Key_Escape)
    assert not bar.isVisible()


def test_align_and_distribute_the_selection_one_step_each(canvas):
    c = canvas(open_graph("sigmoid-neuron"))
    ids = ["w0", "x0", "w1", "x1"]
    c.scene.select_ids(ids)
    c.key(Qt.Key_Up, Qt.ControlModifier | Qt.AltModifier)
    assert len({c.doc.nodes[n].pos[1] for n in ids}) == 1
    c.stack.undo()
    c.doc.move_node("x0", (0.0, -150.0))  # uneven spacing, then distribute
    c.key(Qt.Key_V, Qt.ControlModifier | Qt.AltModifier)
    ys = sorted(c.doc.nodes[n].pos[1] for n in ids)
    gaps = [b - a for a, b in zip(ys, ys[1:], strict=False)]
    assert max(gaps) - min(gaps) < 1e-9


def test_wire_styles_change_the_drawing_only(canvas, tmp_path):
    c = canvas(open_graph("sigmoid-neuron"))
    edge = c.scene.edges[DocEdge("s", "neg", "x")]
    c.view.edit_actions()["wires_straight"].trigger()
    assert c.doc.canvas == {"wire_style": "straight"} and edge.style == "straight"
    start, end = edge.path().pointAtPercent(0.0), edge.path().pointAtPercent(1.0)
    mid = edge.path().pointAtPercent(0.5)
    assert ((start + end) / 2 - mid).manhattanLength() < 1e-6  # one straight segment
    c.view.edit_actions()["wires_angled"].trigger()
    angled = c.scene.edges[DocEdge("w0", "w0x0", "a")].path()  # between different heights
    corners = [angled.elementAt(i) for i in range(angled.elementCount())]
    assert len(corners) == 4  # right, down, right
    assert all(a.x == b.x or a.y == b.y for a, b in zip(corners, corners[1:], strict=False))
    save_document(c.doc, tmp_path / "g.json")
    assert load_document(tmp_path / "g.json").canvas == {"wire_style": "angled"}
