"""The lessons' checkers: the course's numbers, the build check's function-and-gradient
comparison, and the restricted expression evaluator."""

from __future__ import annotations

import numpy as np
import pytest

from engine.ops.elementwise import Unary
from engine.ops.registry import REGISTRY
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.lessons import ExpressionError, evaluate, load_catalog, step_document
from graphlab.lessons.checks import check_answer, check_function, reference_gradient, truth
from graphlab.lessons.expr import Expression
from graphlab.lessons.format import Task

CATALOG = load_catalog()


def _truths(name: str) -> list[np.ndarray]:
    lesson = CATALOG.find(name)
    return [
        truth(step.task, step_document(lesson, step.number))
        for step in lesson.steps
        if step.task is not None and step.task.kind == "predict"
    ]


def test_the_circuit_numbers_come_from_the_engine():
    assert [float(t[0]) for t in _truths("1")] == [3.0, -12.0, 3.0, -4.0, -4.0]


def test_the_sigmoid_neuron_numbers_match_the_notes():
    f, dw, dx, local = _truths("sigmoid-neuron")
    assert abs(float(f[0]) - 0.73) < 0.005
    np.testing.assert_allclose(dw, [-0.20, -0.39, 0.20], atol=0.005)
    np.testing.assert_allclose(dx, [0.39, -0.59], atol=0.005)
    assert abs(float(local) - 0.20) < 0.005  # (1 - sigma) sigma


def test_the_svm_and_vectorized_numbers_match_the_lecture():
    cat, car, frog, mean = _truths("svm-loss")
    assert [round(float(v), 2) for v in (cat, car, frog, mean[0])] == [2.9, 0.0, 12.9, 5.27]
    q, shape, dW, dx = _truths("vectorized-gradients")
    np.testing.assert_allclose(dW, 2 * np.outer(q, [0.2, 0.4]).ravel())
    assert list(shape) == [2, 2]


def test_a_predict_answer_within_the_tolerance_passes_and_outside_fails():
    lesson = CATALOG.find("1")
    step = lesson.steps[1]
    doc = step_document(lesson, 2)
    assert check_answer(step.task, doc, "3.02").passed  # rtol 1e-2
    verdict = check_answer(step.task, doc, "3.1")
    assert not verdict.passed and verdict.message == "3.1 is not the value of q."
    with pytest.raises(ExpressionError):
        check_answer(step.task, doc, "three")


def _scalar_graph(ops: list[tuple[str, str]], edges: list[tuple[str, str, str]]) -> GraphDocument:
    doc = GraphDocument()
    for name in ("x", "y", "z"):
        doc.add_node(DocNode(name, "input", {"shape": []}))
    for nid, op in ops:
        doc.add_node(DocNode(nid, op))
    for edge in edges:
        doc.add_edge(DocEdge(*edge))
    return doc


BUILD = Task("build", expression=Expression("(x + y) * z"), inputs={"x": (), "y": (), "z": ()})


def test_build_accepts_the_same_function_in_another_shape():
    # x*z + y*z for (x+y)*z: distributed, other gates, same value and gradients
    doc = _scalar_graph(
        [("xz", "multiply"), ("yz", "multiply"), ("f", "add")],
        [("x", "xz", "a"), ("z", "xz", "b"), ("y", "yz", "a"), ("z", "yz", "b"),
         ("xz", "f", "a"), ("yz", "f", "b")],
    )  # fmt: skip
    verdict = check_function(BUILD, doc)
    assert verdict.passed, verdict.message


def test_build_refuses_a_different_function_naming_the_first_draw():
    doc = _scalar_graph(
        [("q", "add"), ("f", "multiply")],
        [("x", "q", "a"), ("z", "q", "b"), ("q", "f", "a"), ("y", "f", "b")],  # (x+z)*y
    )
    verdict = check_function(BUILD, doc)
    assert not verdict.passed
    assert (
        verdict.message.startswith("draw 1 of 20 (x=") and "your graph gives f =" in verdict.message
    )


class Detached(Unary):
    """Identity forward, zero gradient: a (custom) op whose value is right and gradient wrong."""

    name = "lesson_test_detached"

    def compute(self, xp, x, attrs):
        return x

    def local_grad(self, xp, x, out, g, attrs):
        return 0 * g


def test_build_refuses_a_graph_with_the_right_value_but_a_wrong_gradient(monkeypatch):
    monkeypatch.setitem(REGISTRY, Detached.name, Detached())
    doc = _scalar_graph(
        [("q", "add"), ("zd", Detached.name), ("f", "multiply")],
        [("x", "q", "a"), ("y", "q", "b"), ("z", "zd", "x"), ("q", "f", "a"), ("zd", "f", "b")],
    )
    verdict = check_function(BUILD, doc)
    assert not verdict.passed
    assert "the value is right, but df/dz = 0 in your graph" in verdict.message
    assert verdict.message.startswith("draw 1 of 20")


def test_build_names_a_missing_or_extra_input():
    doc = _scalar_graph([("f", "add")], [("x", "f", "a"), ("y", "f", "b")])
    del doc.nodes["z"]
    assert "no input named z" in check_function(BUILD, doc).message
    doc = _scalar_graph([("f", "add")], [("x", "f", "a"), ("y", "f", "b")])
    doc.add_node(DocNode("k", "input", {"shape": []}))
    assert "input k is not one of x, y, z" in check_function(BUILD, doc).message


def test_reference_gradient_matches_the_analytic_one():
    expression = Expression("sum(matmul(W, x) ** 2)")
    W, x = np.array([[0.1, 0.5], [-0.3, 0.8]]), np.array([0.2, 0.4])
    got = reference_gradient(expression, {"W": W, "x": x}, "W")
    np.testing.assert_allclose(got, 2 * np.outer(W @ x, x), rtol=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "x.__class__",
        "open('f')",
        "(lambda: 1)()",
        "x[0]",
        "sum(x, axis=0)",
        "[i for i in x]",
        "'text'",
        "x if y else z",
        "True + 1",
        "exp",
    ],
)
def test_the_evaluator_refuses_anything_outside_the_subset(text):
    with pytest.raises(ExpressionError):
        Expression(text)


def test_the_evaluator_computes_names_numbers_operators_and_whitelisted_functions():
    assert float(evaluate("-(x + y) * z ** 2 / 4", {"x": 1, "y": 2, "z": 2})) == -3.0
    assert float(
        evaluate("maximum(0, 5.1 - 3.2 + 1) + maximum(0, -1.7 - 3.2 + 1)")
    ) == pytest.approx(2.9)
    np.testing.assert_allclose(evaluate("sigmoid([0, 1])"), [0.5, 1 / (1 + np.exp(-1))])
    assert Expression("w0*x0 + exp(w2) + pi").names == {"w0", "x0", "w2"}
    with pytest.raises(ExpressionError, match="unknown name z"):
        evaluate("x + z", {"x": 1})
    with pytest.raises(ExpressionError, match="exponent"):
        evaluate("10 ** 100000")
