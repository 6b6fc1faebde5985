"""The fused CUDA kernels' source, compiled as C++ and run on the CPU, against the xp code.

``engine.kernels.cuda`` holds CUDA C++; with one thread in one block every kernel's
grid-stride loop covers all elements in order, so a small prelude (``__global__`` and friends
defined away, blockIdx/threadIdx fixed) lets g++ build the same source for the CPU. The plan's
CUDA stages then run on numpy arrays through those kernels, so their logic is checked on every
machine; tests/engine/test_cuda.py runs them on a real GPU.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import numpy as np
import pytest

from engine.build import GraphBuilder
from engine.errors import DatasetError
from engine.kernels import cuda as kernels
from engine.kernels.chwn import maxpool2x2_backward, maxpool2x2_forward
from engine.optim import Adam
from engine.plan import compile_training_plan
from engine.plan.cuda_stages import CudaConvBlock, CudaLoss
from tests.engine.test_plan_losses import (
    SHAPES,
    assert_equal_results,
    dense_net,
    feeds_of,
    per_node,
)

PRELUDE = r"""
#include <cmath>
using namespace std;
struct Index { unsigned int x; };
static const Index blockIdx = {0}, threadIdx = {0}, blockDim = {1}, gridDim = {1};
#define __global__
#define __device__
#define __shared__ static
static inline void __syncthreads() {}
"""

C_TYPES = {
    np.dtype(np.int32): ctypes.c_int32,
    np.dtype(np.int64): ctypes.c_int64,
    np.dtype(np.float32): ctypes.c_float,
    np.dtype(np.float64): ctypes.c_double,
}


class CpuModule:
    """Stands in for cupy.RawModule: get_function(name)(grid, block, args) on numpy arrays."""

    def __init__(self, library) -> None:
        self.library = library

    def get_function(self, name: str):
        function = getattr(self.library, name)

        def launch(grid, block, args):
            function(*(_c_value(a) for a in args))

        return launch


def _c_value(value):
    if isinstance(value, np.ndarray):
        return ctypes.c_void_p(value.ctypes.data)
    return C_TYPES[np.dtype(type(value))](value)


@pytest.fixture(scope="module")
def cpu_compile(tmp_path_factory):
    """Stands in for kernels.compile_module: the source built by g++ (each source once)."""
    compiler = shutil.which("g++")
    assert compiler, "g++ is needed to check the CUDA kernels on the CPU (apt install g++)"
    folder, built = tmp_path_factory.mktemp("kernels"), {}

    def compile_module(source: str) -> CpuModule:
        if source not in built:
            path = folder / f"kernels{len(built)}.cpp"
            path.write_text(PRELUDE + source)
            flags = ["-O1", "-ffp-contract=off", "-shared", "-fPIC"]
            library = path.with_suffix(".so")
            subprocess.run([compiler, *flags, str(path), "-o", str(library)], check=True)
            built[source] = CpuModule(ctypes.CDLL(str(library)))
        return built[source]

    return compile_module


@pytest.fixture(params=[False, True], ids=["int-indices", "64-bit-indices"])
def on_cpu(request, cpu_compile, monkeypatch):
    """The plan and Adam take the fused-kernel path on numpy arrays, through the C++ build,
    every launch with the index width of the parameter."""
    monkeypatch.setattr(kernels, "compile_module", cpu_compile)
    monkeypatch.setattr(kernels, "_wide", lambda *sizes: request.param)
    for module in ("engine.plan.match", "engine.optim"):
        monkeypatch.setattr(f"{module}.fused_kernels", lambda xp: True)
    forget_compiled_kernels()
    yield
    forget_compiled_kernels()


def forget_compiled_kernels() -> None:
    kernels._module.cache_clear()
    kernels._function.cache_clear()


def small_cnn(dtype: str = "float64", device: str = "cpu"):
    """Three-channel input; conv 5x5 pad 2 with relu and pool (first layer), conv 3x3 without
    relu then pool, conv stride 2 with relu, no pool; affine to 10 classes."""
    b = GraphBuilder()
    x = b.add("input", id="x", shape=[-1, 3, 10, 10])
    labels = b.add("input", id="labels", shape=[-1], dtype="int")
    layers = [
        (3, 4, 5, 1, 2, True, True),
        (4, 6, 3, 1, 1, False, True),
        (6, 8, 3, 2, 1, True, False),
    ]
    for i, (channels, filters, kernel, stride, pad, relu, pooled) in enumerate(layers):
        w = b.add("parameter", id=f"w{i}", shape=[filters, channels, kernel, kernel])
        bias = b.add("parameter", id=f"b{i}", shape=[filters], init="relu_bias")
        x = b.add("conv2d", x, w, bias, id=f"conv{i}", kernel=kernel, stride=stride, pad=pad)
        if relu:
            x = b.add("relu", x, id=f"relu{i}")
        if pooled:
            x = b.add("maxpool", x, id=f"pool{i}")
    x = b.add("flatten", x, id="flat")
    w = b.add("parameter", id="fc.w", shape=[8, 10], init="xavier")
    scores = b.add("affine", x, w, b.add("parameter", id="fc.b", shape=[10]), id="scores")
    b.add("softmax_cross_entropy", scores, labels, id="loss")
    return b.build(dtype=dtype, device=device, seed=3)


def batch(count: int, dtype: str = "float64", seed: int = 0):
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((count, 3, 10, 10)).astype(dtype),
        "labels": rng.integers(0, 10, count),
    }


def test_fused_plan_equals_the_per_node_path(on_cpu):
    graph = small_cnn()
    plan = compile_training_plan(graph, "loss")
    stages = [type(s) for s in plan.chains[0].stages]
    assert stages[:3] == [CudaConvBlock] * 3 and isinstance(plan.chains[0].loss, CudaLoss)
    for feeds in (batch(6), batch(4, seed=1), batch(6, seed=2)):  # batch sizes switch buffers
        loss = plan.step(feeds)
        graph.forward(feeds, train=True)
        graph.backward("loss", wrt=list(graph.params))
        assert loss == pytest.approx(float(graph.values["loss"]), rel=1e-12)
        for pid, grad in plan.grads.items():
            np.testing.assert_allclose(grad, graph.grads[pid], rtol=1e-10, atol=1e-12, err_msg=pid)
    evaluated, scores = plan.evaluate(feeds)
    graph.forward(feeds, train=False)
    assert evaluated == pytest.approx(float(graph.values["loss"]), rel=1e-12)
    np.testing.assert_allclose(scores, graph.values["scores"], rtol=1e-12)


def test_fused_plan_in_float32_matches_the_xp_plan(on_cpu, monkeypatch):
    feeds = batch(8, "float32")
    fused = compile_training_plan(small_cnn("float32"), "loss")
    losses = [fused.step(feeds)]
    for module in ("engine.plan.match", "engine.optim"):
        monkeypatch.setattr(f"{module}.fused_kernels", lambda xp: False)
    plain = compile_training_plan(small_cnn("float32"), "loss")
    losses.append(plain.step(feeds))
    assert losses[0] == pytest.approx(losses[1], rel=1e-6)
    for pid, grad in plain.grads.items():
        np.testing.assert_allclose(fused.grads[pid], grad, rtol=2e-5, atol=1e-6, err_msg=pid)


@pytest.mark.parametrize("shape", ["softmax-l2-two-weights", "svm-l1-elastic"])
def test_fused_plan_with_penalties_equals_the_per_node_path(on_cpu, shape):
    """Softmax keeps the fused loss kernel; the SVM loss and the penalties run as xp code."""
    graph = dense_net(*SHAPES[shape])
    plan = compile_training_plan(graph)
    fused = isinstance(plan.chains[0].loss, CudaLoss)
    assert fused is (shape == "softmax-l2-two-weights")
    feeds = feeds_of(6)
    loss = plan.step(feeds)
    grads = {k: v.copy() for k, v in plan.grads.items()}
    assert_equal_results(loss, grads, *per_node(graph, feeds))


def test_labels_out_of_range_raise_at_the_end_of_the_step(on_cpu):
    plan = compile_training_plan(small_cnn(), "loss")
    feeds = batch(4)
    feeds["labels"][2] = 10
    with pytest.raises(DatasetError, match=r"labels must lie in 0\.\.9 for 10 class scores"):
        plan.step(feeds)
    feeds["labels"][2] = -1
    with pytest.raises(DatasetError, match="labels must lie in"):
        plan.step(feeds)
    feeds["labels"][2] = 9
    assert np.isfinite(plan.step(feeds))


def test_pool_winner_follows_the_first_maximum_like_the_xp_pool(on_cpu):
    """Ties everywhere (values from {0, 1}) and negative values under the ReLU."""
    rng = np.random.default_rng(4)
    y = rng.integers(-1, 2, (3, 4, 50)).astype(np.float32)
    grad = rng.standard_normal((3, 50)).astype(np.float32)
    bias = np.array([0.0, 0.5, -1.0], np.float32)
    out, winner = np.empty((3, 50), np.float32), np.empty((3, 50), np.uint8)
    kernels.pool_bias_relu(y.reshape(3, -1), bias, out, winner, pooled=True, relu=True)
    expected, masks = np.empty_like(out), np.empty((3, 3, 50), bool)
    maxpool2x2_forward(np, y, expected, np.empty_like(out), masks)
    expected = np.maximum(expected + bias[:, None], 0)
    np.testing.assert_array_equal(out, expected)
    g, dy = np.empty_like(grad), np.empty_like(y)
    kernels.relu_unpool(grad, out, winner, g, dy.reshape(3, -1), pooled=True, relu=True)
    np.testing.assert_array_equal(g, grad * (expected > 0))
    reference = np.empty_like(y)
    maxpool2x2_backward(np, grad * (expected > 0), reference, masks)
    np.testing.assert_array_equal(dy, reference)


def test_adam_kernel_equals_adams_operations(on_cpu, monkeypatch):
    rng = np.random.default_rng(5)
    start = {"w": rng.standard_normal((4, 5)).astype(np.float32), "b": np.zeros(5, np.float32)}
    runs = []
    for fused in (True, False):
        monkeypatch.setattr("engine.optim.fused_kernels", lambda xp, fused=fused: fused)
        params = {k: v.copy() for k, v in start.items()}
        opt = Adam(params, lr=0.01)
        for step in range(5):
            grads = {k: np.sin(v * (step + 1)).astype(np.float32) for k, v in params.items()}
            opt.step(grads)
        runs.append((params, opt.state))
    (params, state), (ref_params, ref_state) = runs
    for key in params:
        np.testing.assert_array_equal(params[key], ref_params[key], err_msg=key)
    for name in state:
        np.testing.assert_array_equal(state[name], ref_state[name], err_msg=name)
