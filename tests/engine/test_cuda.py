"""The engine on a GPU through cupy: ops, optimizers and training equal the CPU's results.

Every test here is skipped, with the sentence of ``cuda_unavailable_reason()``, on a machine
without cupy or without a working NVIDIA GPU. ``scripts/gpu_check.sh`` runs this file there.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.backend import cuda_description, cuda_unavailable_reason
from engine.build import GraphBuilder
from engine.errors import DatasetError, DeviceError
from engine.plan import compile_training_plan
from engine.plan.cuda_stages import CudaConvBlock
from tests.engine.cases import all_cases
from tests.engine.test_cuda_kernels import batch, small_cnn
from tests.engine.test_standin_backend import FIRST_ORDER, _steps, conv_net, digits_like, run_case

REASON = cuda_unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

CASES = all_cases()
#: largest error relative to the reference array's largest magnitude, per dtype
TOLERANCE = {"float32": 1e-5, "float64": 1e-10}


@pytest.fixture(scope="module")
def cupy():
    import cupy

    return cupy


def assert_close(ours: dict, reference: dict, rel: float, what: str, cupy) -> None:
    """Same keys; each value a cupy array of the reference's dtype within ``rel`` of it
    (reference: numpy or cupy arrays)."""
    assert ours.keys() == reference.keys(), what
    for key, expected in reference.items():
        value, expected = ours[key], cupy.asnumpy(expected)
        assert isinstance(value, cupy.ndarray), f"{what} {key} is a {type(value).__name__}"
        assert value.dtype == expected.dtype, f"{what} {key}"
        got = value.get()
        scale = float(np.max(np.abs(expected), initial=0.0)) or 1.0
        error = float(np.max(np.abs(got - expected), initial=0.0)) / scale
        assert error <= rel, f"{what} {key}: relative error {error:.2e} > {rel:g}"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_op_on_cuda_equals_numpy(case, dtype, cupy):
    graph, values, grads = run_case(case, "cuda", dtype)
    _, ref_values, ref_grads = run_case(case, "cpu", dtype)
    rel = TOLERANCE[dtype]
    assert_close(values, ref_values, rel, "value of", cupy)
    assert_close(grads, ref_grads, rel, "gradient of", cupy)
    for nid, state in graph.state.items():
        assert all(isinstance(v, cupy.ndarray) for v in state.values()), nid


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_optimizer_on_cuda_equals_numpy(name, cupy):
    params, opt = _steps(name, cupy)
    reference, ref_opt = _steps(name, np)
    assert opt.xp is cupy
    assert_close(params, reference, TOLERANCE["float32"], "parameter", cupy)
    assert_close(opt.state, ref_opt.state, TOLERANCE["float32"], "optimizer state", cupy)


def test_training_plan_on_cuda_equals_the_per_node_path(cupy):
    """Fused conv blocks (first layer, stride 1 with pool, stride 2) against the plain ops."""
    graph = conv_net("cuda")
    X, y = digits_like(32)
    feeds = {"x": X, "labels": y}
    plan = compile_training_plan(graph, "loss")
    assert plan.compiled, plan.reason
    loss = plan.step(feeds)
    graph.forward(feeds, train=True)
    graph.backward("loss", wrt=list(graph.params))
    assert abs(loss - float(graph.values["loss"])) <= 1e-5 * abs(loss)
    reference = {pid: graph.grads[pid] for pid in plan.grads}
    assert_close(dict(plan.grads), reference, 1e-4, "plan gradient of", cupy)


def test_fused_plan_on_cuda_equals_the_per_node_path_in_float64(cupy):
    """The CUDA stages (fused kernels) on the GPU: 1e-10 of the plain ops; a label outside
    the classes is a DatasetError at the end of the step."""
    graph = small_cnn("float64", "cuda")
    plan = compile_training_plan(graph, "loss")
    assert [type(s) for s in plan.chains[0].stages][:3] == [CudaConvBlock] * 3
    for feeds in (batch(6), batch(4, seed=1)):
        loss = plan.step(feeds)
        graph.forward(feeds, train=True)
        graph.backward("loss", wrt=list(graph.params))
        assert abs(loss - float(graph.values["loss"])) <= 1e-10 * abs(loss)
        reference = {pid: graph.grads[pid] for pid in plan.grads}
        assert_close(dict(plan.grads), reference, TOLERANCE["float64"], "plan gradient of", cupy)
    feeds["labels"][0] = 10
    with pytest.raises(DatasetError, match="labels must lie in 0..9"):
        plan.step(feeds)


def train_cnn_digits(device: str, epochs: int = 3):
    """The cnn-digits example trained with its own settings; (trainer, history)."""
    from graphlab.examples import open_graph
    from graphlab.training import prepare_training

    trainer = prepare_training(open_graph("cnn-digits"), {"epochs": epochs}, device=device).trainer
    return trainer, trainer.run()


def test_training_cnn_digits_on_cuda_reaches_the_cpu_accuracy(cupy):
    trainer, history = train_cnn_digits("cuda")
    _, reference = train_cnn_digits("cpu")
    assert trainer.plan is not None, f"the plan was not used on CUDA: {trainer.plan_reason}"
    assert all(isinstance(v, cupy.ndarray) for v in trainer.graph.params.values())
    assert all(isinstance(v, cupy.ndarray) for v in trainer.optimizer.state.values())
    ours, theirs = history.epochs[-1], reference.epochs[-1]
    assert abs(ours.val_accuracy - theirs.val_accuracy) <= 0.01, (ours, theirs)
    assert abs(ours.train_accuracy - theirs.train_accuracy) <= 0.01, (ours, theirs)
    np.testing.assert_allclose(history.losses[:5], reference.losses[:5], rtol=1e-3)


def test_the_cuda_description_names_this_gpu(cupy):
    props = cupy.cuda.runtime.getDeviceProperties(0)
    gib = props["totalGlobalMem"] / 2**30
    assert cuda_description().startswith("CUDA: ") and gib > 0.5
    assert cuda_description().endswith(f", {gib:.0f} GiB"), cuda_description()


def test_out_of_memory_on_cuda_is_a_device_error_naming_the_size(cupy):
    """x (N, 1) @ x^T (1, N) with N = 2^21 asks for an (N, N) float32 result: 16 TiB."""
    b = GraphBuilder()
    x = b.add("input", id="x", shape=[-1, 1])
    b.add("matmul", x, b.add("transpose", x, id="xt"), id="outer")
    graph = b.build(device="cuda")
    with pytest.raises(DeviceError, match=r"the GPU ran out of memory allocating 16\.0 TiB"):
        graph.forward({"x": np.ones((2**21, 1), np.float32)})
    cupy.get_default_memory_pool().free_all_blocks()


def test_the_fused_adam_kernel_flushes_subnormal_float32_moments_to_zero(cupy):
    """The kernels run flush-to-zero on the GPU, as the CPU trainer does (engine.fpenv)."""
    from engine.kernels import cuda as kernels

    tiny = np.float32(1e-39)  # subnormal in float32
    assert 0 < tiny < np.finfo(np.float32).tiny
    grad = cupy.full(64, tiny, dtype=cupy.float32)
    m, v, out = (cupy.zeros(64, dtype=cupy.float32) for _ in range(3))
    kernels.adam_direction(grad, m, v, out, 0.9, 0.999, 1.0, 1e-8, 1e-3)
    assert float(cupy.abs(m).max()) == 0.0  # 1e-39 * 0.1 would be a subnormal 1e-40
    normal = cupy.full(64, 1e-3, dtype=cupy.float32)
    kernels.adam_direction(normal, m, v, out, 0.9, 0.999, 1.0, 1e-8, 1e-3)
    assert float(m[0]) == pytest.approx(1e-4, rel=1e-6)
