"""Property test: random DAGs of elementwise and matmul ops pass the gradient check."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.build import GraphBuilder
from engine.gradcheck import gradient_check

BINARY = ["add", "subtract", "multiply", "matmul"]
UNARY = ["negate", "exp", "power"]


@st.composite
def random_dags(draw):
    """A graph of 2-4 (3, 3) inputs and 1-8 ops; the output is the last op's node."""
    b = GraphBuilder()
    nodes = [b.add("input", id=f"x{i}", shape=[3, 3]) for i in range(draw(st.integers(2, 4)))]
    for i in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            op = draw(st.sampled_from(BINARY))
            a, c = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
            nodes.append(b.add(op, a, c, id=f"n{i}"))
        else:
            op = draw(st.sampled_from(UNARY))
            attrs = {"exponent": 2.0} if op == "power" else {}
            nodes.append(b.add(op, draw(st.sampled_from(nodes)), id=f"n{i}", **attrs))
    seed = draw(st.integers(0, 2**16))
    return b, nodes[-1], seed


@settings(max_examples=40, deadline=None)
@given(random_dags())
def test_random_dags_pass_the_gradient_check(dag):
    builder, output, seed = dag
    graph = builder.build(dtype="float64")
    rng = np.random.default_rng(seed)
    feeds = {nid: rng.uniform(-0.7, 0.7, (3, 3)) for nid in graph.nodes_of("input")}
    results = gradient_check(graph, feeds, output=output, seed=seed, max_checks=None)
    for nid, result in results.items():
        scale = np.max(np.abs(result.numeric), initial=0)
        # Inputs that do not reach the output have zero gradient on both sides.
        assert result.error < 1e-6 or scale < 1e-9, f"{nid}: {result.error:.2e}"
