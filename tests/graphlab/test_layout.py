"""Automatic layout: layers by longest path, sources next to their first consumer."""

from graphlab.examples import open_graph
from graphlab.layout import LAYER_GAP, layered_positions


def columns(doc) -> dict[str, int]:
    return {nid: round(x / LAYER_GAP) for nid, (x, _) in layered_positions(doc).items()}


def test_the_circuits_z_sits_beside_the_add_gate_below_it():
    doc = open_graph("circuit-add-mul")
    col, pos = columns(doc), layered_positions(doc)
    assert col == {"x": 0, "y": 0, "z": 1, "q": 1, "f": 2}
    assert pos["z"][1] > pos["q"][1]  # below: its wire to f does not cross the gate


def test_weights_and_labels_sit_one_layer_before_their_consumer():
    doc = open_graph("cnn-digits")
    col = columns(doc)
    assert col["x"] == 0 and col["conv1"] == 1
    for source, consumer in (("conv2_W", "conv2"), ("fc_W", "fc"), ("y", "loss")):
        assert col[source] == col[consumer] - 1, source
    assert max(col.values()) == col["loss"]
