"""Groups as gates (issue 29 item 3): ports from the wires crossing the border, nesting,
ungroup, save and load, values and gradients unchanged, ONNX export flat, the group's local
gradient computed by the engine (the notes' sigmoid gate: 0.73 x 0.27 = 0.20)."""

import json

import numpy as np
import pytest

from engine.errors import FileFormatError
from graphlab.examples import open_graph
from graphlab.fileformat import document_to_dict, load_bytes, load_document, save_document
from graphlab.group_explain import chain, explain_group, group_gate, local_gradients
from graphlab.groups import (
    GroupError,
    leaves,
    make_group,
    ports_of,
    representatives,
    scope_members,
    ungroup,
)

#: the notes' sigmoid gate: 1 / (1 + exp(-s)) gate by gate
SIGMOID_GATES = ["neg", "e", "one", "den", "f"]


def grouped_neuron():
    doc = open_graph("sigmoid-neuron")
    doc.set_groups(make_group(doc.groups, SIGMOID_GATES, "sigma", (900.0, 0.0), "sigmoid"))
    return doc


def run(doc):
    graph = doc.compile(dtype="float64")
    graph.forward(doc.input_feeds())
    graph.backward()
    return graph


def test_ports_are_the_wires_crossing_the_border():
    doc = grouped_neuron()
    ports = ports_of(set(leaves(doc.groups, "sigma")), doc.nodes, doc.edges)
    assert ports.inputs == ("s",) and ports.outputs == ("f",)
    inner = ports_of({"w0x0", "w1x1", "dot"}, doc.nodes, doc.edges)
    assert inner.inputs == ("w0", "x0", "w1", "x1") and inner.outputs == ("dot",)


def test_values_and_gradients_are_bit_identical_and_ungroup_restores():
    plain = open_graph("sigmoid-neuron")
    doc = grouped_neuron()
    a, b = run(plain), run(doc)
    for nid in plain.nodes:
        assert np.array_equal(a.values[nid], b.values[nid])
        assert np.array_equal(a.grads.get(nid, 0), b.grads.get(nid, 0))
    doc.set_groups(ungroup(doc.groups, "sigma"))
    assert document_to_dict(doc) == document_to_dict(plain)


def test_nesting_scopes_and_representatives():
    doc = grouped_neuron()
    groups = make_group(doc.groups, ["w0x0", "w1x1", "dot"], "dotg", (300.0, 0.0))
    groups = make_group(groups, ["dotg", "s", "sigma"], "neuron", (500.0, 0.0))
    assert set(leaves(groups, "neuron")) == {"w0x0", "w1x1", "dot", "s", *SIGMOID_GATES}
    assert scope_members(groups, doc.nodes)[:1] == ["neuron"]
    reps = representatives(groups, doc.nodes, "neuron")
    assert reps["f"] == "sigma" and reps["s"] == "s" and "w0" not in reps
    with pytest.raises(GroupError, match="different groups"):
        make_group(groups, ["w0", "dot"], "bad", (0, 0))
    flat = ungroup(groups, "neuron")
    assert set(scope_members(flat, doc.nodes)) >= {"dotg", "sigma", "s"}


def test_save_load_and_removal_round_trip(tmp_path):
    doc = grouped_neuron()
    path = tmp_path / "g.graphlab"
    save_document(doc, path)
    again = load_document(path)
    assert again.groups == doc.groups
    before = doc.groups
    removal = doc.remove_nodes(SIGMOID_GATES)
    assert doc.groups == {}
    doc.restore_nodes(removal)
    assert doc.groups == before


@pytest.mark.parametrize(
    "groups, why",
    [
        ([{"id": "g", "members": ["nope"]}], "no node or group"),
        ([{"id": "f", "members": ["neg"]}], "expected a new id"),
        ([{"id": "g", "members": ["neg"]}, {"id": "h", "members": ["neg"]}], "already in group"),
        ([{"id": "g", "members": ["h"]}, {"id": "h", "members": ["g"]}], "circle"),
        ([{"id": "g", "members": ["neg"], "pos": [0, "x"]}], "pos"),
        ({"id": "g"}, "expected a list"),
    ],
)
def test_damaged_groups_are_refused_with_one_line(groups, why):
    data = document_to_dict(open_graph("sigmoid-neuron"))
    data["groups"] = groups
    with pytest.raises(FileFormatError, match=why) as info:
        load_bytes(json.dumps(data).encode(), "g.json")
    assert "\n" not in str(info.value)


def test_the_sigmoid_gates_local_gradient_is_the_engines():
    doc = grouped_neuron()
    graph = run(doc)
    inside = set(leaves(doc.groups, "sigma"))
    gate = group_gate(graph, inside, ports_of(inside, doc.nodes, doc.edges), "f")
    local = local_gradients(gate)["s"].item()
    sigma = graph.values["f"].item()
    assert sigma == pytest.approx(0.7311, abs=1e-4)
    assert local == pytest.approx(sigma * (1 - sigma), rel=1e-12)
    assert graph.grads["s"].item() == pytest.approx(local, rel=1e-12)  # upstream 1 at the sink
    steps = chain(gate, "s")
    assert [nid for nid, _ in steps] == ["neg", "e", "den", "f"]
    assert np.prod([v for _, v in steps]) == pytest.approx(local, rel=1e-12)
    events = list(doc.compile(dtype="float64").trace(doc.input_feeds()))
    backward_f = next(e for e in events if e.phase == "backward" and e.node == "f")
    text = "\n".join(explain_group(gate, "sigmoid", SIGMOID_GATES, backward_f).lines)
    assert "0.1966" in text and "about 0.20" in text


def test_onnx_export_of_a_grouped_graph_gives_the_ungrouped_outputs():
    pytest.importorskip("onnx", reason="the export extra is not installed")
    ort = pytest.importorskip("onnxruntime", reason="the export extra is not installed")
    from graphlab.export.onnx_export import to_onnx_model

    def outputs(doc):
        session = ort.InferenceSession(to_onnx_model(doc).SerializeToString())
        feeds = {i.name: np.asarray(doc.inputs[i.name], np.float32) for i in session.get_inputs()}
        return session.run(None, feeds)

    plain, grouped = outputs(open_graph("sigmoid-neuron")), outputs(grouped_neuron())
    assert len(plain) == len(grouped) == 1
    assert np.array_equal(plain[0], grouped[0])
    assert plain[0].item() == pytest.approx(0.7311, abs=1e-4)


def test_the_pytorch_export_of_a_grouped_graph_is_the_ungrouped_one(tmp_path):
    from graphlab.export import export_torch

    export_torch(open_graph("sigmoid-neuron"), tmp_path / "plain.py")
    export_torch(grouped_neuron(), tmp_path / "grouped.py")
    plain = (tmp_path / "plain.py").read_text()
    assert "class" in plain and (tmp_path / "grouped.py").read_text() == plain
