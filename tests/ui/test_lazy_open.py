"""The window opens a trained project from its npy headers and reads arrays when it uses them."""

import subprocess
import sys

import numpy as np
import pytest

from graphlab.fileformat import load_document
from graphlab.lazy_arrays import LazyArrays
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401

pytestmark = pytest.mark.usefixtures("isolated_settings")


def test_the_window_opens_a_project_lazily_and_runs_it_with_the_saved_values(qtbot, tmp_path):
    path = tmp_path / "mlp.graphlab"
    args = ["train", "batchnorm-dropout-mlp", "--epochs", "1", "--save", str(path)]
    subprocess.run([sys.executable, "-m", "graphlab.cli", *args], check=True, capture_output=True)
    window = make_window(qtbot, str(path))
    assert isinstance(window.doc.params, LazyArrays)
    assert window.doc.params.read() < len(window.doc.params)  # not everything was made
    eager = load_document(path)
    x = np.random.default_rng(0).normal(size=(4, 1, 8, 8)).astype(np.float32)
    feeds = {"x": x, "y": np.arange(4)}
    ours, reference = window.doc.compile(), eager.compile()
    np.testing.assert_array_equal(
        ours.forward(feeds, train=False)[ours.output()],
        reference.forward(feeds, train=False)[reference.output()],
    )
