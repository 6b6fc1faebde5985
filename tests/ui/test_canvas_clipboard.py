"""Copy, paste, cut and duplicate carry frames, notes and reroute points (issue 29 limit 1),
as the user does it: a rubber band or Ctrl+A, Ctrl+C, Ctrl+V, undo; the clipboard holds the
file format's JSON, checked as a loaded file is."""

from __future__ import annotations

import json

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.fileformat import document_from_dict

NOTE = {"id": "note1", "text": "the **hidden** layer", "pos": [0.0, -150.0], "size": [220.0, 60.0]}
POINT = [230.0, 90.0]


def framed(canvas):
    """a -> b -> c in a row, a frame around a and b, a note above them, a reroute point on
    a -> b; d far below."""
    doc = GraphDocument()
    for nid, op, pos in (("a", "input", (0, 0)), ("b", "relu", (300, 0)),
                         ("c", "relu", (600, 0)), ("d", "relu", (0, 600))):  # fmt: skip
        doc.add_node(DocNode(nid, op, {"shape": [2]} if op == "input" else {}, pos))
    doc.add_edge(DocEdge("a", "b", "x"))
    doc.add_edge(DocEdge("b", "c", "x"))
    c = canvas(doc)
    c.scene.extras.add_frame(["a", "b"], "Hidden layer")
    doc.set_canvas({**doc.canvas, "notes": [NOTE], "reroutes": {"a>b.x": [POINT]}})
    c.stack.clear()
    c.view.fit_to_view()
    return c


def shifted(point, d=40.0):
    return [point[0] + d, point[1] + d]


def test_a_rubber_band_copy_pastes_the_frame_note_and_reroute_point_offset(canvas):
    c = framed(canvas)
    before = json.loads(json.dumps(c.doc.canvas))
    c.drag(QPointF(-60.0, -200.0), QPointF(470.0, 120.0))  # the band: a, b, the frame, the note
    assert c.scene.selected_ids() == ["a", "b"]
    c.key(Qt.Key_C, Qt.ControlModifier)
    c.key(Qt.Key_V, Qt.ControlModifier)
    assert list(c.doc.nodes)[4:] == ["a1", "b1"] and DocEdge("a1", "b1", "x") in c.doc.edges
    frame, pasted = c.doc.canvas["frames"]
    x, y, w, h = frame["rect"]
    assert pasted["id"] != frame["id"] and pasted["members"] == ["a1", "b1"]
    assert pasted["title"] == "Hidden layer" and pasted["rect"] == [x + 40, y + 40, w, h]
    note, copied = c.doc.canvas["notes"]
    assert copied["id"] != note["id"] and copied["text"] == NOTE["text"]
    assert copied["pos"] == shifted(NOTE["pos"])
    assert c.doc.canvas["reroutes"]["a1>b1.x"] == [shifted(POINT)]
    assert c.stack.count() == 1  # one undo step
    assert c.scene.extras.frames[pasted["id"]].isSelected()
    assert c.scene.extras.notes[copied["id"]].isSelected()
    assert not c.scene.extras.frames[frame["id"]].isSelected()
    c.stack.undo()
    assert c.doc.canvas == before and list(c.doc.nodes) == ["a", "b", "c", "d"]


def test_select_all_copies_into_another_window_through_the_file_format(canvas):
    first = framed(canvas)
    first.key(Qt.Key_A, Qt.ControlModifier)
    first.key(Qt.Key_C, Qt.ControlModifier)
    text = QApplication.clipboard().text()
    loaded = document_from_dict(json.loads(text))  # the loader's own checks accept it
    assert loaded.canvas == first.doc.canvas
    second = canvas()
    second.view.activateWindow()
    second.view.setFocus()
    second.key(Qt.Key_V, Qt.ControlModifier)
    assert list(second.doc.nodes) == ["a", "b", "c", "d"]
    assert [f["members"] for f in second.doc.canvas["frames"]] == [["a", "b"]]
    assert second.doc.canvas["notes"][0]["pos"] == shifted(NOTE["pos"])
    assert second.doc.canvas["reroutes"] == {"a>b.x": [shifted(POINT)]}
    assert second.stack.count() == 1


def test_a_frame_whose_members_are_not_all_copied_stays_behind(canvas):
    c = framed(canvas)
    c.key(Qt.Key_A, Qt.ControlModifier)  # the frame is selected too
    c.click(c.scene.nodes["b"].pos() + QPointF(60.0, 10.0), Qt.ControlModifier)  # b out
    assert c.scene.selected_ids() == ["a", "c", "d"]
    c.key(Qt.Key_D, Qt.ControlModifier)
    assert len(c.doc.canvas["frames"]) == 1 and len(c.doc.canvas["notes"]) == 2
    assert "a1>b1.x" not in c.doc.canvas.get("reroutes", {})  # its wire was not copied


def test_cut_removes_the_clicked_frame_with_its_nodes_in_one_step_and_paste_returns_them(canvas):
    c = framed(canvas)
    rect = c.doc.canvas["frames"][0]["rect"]
    c.click(QPointF(rect[0] + 60.0, rect[1] + 10.0))  # the frame's title: frame and members
    assert c.scene.selected_ids() == ["a", "b"]
    c.key(Qt.Key_X, Qt.ControlModifier)
    assert list(c.doc.nodes) == ["c", "d"] and "frames" not in c.doc.canvas
    assert len(c.doc.canvas["notes"]) == 1
    assert c.stack.count() == 1
    c.key(Qt.Key_V, Qt.ControlModifier)
    (frame,) = c.doc.canvas["frames"]
    assert frame["members"] == ["a", "b"] and frame["rect"][:2] == shifted(rect)  # ids free
    assert c.doc.canvas["reroutes"] == {"a>b.x": [shifted(POINT)]}
    c.stack.undo()
    c.stack.undo()
    assert set(c.doc.nodes) == set("abcd")
    assert c.doc.canvas["frames"][0]["members"] == ["a", "b"]


def test_a_note_alone_duplicates_and_a_bad_fragment_pastes_nothing(canvas):
    c = framed(canvas)
    note = c.scene.extras.notes["note1"]
    c.click(note.pos() + QPointF(20.0, 10.0))
    assert note.isSelected() and c.scene.selected_ids() == []
    c.key(Qt.Key_D, Qt.ControlModifier)
    assert [n["pos"] for n in c.doc.canvas["notes"]] == [NOTE["pos"], shifted(NOTE["pos"])]
    assert list(c.doc.nodes) == ["a", "b", "c", "d"] and c.stack.count() == 1
    c.key(Qt.Key_C, Qt.ControlModifier)
    data = json.loads(QApplication.clipboard().text())
    data["canvas"]["notes"][0]["size"] = "wide"  # a file with this note would not load
    QApplication.clipboard().setText(json.dumps(data))
    c.key(Qt.Key_V, Qt.ControlModifier)
    assert c.stack.count() == 1 and len(c.doc.canvas["notes"]) == 2
