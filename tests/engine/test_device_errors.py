"""Device errors: running out of memory (GPU or host) becomes one DeviceError naming the size,
other errors pass through; the CUDA entry of the device list names the GPU and its memory."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from engine import backend
from engine.backend import out_of_memory_error
from engine.build import GraphBuilder
from engine.errors import DeviceError, GraphError
from engine.ops import REGISTRY, Op
from tests.engine.test_standin_backend import DEVICE


class CupyOutOfMemory(MemoryError):
    """Shaped like cupy.cuda.memory.OutOfMemoryError: size asked for, bytes the pool holds."""

    def __init__(self, size: int, total: int) -> None:
        self._size, self._total = size, total
        super().__init__(f"Out of memory allocating {size:,} bytes")


CupyOutOfMemory.__module__ = "cupy.cuda.memory"


class Fails(Op):
    """out = x, except that forward raises ``error``."""

    category = "Arithmetic"
    inputs = ("x",)
    name = "toy_fails"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def infer_shape(self, shapes, attrs):
        return shapes[0]

    def forward(self, xp, inputs, attrs, ctx):
        raise self.error


def failing_graph(monkeypatch, error):
    monkeypatch.setitem(REGISTRY, Fails.name, Fails(error))
    b = GraphBuilder()
    b.add(Fails.name, b.add("input", id="x", shape=[2]), id="out")
    return b.build(device=DEVICE)


def test_gpu_out_of_memory_in_forward_and_trace_names_the_size(monkeypatch):
    graph = failing_graph(monkeypatch, CupyOutOfMemory(3 * 2**30, 5 * 2**29))
    expected = r"the GPU ran out of memory allocating 3\.0 GiB \(2\.5 GiB already held"
    with pytest.raises(DeviceError, match=expected):
        graph.forward({"x": np.ones(2)})
    with pytest.raises(DeviceError, match=expected):
        list(graph.trace({"x": np.ones(2)}))


def test_host_out_of_memory_and_cuda_allocation_failures_are_device_errors():
    with pytest.raises(MemoryError) as raised:
        np.empty(2**60, dtype=np.uint8)
    assert "allocating 1048576.0 TiB" in str(out_of_memory_error(raised.value))
    cublas = type("CUBLASError", (RuntimeError,), {"__module__": "cupy_backends.cuda.libs"})
    message = str(out_of_memory_error(cublas("CUBLAS_STATUS_ALLOC_FAILED")))
    assert message.startswith("the GPU ran out of memory (CUBLAS_STATUS_ALLOC_FAILED)")
    assert out_of_memory_error(RuntimeError("CUBLAS_STATUS_ALLOC_FAILED")) is None


def test_other_errors_pass_through_unchanged(monkeypatch):
    graph = failing_graph(monkeypatch, GraphError("not about memory"))
    with pytest.raises(GraphError, match='node "out" \\(toy_fails\\): not about memory'):
        graph.forward({"x": np.ones(2)})


@pytest.mark.parametrize("name", [b"NVIDIA H200", "NVIDIA H200"])
def test_the_cuda_description_names_the_gpu_and_its_memory(monkeypatch, name):
    """What the training panel's device list shows (a stand-in cupy answers)."""
    runtime = types.SimpleNamespace(
        getDeviceProperties=lambda index: {"name": name, "totalGlobalMem": 150_754_820_096}
    )
    monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(cuda=types.SimpleNamespace(
        runtime=runtime)))  # fmt: skip
    monkeypatch.setattr(backend, "cuda_unavailable_reason", lambda: None)
    assert backend.cuda_description() == "CUDA: NVIDIA H200, 140 GiB"


def test_the_cuda_description_says_not_available(monkeypatch):
    monkeypatch.setattr(backend, "cuda_unavailable_reason", lambda: "CUDA is not available.")
    assert backend.cuda_description() == "CUDA (not available)"
