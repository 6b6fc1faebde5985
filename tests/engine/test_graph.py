"""The executable graph: the curriculum's circuits, the trace, and every structural error."""

import numpy as np
import pytest

from engine.backend import cuda_unavailable_reason
from engine.build import GraphBuilder
from engine.errors import AttrError, CycleError, DeviceError, GraphError, ShapeError
from engine.graph import Edge, Graph, Node


def add_mul_circuit():
    b = GraphBuilder()
    x, y, z = (b.add("input", id=n, shape=[]) for n in "xyz")
    q = b.add("add", x, y, id="q")
    b.add("multiply", q, z, id="f")
    return b.build(dtype="float64"), {"x": -2.0, "y": 5.0, "z": -4.0}


def sigmoid_neuron():
    """f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))), gate by gate as in the lecture."""
    b = GraphBuilder()
    w0, x0, w1, x1, w2 = (b.add("input", id=n, shape=[]) for n in ("w0", "x0", "w1", "x1", "w2"))
    p0 = b.add("multiply", w0, x0, id="p0")
    p1 = b.add("multiply", w1, x1, id="p1")
    s = b.add("add", b.add("add", p0, p1, id="s01"), w2, id="s")
    e = b.add("exp", b.add("negate", s, id="neg"), id="e")
    one = b.add("constant", id="one", value=1.0)
    b.add("reciprocal", b.add("add", e, one, id="den"), id="f")
    feeds = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    return b.build(dtype="float64"), feeds


def test_add_multiply_circuit_matches_the_lecture():
    graph, feeds = add_mul_circuit()
    values = graph.forward(feeds)
    assert values["q"] == 3 and values["f"] == -12
    grads = graph.backward()
    assert [grads[n] for n in "xyz"] == [-4, -4, 3]


def test_sigmoid_neuron_matches_the_lecture():
    graph, feeds = sigmoid_neuron()
    assert graph.forward(feeds)["f"] == pytest.approx(0.7311, abs=1e-4)
    grads = graph.backward()
    dw = [grads[n] for n in ("w0", "w1", "w2")]
    dx = [grads[n] for n in ("x0", "x1")]
    np.testing.assert_allclose(dw, [-0.1966, -0.3932, 0.1966], atol=1e-4)
    np.testing.assert_allclose(dx, [0.3932, -0.5898], atol=1e-4)


def test_trace_visits_forward_in_order_then_backward_in_reverse():
    graph, feeds = add_mul_circuit()
    events = list(graph.trace(feeds))
    forward = [e.node for e in events if e.phase == "forward"]
    backward = [e.node for e in events if e.phase == "backward"]
    assert forward == graph.order
    assert backward == list(reversed(graph.order))
    assert [e.tick for e in events] == list(range(len(events)))
    f_event = next(e for e in events if e.phase == "backward" and e.node == "f")
    assert f_event.grad_out == 1 and f_event.input_grads == {"a": -4, "b": 3}
    assert next(e for e in events if e.node == "q" and e.phase == "backward").grad_sources == [
        ("f", "a")
    ]


def test_gradients_add_at_branches():
    b = GraphBuilder()
    x = b.add("input", id="x", shape=[])
    b.add("multiply", x, x, id="sq")
    graph = b.build(dtype="float64")
    graph.forward({"x": 3.0})
    assert graph.backward()["x"] == 6
    event = [e for e in graph.trace({"x": 3.0}) if e.phase == "backward" and e.node == "x"][0]
    assert event.grad_sources == [("sq", "a"), ("sq", "b")] and event.grad_out == 6


def test_wrt_limits_the_backward_pass():
    graph, feeds = add_mul_circuit()
    graph.forward(feeds)
    grads = graph.backward(wrt=["z"])
    assert grads["z"] == 3 and "x" not in grads and "q" not in grads


def test_cycle_names_its_nodes_in_order():
    nodes = [Node("a", "negate"), Node("b", "negate"), Node("c", "negate")]
    edges = [Edge("a", "b", "x"), Edge("b", "c", "x"), Edge("c", "a", "x")]
    with pytest.raises(
        CycleError, match=r"cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)"
    ):
        Graph(nodes, edges)


def test_unconnected_port_names_node_and_port():
    nodes = [Node("x", "input", {"shape": [2]}), Node("s", "add")]
    with pytest.raises(GraphError, match=r'node "s" \(add\): input port \'b\' is not connected'):
        Graph(nodes, [Edge("x", "s", "a")])


def test_shape_mismatch_names_both_shapes_node_and_port():
    b = GraphBuilder()
    b.add("add", b.add("input", id="x", shape=[3, 4]), b.add("input", id="y", shape=[5]), id="s")
    with pytest.raises(ShapeError, match=r'node "s" \(add\).*\'b\'.*\(3, 4\).*\(5,\)'):
        b.build()


def test_bad_attr_names_attr_value_and_what_is_allowed():
    with pytest.raises(
        AttrError, match=r'node "p" \(power\): attr \'exponent\': expected a number, got \'two\''
    ):
        Graph([Node("p", "power", {"exponent": "two"})], [])
    with pytest.raises(AttrError, match=r"has no attr 'stride'"):
        Graph([Node("p", "negate", {"stride": 2})], [])


def test_structural_errors():
    with pytest.raises(GraphError, match="unknown op 'ad'.*did you mean .*add"):
        Graph([Node("a", "ad")], [])
    with pytest.raises(GraphError, match="duplicate node id 'a'"):
        Graph([Node("a", "input", {"shape": [1]}), Node("a", "input", {"shape": [1]})], [])
    with pytest.raises(GraphError, match="no node 'ghost'"):
        Graph([Node("a", "negate")], [Edge("ghost", "a", "x")])
    with pytest.raises(GraphError, match="has no input 'y'"):
        Graph([Node("x", "input", {"shape": [1]}), Node("a", "negate")], [Edge("x", "a", "y")])


def test_run_time_errors_name_the_node():
    graph, feeds = add_mul_circuit()
    with pytest.raises(GraphError, match='node "z" \\(input\\) has no value'):
        graph.forward({"x": 1.0, "y": 2.0})
    with pytest.raises(ShapeError, match=r'node "x" \(input\): fed shape \(2,\), expected \(\)'):
        graph.forward({**feeds, "x": [1.0, 2.0]})
    b = GraphBuilder()
    b.add("negate", b.add("input", id="v", shape=[3]), id="n")
    vector = b.build()
    vector.forward({"v": [1, 2, 3]})
    with pytest.raises(GraphError, match="backward needs a scalar output"):
        vector.backward()


def test_batch_size_unknown_until_fed():
    b = GraphBuilder()
    b.add("exp", b.add("input", id="x", shape=[-1, 2]), id="e")
    graph = b.build()
    assert graph.shapes["e"] == (None, 2)
    assert graph.forward({"x": np.zeros((5, 2))})["e"].shape == (5, 2)
    assert graph.values["e"].dtype == np.float32


def test_cuda_without_gpu_is_a_clear_error():
    reason = cuda_unavailable_reason()
    if reason is None:
        pytest.skip("a CUDA GPU is present; the error path needs a machine without one")
    with pytest.raises(DeviceError, match="CUDA is not available"):
        GraphBuilder().build(device="cuda")
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        GraphBuilder().build(device="tpu")


def test_errors_raised_while_running_name_the_node():
    b = GraphBuilder()
    b.add("reshape", b.add("input", id="x", shape=[-1, 4]), id="r", shape=[2, 8])
    graph = b.build()
    with pytest.raises(ShapeError, match=r'node "r" \(reshape\)'):
        graph.forward({"x": np.zeros((3, 4))})
