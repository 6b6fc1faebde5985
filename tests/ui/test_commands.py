"""Every command undoes and redoes to an identical document, without a window."""

import numpy as np
import pytest
from PySide6.QtGui import QUndoStack

from graphlab.document import DocEdge, DocNode
from graphlab.examples import open_graph
from graphlab.fileformat import document_to_dict
from graphlab.layout import layered_positions
from ui.commands import (
    AddNodes,
    Connect,
    Disconnect,
    MoveNodes,
    RemoveNodes,
    SetAttrs,
    SetInputValue,
    SetLabel,
)


def state(doc):
    return document_to_dict(doc), {k: v.tobytes() for k, v in doc.params.items()}


def trained(name):
    doc = open_graph(name)
    graph = doc.compile(seed=1)
    doc.set_params({k: np.asarray(v) for k, v in graph.params.items()})
    return doc


COMMANDS = {
    "add": lambda d: AddNodes(
        d,
        [DocNode("n1", "negate", pos=(5, 5)), DocNode("n2", "exp")],
        [DocEdge("n1", "n2", "x"), DocEdge("fc", "n1", "x")],
        "Paste",
    ),
    "remove": lambda d: RemoveNodes(d, ["conv2_W", "relu1", "fc"]),
    "connect": lambda d: Connect(d, DocEdge("x", "n", "x")),
    "disconnect": lambda d: Disconnect(d, d.edges[3]),
    "move": lambda d: MoveNodes(d, {"conv1": (10, 20), "pool1": (-3.5, 7)}),
    "layout": lambda d: MoveNodes(d, layered_positions(d), "Automatic layout"),
    "attrs": lambda d: SetAttrs(d, "fc_W", {"shape": [128, 12], "init": "xavier"}),
    "label": lambda d: SetLabel(d, "conv1", "first conv"),
    "input value": lambda d: SetInputValue(d, "x", [[0.5]]),
}


@pytest.mark.parametrize("name", COMMANDS)
def test_command_undoes_and_redoes_to_an_identical_document(name):
    doc = trained("cnn-digits")
    if name == "connect":
        doc.add_node(DocNode("n", "negate"))
    if name == "input value":
        doc.inputs["x"] = [[1.0]]
    if name == "layout":
        for node in doc.nodes.values():
            node.pos = (0.0, 0.0)
    before = state(doc)
    stack = QUndoStack()
    stack.push(COMMANDS[name](doc))
    after = state(doc)
    assert after != before
    stack.undo()
    assert state(doc) == before
    stack.redo()
    assert state(doc) == after
    stack.undo()
    assert state(doc) == before


def test_commands_emit_change_events():
    doc = open_graph("circuit-add-mul")
    seen = []
    doc.subscribe(seen.append)
    stack = QUndoStack()
    stack.push(RemoveNodes(doc, ["q"]))
    kinds = [c.kind for c in seen]
    assert kinds.count("edge_removed") == 3 and kinds[-1] == "node_removed"
    stack.undo()
    assert [c.kind for c in seen[len(kinds) :]].count("edge_added") == 3
