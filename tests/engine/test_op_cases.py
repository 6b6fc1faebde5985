"""Every op: gradient check in float64 and forward/backward parity with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from engine.build import GraphBuilder
from engine.gradcheck import gradient_check
from engine.ops import REGISTRY
from tests.engine.cases import NO_CASES, OpCase, all_cases

CASES = all_cases()


def build(case: OpCase):
    """A float64 graph: one input node per port feeding the op under test."""
    b = GraphBuilder()
    op = REGISTRY[case.op]
    ports = []
    for port in op.inputs:
        value = case.inputs[port]
        dtype = "int" if np.issubdtype(value.dtype, np.integer) else "float"
        ports.append(b.add("input", id=port, shape=list(value.shape), dtype=dtype))
    b.add(case.op, *ports, id="out", **case.attrs)
    return b.build(dtype="float64")


def test_every_op_has_three_cases():
    counts = {name: 0 for name in REGISTRY if name not in NO_CASES}
    for case in CASES:
        counts[case.op] += 1
    assert {name: n for name, n in counts.items() if n < 3} == {}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_gradient_check(case: OpCase):
    graph = build(case)
    results = gradient_check(graph, case.inputs, train=case.train, max_checks=None)
    floats = [p for p, v in case.inputs.items() if not np.issubdtype(v.dtype, np.integer)]
    assert sorted(results) == sorted(floats)
    for port, result in results.items():
        assert result.error < case.tolerance, f"{port}: relative error {result.error:.2e}"


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.torch], ids=[c.id for c in CASES if c.torch]
)
def test_matches_pytorch(case: OpCase, torch):
    graph = build(case)
    rng = np.random.default_rng(7)
    graph.forward(case.inputs, train=case.train)
    out = np.asarray(graph.values["out"])
    upstream = rng.standard_normal(out.shape)
    graph.backward(grad=upstream)

    tensors = []
    for port in REGISTRY[case.op].inputs:
        value = case.inputs[port]
        is_float = not np.issubdtype(value.dtype, np.integer)
        tensors.append(torch.tensor(value, requires_grad=is_float))
    expected = case.torch(torch, *tensors, **case.attrs)
    expected.backward(torch.tensor(upstream))

    scale = max(1.0, float(np.max(np.abs(out), initial=0)))
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=0, atol=1e-8 * scale)
    for port, tensor in zip(REGISTRY[case.op].inputs, tensors, strict=True):
        if tensor.requires_grad:
            ours = np.asarray(graph.grads[port])
            theirs = tensor.grad.numpy()
            gscale = max(1.0, float(np.max(np.abs(theirs), initial=0)))
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-8 * gscale, err_msg=port)
