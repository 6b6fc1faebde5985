"""Clipboard fragments and new nodes, without a window: ids, groups, validation, starters."""

from __future__ import annotations

import json

import pytest

from engine.ops import REGISTRY
from graphlab.document import DocNode, GraphDocument
from graphlab.examples import open_graph
from graphlab.fileformat import document_from_dict, document_to_dict
from graphlab.fragments import dropped_nodes, fragment, instantiate, parse_fragment


def test_a_fragment_holds_the_nodes_and_only_the_edges_among_them():
    doc = open_graph("cnn-digits")
    data = fragment(doc, ["conv1", "relu1", "conv1_W"])
    assert [n["id"] for n in data["nodes"]] == ["conv1_W", "conv1", "relu1"]
    assert [(e["from"], e["to"]) for e in data["edges"]] == [
        ("conv1_W", "conv1"),
        ("conv1", "relu1"),
    ]
    part = parse_fragment(json.dumps(data))
    assert list(part.nodes) == ["conv1_W", "conv1", "relu1"] and len(part.edges) == 2


def test_pasting_into_the_same_document_renames_ids_and_groups():
    doc = open_graph("cnn-digits")
    part = parse_fragment(fragment(doc, ["conv2_W", "conv2_b", "conv2", "relu2"]))
    nodes, edges = instantiate(doc, part, (10.0, -5.0))
    assert [n.id for n in nodes] == ["conv3_W", "conv3_b", "conv3", "relu3"]
    assert [n.group for n in nodes] == ["conv3", "conv3", "conv3", ""]
    assert nodes[2].pos == (doc.nodes["conv2"].pos[0] + 10.0, doc.nodes["conv2"].pos[1] - 5.0)
    assert {(e.src, e.dst, e.port) for e in edges} == {
        ("conv3_W", "conv3", "w"),
        ("conv3_b", "conv3", "b"),
        ("conv3", "relu3", "x"),
    }
    assert not {n.id for n in nodes} & set(doc.nodes)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[1, 2]",
        '{"format": "graphlab", "version": 1, "nodes": []}',
        '{"format": "graphlab", "version": 1, "nodes": [{"id": "a", "op": "nope"}]}',
        '{"format": "graphlab", "version": 1, "nodes": [{"id": "a", "op": "relu", "pos": "x"}]}',
        '{"format": "graphlab", "version": 1, "nodes": [{"id": "a", "op": "relu"}],'
        ' "edges": [{"from": "a", "to": "b", "port": "x"}]}',
    ],
)
def test_text_that_is_not_a_valid_fragment_is_refused(text):
    assert parse_fragment(text) is None


@pytest.mark.parametrize("op", sorted(REGISTRY))
def test_every_dropped_op_saves_and_loads(op):
    doc = GraphDocument()
    nodes, edges = dropped_nodes(doc, f"op:{op}", (12.5, -3.0))
    assert edges == [] and nodes[0].pos == (12.5, -3.0)
    for node in nodes:
        doc.add_node(node)
    loaded = document_from_dict(document_to_dict(doc))
    assert loaded.nodes[nodes[0].id].attrs == nodes[0].attrs


def test_dropped_input_is_a_scalar_and_conv_starts_at_3x3():
    doc = GraphDocument()
    assert dropped_nodes(doc, "op:input", (0, 0))[0][0].attrs == {"shape": []}
    assert dropped_nodes(doc, "op:conv2d", (0, 0))[0][0].attrs == {"kernel": 3}
    doc.add_node(DocNode("add1", "add"))
    assert dropped_nodes(doc, "op:add", (0, 0))[0][0].id == "add2"
    with pytest.raises(KeyError):
        dropped_nodes(doc, "template:Nothing", (0, 0))
    with pytest.raises(KeyError):
        dropped_nodes(doc, "relu", (0, 0))


def test_three_wired_nodes_copied_in_one_window_paste_into_another(canvas):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from graphlab.examples import open_graph
    from graphlab.fragments import parse_fragment

    first = canvas(open_graph("sigmoid-neuron"))
    first.scene.select_ids(["neg", "e", "den"])  # neg -> e -> den: two wires among them
    first.key(Qt.Key_C, Qt.ControlModifier)
    text = QApplication.clipboard().text()
    assert parse_fragment(text) is not None and '"format": "graphlab"' in text
    second = canvas()
    second.view.activateWindow()
    second.view.setFocus()
    second.key(Qt.Key_V, Qt.ControlModifier)
    assert sorted(n.op for n in second.doc.nodes.values()) == ["add", "exp", "negate"]
    assert len(second.doc.edges) == 2
    assert {(e.src, e.dst) for e in second.doc.edges} == {("neg", "e"), ("e", "den")}
    second.stack.undo()
    assert second.doc.nodes == {}
