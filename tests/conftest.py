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


@pytest.fixture(scope="session")
def trained_digits(tmp_path_factory):
    """cnn-digits trained 10 epochs on the bundled digits (~10 s), saved as a .graphlab file."""
    from graphlab.examples import open_graph
    from graphlab.fileformat import save_document
    from graphlab.training import prepare_training

    doc = open_graph("cnn-digits")
    run = prepare_training(doc, {"epochs": 10})
    history = run.trainer.run()
    assert not history.stopped
    run.finish()
    path = tmp_path_factory.mktemp("trained") / "cnn-digits.graphlab"
    save_document(doc, path)
    return path


@pytest.fixture(autouse=True)
def no_custom_ops_left():
    """Custom ops a test registers (graphlab.custom_ops) and its trust end with the test."""
    yield
    import sys

    trust = sys.modules.get("graphlab.custom_ops.trust")
    if trust is not None:
        trust.forget_all()
