"""Build the circuit-add-mul example with mouse and keyboard only, save, load, compare."""

from __future__ import annotations

from PySide6.QtCore import QPointF

from engine.ops import get_op
from graphlab.document import GraphDocument
from graphlab.examples import open_graph
from graphlab.fileformat import load_document, save_document


def canonical(doc: GraphDocument):
    """The document without ids and positions: each node as the expression it computes
    (op, validated attrs, stored input value, and its inputs' expressions by port)."""
    sources = {(e.dst, e.port): e.src for e in doc.edges}

    def expr(nid: str):
        node = doc.nodes[nid]
        op = get_op(node.op)
        attrs = tuple(sorted(op.validate_attrs(node.attrs).items()))
        feeds = tuple((p, expr(sources[(nid, p)])) for p in op.inputs if (nid, p) in sources)
        return (node.op, attrs, doc.inputs.get(nid), node.label, feeds)

    return (
        sorted(map(repr, (expr(nid) for nid in doc.nodes))),
        len(doc.edges),
        doc.dataset,
        doc.training,
        expr(doc.loss) if doc.loss else None,
    )


def test_build_circuit_add_mul_with_mouse_and_keyboard(canvas, tmp_path):
    c = canvas()
    scene = c.scene
    for k, y in enumerate((-110, 0, 110)):
        assert c.drop("op:input", QPointF(80, y))
        assert list(c.doc.nodes)[-1] == f"input{k + 1}"
    assert c.drop("op:add", QPointF(330, 0))
    assert c.drop("op:multiply", QPointF(580, 0))
    x, y, z = (scene.nodes[f"input{k}"] for k in (1, 2, 3))
    q, f = scene.nodes["add1"], scene.nodes["multiply1"]
    c.drag(x.output_pos(), q.input_pos("a"))
    c.drag(y.output_pos(), q.input_pos("b"))
    c.drag(q.output_pos(), f.input_pos("a"))
    c.drag(z.output_pos(), f.input_pos("b"))
    assert len(c.doc.edges) == 4 and c.stack.count() == 9
    # dropped inputs start as scalars (shape []); typing their values is the inspector's job
    for node, value in zip((x, y, z), (-2.0, 5.0, -4.0), strict=True):
        c.doc.set_input_value(node.nid, value)
    c.settle()
    assert not scene.analysis.problems and f.shape_text == "()"

    path = tmp_path / "circuit.graphlab"
    save_document(c.doc, path)
    loaded = load_document(path)
    example = open_graph("circuit-add-mul")
    assert canonical(loaded) == canonical(example)
    assert canonical(loaded) == canonical(c.doc)
    # the comparison is not vacuous: swapping the multiply's ports changes it
    loaded.edges = [
        e if e.dst != "multiply1" else type(e)(e.src, e.dst, "b" if e.port == "a" else "a")
        for e in loaded.edges
    ]
    assert canonical(loaded) != canonical(example)
