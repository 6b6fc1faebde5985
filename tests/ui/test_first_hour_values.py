"""The inspector's value editor for larger inputs: Zeros, Random and Load .npy, each one undo
step; a file of the wrong shape is refused with one sentence."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QPushButton

from graphlab.document import DocNode, GraphDocument
from ui.inspector import Inspector


def button(editor, text: str) -> QPushButton:
    return next(b for b in editor.findChildren(QPushButton) if b.text() == text)


def test_zeros_random_and_load_set_a_large_input(qtbot, tmp_path):
    doc, stack = GraphDocument(), QUndoStack()
    doc.add_node(DocNode("v", "input", {"shape": [20]}))
    inspector = Inspector(doc, stack)
    qtbot.addWidget(inspector)
    inspector.show()
    inspector.show_node("v")
    editor = inspector.input_editor
    assert editor.table is None and editor.text is None  # 20 numbers: no table
    assert "no value yet" in editor.info.text()
    qtbot.mouseClick(button(editor, "Zeros"), Qt.LeftButton)
    assert doc.inputs["v"] == [0.0] * 20 and stack.count() == 1
    qtbot.mouseClick(button(editor, "Random"), Qt.LeftButton)
    random = np.asarray(doc.inputs["v"])
    assert random.shape == (20,) and random.std() > 0.3 and stack.count() == 2
    qtbot.waitUntil(lambda: "norm" in editor.info.text())
    wrong, right = tmp_path / "wrong.npy", tmp_path / "right.npy"
    np.save(wrong, np.ones((4, 5)))
    np.save(right, np.arange(20.0))
    editor.load_path(str(wrong))
    assert editor.info.text() == "Cannot use wrong.npy: expected shape (20,), got (4, 5)"
    assert stack.count() == 2
    editor.load_path(str(right))
    assert doc.inputs["v"] == list(np.arange(20.0)) and stack.count() == 3
    stack.undo()
    assert np.array_equal(doc.inputs["v"], random)
    stack.undo()
    stack.undo()
    assert "v" not in doc.inputs
