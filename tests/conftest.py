"""Shared fixtures: PyTorch when installed (parity tests), offscreen Qt."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def torch():
    """PyTorch in float64 on the CPU; parity tests are skipped where torch is not installed."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install '.[test]')")
    torch.set_default_dtype(torch.float64)
    return torch
