"""Live checks: per-node problems and shapes, and refusing bad wires with a reason."""

from graphlab.analysis import analyse, connection_problem
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.examples import example_names, open_graph
from graphlab.templates import add_op


def test_bundled_examples_have_no_problems():
    for name in example_names():
        result = analyse(open_graph(name))
        assert result.problems == {}, name
        assert set(result.shapes) == set(open_graph(name).nodes)


def small_doc():
    doc = GraphDocument()
    add_op(doc, "input", id="x", shape=[3, 4])
    add_op(doc, "input", id="v", shape=[5])
    add_op(doc, "exp", "x", id="e")
    doc.add_node(DocNode("s", "add"))
    return doc


def test_problems_go_on_past_the_first_fault():
    doc = small_doc()
    doc.add_node(DocNode("p", "power", {"exponent": "two"}))
    result = analyse(doc)
    assert result.problems["s"] == "input port 'a' is not connected"
    assert "attr 'exponent'" in result.problems["p"]
    assert result.shapes["e"] == (3, 4)


def test_connection_refusals_say_why():
    doc = small_doc()
    assert connection_problem(doc, DocEdge("e", "s", "a")) is None
    doc.add_edge(DocEdge("e", "s", "a"))
    assert "already connected" in connection_problem(doc, DocEdge("x", "s", "a"))
    assert "cycle: s -> e" not in (connection_problem(doc, DocEdge("v", "s", "b")) or "")
    reason = connection_problem(doc, DocEdge("v", "s", "b"))
    assert "v gives (5,)" in reason and "(3, 4)" in reason
    assert connection_problem(doc, DocEdge("s", "e", "x")).startswith("input 'x' of e is already")
    doc.remove_edge(DocEdge("x", "e", "x"))
    assert connection_problem(doc, DocEdge("s", "e", "x")) == "that would make a cycle: e -> s -> e"
    assert connection_problem(doc, DocEdge("e", "e", "x")) == "a node cannot feed itself"
    assert connection_problem(doc, DocEdge("x", "s", "kernel")).startswith(
        "node 's' (add) has no input 'kernel'"
    )
