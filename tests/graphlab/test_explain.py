"""The explanation panel's text: the curriculum's chain-rule lines, checked for every example."""

import numpy as np
import pytest

from graphlab.binding import sample_feeds
from graphlab.examples import example_names, open_graph
from graphlab.explain import explain, record_contributions


def walk(name):
    doc = open_graph(name)
    graph = doc.compile(dtype="float64")
    feeds = sample_feeds(doc, batch=4)
    contributions, explained = {}, []
    for event in graph.trace(feeds, output=doc.loss_node(graph)):
        explained.append((event, explain(event, graph, contributions)))
        if event.phase == "backward":
            record_contributions(event, graph, contributions)
    return graph, explained


def test_the_first_circuit_reads_as_in_the_lecture():
    _, explained = walk("circuit-add-mul")
    lines = {e.node + e.phase: x.lines for e, x in explained}
    assert lines["qforward"] == ["q = x + y = -2 + 5 = 3"]
    assert lines["fbackward"] == [
        "dL/dq = dL/df * df/dq = 1 * -4 = -4",
        "dL/dz = dL/df * df/dz = 1 * 3 = 3",
    ]
    assert lines["qbackward"][0] == "dL/dx = dL/dq * dq/dx = -4 * 1 = -4"
    assert "gradient distributor" in next(x.rule for e, x in explained if e.node == "q")


def test_gradients_add_at_branches():
    from engine.build import GraphBuilder

    b = GraphBuilder()
    x = b.add("input", id="x", shape=[])
    b.add("add", b.add("multiply", x, x, id="sq"), x, id="f")
    graph = b.build(dtype="float64")
    contributions, lines = {}, []
    for event in graph.trace({"x": 3.0}):
        if event.phase == "backward":
            lines += explain(event, graph, contributions).lines
            record_contributions(event, graph, contributions)
    assert "gradients add at branches: dL/dx = 1 (from f) + 3 (from sq) + 3 (from sq) = 7" in lines


@pytest.mark.parametrize("name", example_names())
def test_numbers_equal_upstream_times_local_for_every_node(name):
    graph, explained = walk(name)
    checked = 0
    for event, explanation in explained:
        if event.phase != "backward":
            continue
        assert {t.port for t in explanation.terms} == set(event.input_grads)
        for term in explanation.terms:
            if term.local is None:  # a tensor: the line shows the engine's gradient itself
                norm = float(np.linalg.norm(event.input_grads[term.port]))
                assert f"norm {norm:.4g}" in term.text
                continue
            assert term.gradient == pytest.approx(term.upstream * term.local, rel=1e-9, abs=1e-12)
            assert term.gradient == pytest.approx(float(event.input_grads[term.port]))
            checked += 1
    assert checked or name not in ("circuit-add-mul", "sigmoid-neuron")


def test_tensor_lines_give_the_formula_with_shapes():
    _, explained = walk("two-layer-net-spiral")
    fc1 = next(x for e, x in explained if e.node == "fc1" and e.phase == "backward")
    by_source = {t.source: t.text for t in fc1.terms}
    assert by_source["fc1_W"].startswith("dL/dfc1_W = x^T dout : (2, 100), norm ")
    assert by_source["x"].startswith("dL/dx = dout fc1_W^T : (4, 2)")
    assert by_source["fc1_b"].startswith("dL/dfc1_b = sum of dout over the batch : (100,)")
