"""Groups on the canvas, as the user does it (issue 29 item 3): select the sigmoid neuron's
gates, Ctrl+G, the group drawn as one node with the crossing wires as ports; double-click
enters (breadcrumb), Alt+Up leaves, Ctrl+Shift+G ungroups; undo and redo; save and reload."""

from PySide6.QtCore import QPointF, Qt

from graphlab.examples import open_graph
from graphlab.fileformat import document_to_dict, load_document, save_document
from ui.canvas.group_item import GroupItem

GATES = ["neg", "e", "one", "den", "f"]


def grouped(canvas):
    c = canvas(open_graph("sigmoid-neuron"))
    original = document_to_dict(c.doc)
    c.scene.select_ids(GATES)
    c.key(Qt.Key_G, Qt.ControlModifier)
    return c, original


def test_ctrl_g_collapses_the_selection_into_one_gate_with_the_crossing_wires(canvas):
    c, original = grouped(canvas)
    (gid,) = c.doc.groups
    assert set(c.doc.groups[gid].members) == set(GATES)
    item = c.scene.groups.items[gid]
    assert isinstance(item, GroupItem) and item.isVisible()
    assert item.ports.inputs == ("s",) and item.ports.outputs == ("f",)
    assert not any(c.scene.nodes[n].isVisible() for n in GATES)
    assert c.scene.nodes["s"].isVisible()
    # the wire s -> neg now ends at the group's input port
    (proxy,) = [p for p in c.scene.groups.proxies if p.edge.src == "s"]
    end = proxy.path().pointAtPercent(1.0)
    assert (end - item.input_pos("s")).manhattanLength() < 1e-6
    assert document_to_dict(c.doc)["nodes"] == original["nodes"]  # no value changed
    c.stack.undo()
    assert c.doc.groups == {} and all(c.scene.nodes[n].isVisible() for n in GATES)
    assert document_to_dict(c.doc) == original
    c.stack.redo()
    assert list(c.doc.groups) == [gid] and c.scene.groups.items[gid].isVisible()


def test_double_click_enters_with_a_breadcrumb_and_alt_up_leaves(canvas, qtbot):
    c, _ = grouped(canvas)
    (gid,) = c.doc.groups
    item = c.scene.groups.items[gid]
    title = item.pos() + QPointF(60.0, 10.0)
    qtbot.mouseDClick(c.viewport, Qt.LeftButton, Qt.NoModifier, c.at(title))
    assert c.scene.groups.path == [gid]
    assert all(c.scene.nodes[n].isVisible() for n in GATES)
    assert gid not in c.scene.groups.items and not c.scene.nodes["s"].isVisible()
    assert c.view.breadcrumb.isVisible() and c.view.breadcrumb.path_text() == f"Graph › {gid}"
    c.key(Qt.Key_Up, Qt.AltModifier)
    assert c.scene.groups.path == [] and not c.view.breadcrumb.isVisible()
    assert c.scene.groups.items[gid].isVisible()


def test_tab_enters_the_selected_group_and_groups_nest(canvas):
    c, _ = grouped(canvas)
    (inner,) = c.doc.groups
    c.scene.clearSelection()
    c.scene.select_ids(["s", "w2"])
    c.scene.groups.items[inner].setSelected(True)
    c.key(Qt.Key_G, Qt.ControlModifier)
    outer = next(g for g in c.doc.groups if g != inner)
    assert set(c.doc.groups[outer].members) == {"s", "w2", inner}
    c.scene.clearSelection()
    c.scene.groups.items[outer].setSelected(True)
    c.key(Qt.Key_Tab)
    assert c.scene.groups.path == [outer]
    assert c.scene.groups.items[inner].isVisible() and c.scene.nodes["s"].isVisible()
    c.scene.groups.items[inner].setSelected(True)
    c.key(Qt.Key_Tab)
    assert c.scene.groups.path == [outer, inner]
    assert c.view.breadcrumb.path_text() == f"Graph › {outer} › {inner}"


def test_ungroup_restores_the_document_and_save_reload_round_trips(canvas, tmp_path):
    c, original = grouped(canvas)
    (gid,) = c.doc.groups
    path = tmp_path / "grouped.graphlab"
    save_document(c.doc, path)
    again = load_document(path)
    assert again.groups == c.doc.groups
    c.scene.clearSelection()
    c.scene.groups.items[gid].setSelected(True)
    c.key(Qt.Key_G, Qt.ControlModifier | Qt.ShiftModifier)
    assert c.doc.groups == {} and document_to_dict(c.doc) == original
    assert all(c.scene.nodes[n].isVisible() for n in GATES)
    c.stack.undo()
    assert list(c.doc.groups) == [gid]


def test_dragging_a_group_moves_it_as_one_undo_step(canvas):
    c, _ = grouped(canvas)
    (gid,) = c.doc.groups
    item = c.scene.groups.items[gid]
    start = item.pos() + QPointF(60.0, 10.0)
    before = c.doc.groups[gid].pos
    c.drag(start, start + QPointF(100.0, 60.0))
    after = c.doc.groups[gid].pos
    assert after != before and (item.x(), item.y()) == after
    c.stack.undo()
    assert c.doc.groups[gid].pos == before and (item.x(), item.y()) == before


def test_deleting_the_gates_removes_the_group_and_undo_brings_both_back(canvas):
    c, _ = grouped(canvas)
    (gid,) = c.doc.groups
    c.scene.groups.enter(gid)
    c.scene.select_ids(GATES)
    c.key(Qt.Key_Delete)
    assert c.doc.groups == {} and not set(GATES) & set(c.doc.nodes)
    assert c.scene.groups.path == []
    c.stack.undo()
    assert list(c.doc.groups) == [gid] and set(GATES) <= set(c.doc.nodes)


def test_delete_on_a_selected_group_removes_its_nodes_and_undo_restores_them(canvas):
    c, original = grouped(canvas)
    (gid,) = c.doc.groups
    c.scene.clearSelection()
    c.scene.groups.items[gid].setSelected(True)
    c.key(Qt.Key_Delete)
    assert not set(GATES) & set(c.doc.nodes) and c.doc.groups == {}
    c.stack.undo()
    assert set(GATES) <= set(c.doc.nodes) and list(c.doc.groups) == [gid]


def test_a_node_added_inside_an_entered_group_joins_it_in_one_undo_step(canvas, qtbot):
    c, _ = grouped(canvas)
    (gid,) = c.doc.groups
    c.scene.groups.enter(gid)
    count = c.stack.count()
    c.view.add_at("op:relu", QPointF(900.0, 200.0))
    (new,) = [n for n in c.doc.nodes if n.startswith("relu")]
    assert new in c.doc.groups[gid].members and c.scene.nodes[new].isVisible()
    assert c.stack.count() == count + 1
    c.stack.undo()
    assert new not in c.doc.nodes and new not in c.doc.groups[gid].members


def test_the_group_and_its_ports_are_renamed_from_its_menu(canvas, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QInputDialog

    c, _ = grouped(canvas)
    (gid,) = c.doc.groups
    answers = iter([("sigmoid", True), ("x", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    menu = c.view.context_menu(c.at(c.scene.groups.items[gid].pos() + QPointF(60.0, 10.0)))
    texts = [a.text() for a in menu.actions()]
    assert texts[:2] == ["Enter group", "Rename…"] and "Ungroup" in texts
    next(a for a in menu.actions() if a.text() == "Rename…").trigger()
    ports = next(a.menu() for a in menu.actions() if a.text() == "Rename port")
    assert [a.text() for a in ports.actions()] == ["s…", "f…"]
    ports.actions()[0].trigger()
    assert c.doc.groups[gid].label == "sigmoid" and c.doc.groups[gid].ports == {"s": "x"}
    item = c.scene.groups.items[gid]
    assert item.title == "sigmoid" and item.names["s"] == "x"
    save_document(c.doc, tmp_path / "g.graphlab")
    assert load_document(tmp_path / "g.graphlab").groups[gid].ports == {"s": "x"}
    c.stack.undo()
    assert c.doc.groups[gid].ports == {}


def test_a_copied_group_pastes_as_a_group_here_and_in_another_window(canvas):
    c, _ = grouped(canvas)
    (gid,) = c.doc.groups
    c.scene.clearSelection()
    c.scene.groups.items[gid].setSelected(True)
    c.key(Qt.Key_C, Qt.ControlModifier)
    c.key(Qt.Key_V, Qt.ControlModifier)
    (copy,) = [g for g in c.doc.groups if g != gid]
    assert len(c.doc.groups[copy].members) == len(GATES)
    assert not set(c.doc.groups[copy].members) & set(GATES)  # fresh node ids
    assert c.scene.groups.items[copy].isVisible()
    c.stack.undo()
    assert list(c.doc.groups) == [gid] and len(c.doc.nodes) == 14
    other = canvas()
    other.view.activateWindow()
    other.view.setFocus()
    other.key(Qt.Key_V, Qt.ControlModifier)
    (pasted,) = other.doc.groups
    assert set(other.doc.groups[pasted].members) == set(GATES) == set(other.doc.nodes)
    assert other.scene.groups.items[pasted].ports.outputs == ("f",)


def test_the_picture_of_a_grouped_graph_frames_what_the_canvas_shows(tmp_path):
    import struct
    from pathlib import Path

    from graphlab.fileformat import load_bytes
    from graphlab.groups import make_group
    from ui.app import export_document_picture

    doc = open_graph("sigmoid-neuron")
    export_document_picture(doc, tmp_path / "flat.png", "png")
    doc.set_groups(make_group(doc.groups, ["neg", "e", "one", "den", "f"], "g", (880.0, 0.0)))
    export_document_picture(doc, tmp_path / "grouped.png", "png")
    width = {name: struct.unpack(">I", (tmp_path / name).read_bytes()[16:20])[0]
             for name in ("flat.png", "grouped.png")}  # fmt: skip
    assert width["grouped.png"] < width["flat.png"] * 0.75  # the gates are one node now
    assert load_bytes((tmp_path / "grouped.png").read_bytes(), Path("g.png")).groups == doc.groups
