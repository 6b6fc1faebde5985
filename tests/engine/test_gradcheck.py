"""The gradient check itself: it passes right gradients, fails wrong ones, and handles kinks."""

import numpy as np
import pytest

from engine.build import GraphBuilder
from engine.gradcheck import gradient_check, relative_error
from engine.ops import REGISTRY


def test_relative_error_is_the_cs231n_formula():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0
    assert relative_error([1.0], [3.0]) == pytest.approx(0.5)
    assert relative_error([0.0], [0.0]) == 0


@pytest.fixture
def broken_exp(monkeypatch):
    """exp whose backward forgets to multiply by the upstream gradient."""
    op = REGISTRY["exp"]
    monkeypatch.setattr(type(op), "local_grad", lambda self, xp, x, out, g, attrs: out)


def exp_graph():
    b = GraphBuilder()
    b.add("exp", b.add("input", id="x", shape=[4, 3]), id="e")
    return b.build(dtype="float64")


def test_a_right_gradient_passes():
    feeds = {"x": np.random.default_rng(0).uniform(-1, 1, (4, 3))}
    assert gradient_check(exp_graph(), feeds)["x"].error < 1e-8


def test_a_wrong_gradient_fails(broken_exp):
    feeds = {"x": np.random.default_rng(0).uniform(-1, 1, (4, 3))}
    assert gradient_check(exp_graph(), feeds)["x"].error > 0.1


def test_an_element_exactly_at_a_kink_is_left_out_and_counted():
    b = GraphBuilder()
    b.add("relu", b.add("input", id="x", shape=[3]), id="r")
    result = gradient_check(b.build(dtype="float64"), {"x": np.array([-1.0, 0.0, 2.0])})["x"]
    assert result.kinks == 1 and result.checked == 2 and result.error < 1e-8


def test_parameters_and_stochastic_ops_are_checked():
    b = GraphBuilder()
    x = b.add("input", id="x", shape=[5, 4])
    w = b.add("parameter", id="w", shape=[4, 3], init="xavier")
    b.add("sum", b.add("dropout", b.add("matmul", x, w, id="h"), id="d", p=0.5), id="s")
    graph = b.build(dtype="float64", seed=1)
    feeds = {"x": np.random.default_rng(1).standard_normal((5, 4))}
    results = gradient_check(graph, feeds, train=True)
    assert set(results) == {"x", "w"} and results["w"].kind == "parameter"
    assert max(r.error for r in results.values()) < 1e-7
