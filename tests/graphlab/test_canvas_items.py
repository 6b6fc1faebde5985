"""Bypass, frames, notes, reroute points and wire style in the document and the file
(issue 29 items 4 and 5): bypass changes the run as if the node were not there; the rest
survive save and load and change no value."""

import json
from pathlib import Path

import numpy as np
import pytest

from engine.errors import FileFormatError
from graphlab.binding import sample_feeds
from graphlab.canvas_items import bypass_port, bypassed_wiring, edge_key, pasted_canvas
from graphlab.document import DocEdge
from graphlab.examples import open_graph
from graphlab.fileformat import document_to_dict, load_bytes, load_document, save_document
from graphlab.fragments import fragment, instantiate, parse_fragment
from graphlab.templates import add_batchnorm


def outputs(doc, feeds) -> dict:
    graph = doc.compile(dtype="float64")
    values = graph.forward(feeds)
    graph.backward(doc.loss_node(graph))
    return {"loss": values[doc.loss_node(graph)], "scores": values["fc2"], **graph.grads}


def test_bypassing_the_relu_equals_the_graph_without_it():
    doc = open_graph("two-layer-net-spiral")
    feeds = sample_feeds(doc, batch=8)
    port, why = bypass_port(doc, "relu1")
    assert (port, why) == ("x", "")
    doc.set_canvas({"bypassed": {"relu1": port}})
    without = open_graph("two-layer-net-spiral")
    without.remove_nodes(["relu1"])
    without.connect(DocEdge("fc1", "fc2", "x"))
    got, want = outputs(doc, feeds), outputs(without, feeds)
    assert np.array_equal(got["loss"], want["loss"]) and np.array_equal(
        got["scores"], want["scores"]
    )
    assert all(np.array_equal(got[k], want[k]) for k in want if k in got)
    with_relu = outputs(open_graph("two-layer-net-spiral"), feeds)
    assert not np.array_equal(with_relu["scores"], got["scores"])  # the bypass did something


def test_bypass_is_refused_with_the_reason_where_the_shapes_differ():
    doc = open_graph("two-layer-net-spiral")
    port, why = bypass_port(doc, "fc2")
    assert port is None and "(N, 3)" in why and "x is (N, 100)" in why


def test_a_bypassed_batchnorm_leaves_out_its_parameters():
    doc = open_graph("two-layer-net-spiral")
    bn = add_batchnorm(doc, "fc1", 100, "bn")
    nodes, edges = bypassed_wiring(doc.nodes, doc.edges, {bn: "x"})
    assert {"bn", "bn_gamma", "bn_beta"}.isdisjoint(nodes) and "fc1" in nodes


def test_reroutes_frames_notes_and_style_survive_save_and_load_and_change_no_value(tmp_path):
    doc = open_graph("sigmoid-neuron")
    before = outputs_of_circuit(doc)
    canvas = {
        "frames": [{"id": "frame1", "title": "the dot product", "colour": "#5c6bc0",
                    "members": ["w0x0", "w1x1", "dot"], "rect": [200.0, -100.0, 420.0, 220.0]}],
        "notes": [{"id": "note1", "text": "**sigmoid** gate: 1/(1+e^-x)", "pos": [900.0, 120.0],
                   "size": [220.0, 80.0]}],
        "reroutes": {edge_key(DocEdge("s", "neg", "x")): [[760.0, 80.0], [820.0, 80.0]]},
        "wire_style": "angled",
    }  # fmt: skip
    doc.set_canvas(canvas)
    assert outputs_of_circuit(doc) == before
    path = tmp_path / "g.graphlab"
    save_document(doc, path)
    again = load_document(path)
    assert again.canvas == canvas and outputs_of_circuit(again) == before
    doc.disconnect(DocEdge("s", "neg", "x"))  # a reroute of a wire that is gone is not saved
    assert "reroutes" not in document_to_dict(doc)["canvas"]


def outputs_of_circuit(doc) -> list[float]:
    graph = doc.compile(dtype="float64")
    values = graph.forward(doc.input_feeds())
    graph.backward()
    return [float(values["f"])] + [float(graph.grads[k]) for k in ("w0", "x0", "w1", "x1", "w2")]


@pytest.mark.parametrize(
    "canvas, why",
    [
        ({"frames": [{"id": "f"}]}, "expected an object with id"),
        ({"wire_style": "wiggly"}, "expected one of curved"),
        ({"reroutes": {"s>neg.x": [[0, "a"]]}}, "list of \\[x, y\\] points"),
        ({"notes": [{"id": "n", "text": 3, "pos": [0, 0], "size": [1, 1]}]}, "string id and text"),
        ({"colours": []}, "unknown key"),
        ([], "expected an object"),
    ],
)
def test_a_damaged_canvas_is_refused_with_one_line(canvas, why):
    data = document_to_dict(open_graph("sigmoid-neuron"))
    data["canvas"] = canvas
    with pytest.raises(FileFormatError, match=why) as info:
        load_bytes(json.dumps(data).encode(), Path("g.json"))
    assert "\n" not in str(info.value)


def test_removing_a_bypassed_node_forgets_the_bypass_and_undo_brings_it_back():
    doc = open_graph("two-layer-net-spiral")
    doc.set_canvas({"bypassed": {"relu1": "x"}})
    removal = doc.remove_nodes(["relu1"])
    assert doc.canvas == {}
    doc.restore_nodes(removal)
    assert doc.canvas == {"bypassed": {"relu1": "x"}}


def test_bypassing_the_named_loss_runs_backward_from_what_passes_through():
    doc = open_graph("two-layer-net-spiral")
    doc.set_loss("loss_fc2_W")  # data loss + penalties, the last add
    port, _ = bypass_port(doc, "loss_fc2_W")
    doc.set_canvas({"bypassed": {"loss_fc2_W": port}})
    graph = doc.compile()
    assert "loss_fc2_W" not in graph.nodes
    assert doc.loss_node(graph) == doc.source_of("loss_fc2_W", port)


def test_a_copy_carries_its_frames_notes_reroutes_and_bypass_and_pastes_them_renamed():
    doc = open_graph("two-layer-net-spiral")
    frame = {"id": "frame1", "title": "hidden", "colour": "#5c6bc0",
             "members": ["fc1", "relu1"], "rect": [0.0, 0.0, 400.0, 100.0]}  # fmt: skip
    note = {"id": "note1", "text": "ReLU", "pos": [10.0, -80.0], "size": [220.0, 60.0]}
    doc.set_canvas({"bypassed": {"relu1": "x"}, "frames": [frame], "notes": [note],
                    "reroutes": {"fc1>relu1.x": [[300.0, 50.0]]}})  # fmt: skip
    part = parse_fragment(fragment(doc, ["fc1", "relu1"], ["frame1"], ["note1"]))
    assert part.canvas == doc.canvas
    nodes, edges = instantiate(doc, part, (40.0, 40.0))
    id_map = {old: n.id for old, n in zip(part.nodes, nodes, strict=True)}
    pasted = pasted_canvas(doc.canvas, part.canvas, part.edges, id_map, (40.0, 40.0))
    new_fc, new_relu = id_map["fc1"], id_map["relu1"]
    assert pasted["frames"][1] == {**frame, "id": "frame2", "members": [new_fc, new_relu],
                                   "rect": [40.0, 40.0, 400.0, 100.0]}  # fmt: skip
    assert pasted["notes"][1] == {**note, "id": "note2", "pos": [50.0, -40.0]}
    assert pasted["reroutes"][f"{new_fc}>{new_relu}.x"] == [[340.0, 90.0]]
    assert pasted["bypassed"] == {"relu1": "x", new_relu: "x"}
    assert doc.canvas["frames"] == [frame]  # the document's canvas is left as it was


def test_a_copy_leaves_out_a_frame_not_wholly_copied_and_a_bypass_without_its_wire():
    doc = open_graph("two-layer-net-spiral")
    frame = {"id": "frame1", "title": "hidden", "colour": "#5c6bc0",
             "members": ["fc1", "relu1"], "rect": [0.0, 0.0, 400.0, 100.0]}  # fmt: skip
    doc.set_canvas({"bypassed": {"relu1": "x"}, "frames": [frame]})
    assert "canvas" not in fragment(doc, ["relu1", "fc2"], ["frame1"])
    assert fragment(doc, ["fc1", "relu1"])["canvas"] == {"bypassed": {"relu1": "x"}}
