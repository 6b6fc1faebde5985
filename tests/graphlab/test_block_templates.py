"""The residual, depthwise-separable and inception blocks of the palette: a tiny ResNet built
from them compiles, runs forward and backward, and stepping through its add shows the gradient carried
around the block unchanged."""

import numpy as np

from engine.ops.base import fmt
from graphlab.document import DocEdge, GraphDocument
from graphlab.explain import explain
from graphlab.templates import (
    LAYER_TEMPLATES,
    add_conv,
    add_inception_block,
    add_linear,
    add_op,
    add_separable_block,
    layer_template,
)


def tiny_resnet() -> GraphDocument:
    """x (N, 1, 8, 8) -> conv 1->8, relu -> the palette's residual block (dropped as the
    palette drops it, then wired) -> separable 8->16 -> inception -> global mean -> affine."""
    doc = GraphDocument("tiny-resnet")
    add_op(doc, "input", id="x", shape=[-1, 1, 8, 8])
    add_op(doc, "input", id="y", shape=[-1], dtype="int")
    stem = add_op(doc, "relu", add_conv(doc, "x", 1, 8, 3, "stem", pad=1), id="stem_relu")
    nodes, edges = layer_template("Residual block", doc, (400.0, 0.0))
    for node in nodes:
        doc.add_node(node)
    for edge in edges:
        doc.add_edge(edge)
    block = "res1"  # the block's output node: the first free id of its prefix
    assert block in {n.id for n in nodes}
    doc.add_edge(DocEdge(stem, f"{block}_conv1", "x"))
    doc.add_edge(DocEdge(stem, f"{block}_add", "b"))
    sep = add_separable_block(doc, block, 8, 16, "sep")
    mixed = add_inception_block(doc, sep, 16, "mix")
    pooled = add_op(doc, "mean", mixed, id="gap", axis=[2, 3])
    scores = add_linear(doc, pooled, 16, 3, "fc")
    doc.loss = add_op(doc, "softmax_cross_entropy", scores, "y", id="loss")
    return doc


def test_the_palette_offers_the_three_blocks_laid_out_and_grouped():
    assert {"Residual block", "Depthwise-separable block", "Inception block"} <= set(LAYER_TEMPLATES)  # fmt: skip
    for name in ("Residual block", "Depthwise-separable block", "Inception block"):
        nodes, _ = layer_template(name, GraphDocument(), (100.0, 50.0))
        assert len({n.group for n in nodes}) == 1
        assert min(n.pos[0] for n in nodes) == 100.0 and min(n.pos[1] for n in nodes) == 50.0
        assert len({n.pos for n in nodes}) == len(nodes)  # no two nodes on top of each other


def test_stepping_through_the_residual_add_shows_the_gradient_going_around_the_block():
    doc = tiny_resnet()
    graph = doc.compile(dtype="float64")
    rng = np.random.default_rng(0)
    feeds = {"x": rng.standard_normal((2, 1, 8, 8)), "y": np.array([0, 2])}
    assert fmt(graph.shapes["mix"]) == "(N, 16, 8, 8)"
    events = list(graph.trace(feeds, train=True, output="loss"))
    add = next(e for e in events if e.phase == "backward" and e.node == "res1_add")
    for port in ("a", "b"):  # the add distributes: both branches get dout unchanged
        np.testing.assert_array_equal(add.input_grads[port], add.grad_out)
    contributions: dict = {}
    text = explain(add, graph, contributions)
    assert "add gate: gradient distributor" in text.rule
    assert any("dL/dstem_relu = dout" in line for line in text.lines)
    stem = next(e for e in events if e.phase == "backward" and e.node == "stem_relu")
    assert sorted(src for src, _ in stem.grad_sources) == ["res1_add", "res1_conv1"]
