"""Every write to the document goes through a method that emits a typed change; listeners get
the kinds they subscribed to; the analysis is computed once per revision."""

from __future__ import annotations

import numpy as np
import pytest

from engine import validate
from graphlab.changes import STRUCTURE, ChangeKind
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.examples import open_graph

K = ChangeKind


def recorded(doc: GraphDocument, kinds=None) -> list:
    seen = []
    doc.subscribe(seen.append, kinds)
    return seen


def small() -> GraphDocument:
    doc = GraphDocument()
    doc.add_node(DocNode("x", "input", {"shape": [3]}))
    doc.add_node(DocNode("W", "parameter", {"shape": [3]}))
    doc.add_node(DocNode("m", "multiply"))
    doc.add_edge(DocEdge("x", "m", "a"))
    return doc


WRITES = [
    (lambda d: d.add_node(DocNode("n", "negate")), [(K.NODE_ADDED, "n")]),
    (lambda d: d.move_node("x", (5, 6)), [(K.NODE_MOVED, "x")]),
    (lambda d: d.set_label("x", "data"), [(K.NODE_CHANGED, "x")]),
    (lambda d: d.set_attrs("x", {"shape": [4]}), [(K.NODE_CHANGED, "x")]),
    (lambda d: d.add_edge(DocEdge("W", "m", "b")), [(K.EDGE_ADDED, DocEdge("W", "m", "b"))]),
    (lambda d: d.connect(DocEdge("W", "m", "b")), [(K.EDGE_ADDED, DocEdge("W", "m", "b"))]),
    (lambda d: d.remove_edge(DocEdge("x", "m", "a")), [(K.EDGE_REMOVED, DocEdge("x", "m", "a"))]),
    (lambda d: d.disconnect(DocEdge("x", "m", "a")), [(K.EDGE_REMOVED, DocEdge("x", "m", "a"))]),
    (lambda d: d.set_params({"W": np.ones(3)}), [(K.PARAMS_CHANGED, None)]),
    (lambda d: d.set_input_value("x", [1, 2, 3]), [(K.INPUT_CHANGED, "x")]),
    (lambda d: d.set_training({"lr": 0.1}), [(K.TRAINING_CHANGED, None)]),
    (lambda d: d.set_dataset({"data_input": "x"}), [(K.DATASET_CHANGED, None)]),
    (lambda d: d.set_loss("m"), [(K.LOSS_CHANGED, None)]),
    (lambda d: d.set_info("a name", "what it is"), [(K.INFO_CHANGED, None)]),
    (lambda d: d.replace_with(GraphDocument()), [(K.RESET, None)]),
    (lambda d: d.set_groups({}), [(K.GROUPS_CHANGED, None)]),
    (lambda d: d.set_canvas({"wire_style": "straight"}), [(K.CANVAS_CHANGED, None)]),
    (
        lambda d: d.remove_nodes(["m"]),
        [(K.EDGE_REMOVED, DocEdge("x", "m", "a")), (K.NODE_REMOVED, "m")],
    ),
]


@pytest.mark.parametrize(("write", "expected"), WRITES)
def test_each_write_emits_its_typed_change(write, expected):
    doc = small()
    seen = recorded(doc)
    write(doc)
    assert [(c.kind, c.subject) for c in seen] == expected
    assert all(isinstance(c.kind, ChangeKind) for c in seen)


def test_every_kind_is_emitted_by_some_write():
    kinds = {kind for _, expected in WRITES for kind, _ in expected}
    doc = small()
    doc.set_params({"W": np.ones(3)})
    seen = recorded(doc)
    doc.remove_nodes(["W"])  # its stored value goes with it
    kinds |= {c.kind for c in seen}
    assert kinds == set(ChangeKind)
    assert seen[-1].kind == K.DROPPED and seen[-1].subject == (
        "the stored value of W: no parameter W",
    )


def test_listeners_get_only_the_kinds_they_subscribed_to():
    doc = small()
    structure, training, everything = (
        recorded(doc, STRUCTURE),
        recorded(doc, [K.TRAINING_CHANGED]),
        recorded(doc),
    )
    doc.move_node("x", (1, 1))
    doc.set_training({"epochs": 3})
    doc.add_node(DocNode("n", "negate"))
    assert [c.kind for c in structure] == [K.NODE_ADDED]
    assert [c.kind for c in training] == [K.TRAINING_CHANGED]
    assert len(everything) == 3
    doc.unsubscribe(everything.append)
    doc.set_loss("n")
    assert len(everything) == 3
    with pytest.raises(ValueError):
        doc.unsubscribe(everything.append)


def test_the_analysis_is_computed_once_per_revision(monkeypatch):
    calls = []
    real = validate.analyse
    monkeypatch.setattr(validate, "analyse", lambda n, e: calls.append(1) or real(n, e))
    doc = open_graph("cnn-digits")
    first = doc.analysis()
    assert doc.analysis() is first and len(calls) == 1
    doc.move_node("conv1", (1, 2))
    doc.set_training({"lr": 1.0})
    assert doc.analysis() is first and len(calls) == 1
    doc.set_attrs("fc_W", {"shape": [100, 10], "init": "he"})
    again = doc.analysis()
    assert again is not first and "fc" in again.problems and len(calls) == 2


def test_what_a_reshape_drops_comes_back_and_later_values_stay():
    doc = open_graph("cnn-digits")
    old = dict(doc.nodes["fc_W"].attrs)
    doc.set_params({"fc_W": np.ones((128, 10), np.float32)})
    seen = recorded(doc)
    dropped = doc.set_attrs("fc_W", {"shape": [128, 5], "init": "he"})
    assert "fc_W" not in doc.params and doc.problems() == []
    assert [c.kind for c in seen] == [K.NODE_CHANGED, K.PARAMS_CHANGED, K.DROPPED]
    assert "shape (128, 10), the graph's (128, 5)" in dropped.why[0]
    doc.set_params({"fc_b": np.ones(10, np.float32)})  # trained after the reshape
    doc.set_attrs("fc_W", old)
    doc.restore(dropped)
    assert set(doc.params) == {"fc_W", "fc_b"} and doc.params["fc_W"].shape == (128, 10)


def test_values_written_for_nodes_that_are_gone_are_dropped_at_once():
    doc = open_graph("cnn-digits")
    doc.set_params({"ghost": np.ones(3), "fc_b": np.ones(10)}, {"fc": {"running_mean": np.ones(2)}})
    doc.set_dataset({**doc.dataset, "label_input": "nobody"})
    assert set(doc.params) == {"fc_b"} and doc.state == {} and "label_input" not in doc.dataset
    assert doc.problems() == []
