"""Saved work always reopens (issue 24): the reduced sequences that used to write projects
GraphLab then refused, in the real window. Each saved project reopens without loss, and
Undo brings back what the command removed."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from graphlab.fileformat import load_document
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.commands import SetAttrs


@pytest.fixture
def window(qtbot, request, monkeypatch):
    """The window on batchnorm-dropout-mlp; a message box fails the test."""
    request.getfixturevalue("isolated_settings")

    def fail(parent, title, text, *args):
        raise AssertionError(f"{title}: {text}")

    monkeypatch.setattr(QMessageBox, "critical", fail)
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "batchnorm-dropout-mlp")
    yield window
    window.training.shutdown()


def train(window, qtbot) -> None:
    dashboard = window.training
    assert dashboard.start_training(epochs=1)
    qtbot.waitUntil(lambda: not dashboard.running, timeout=60_000)
    doc = window.doc
    assert {"fc1_W", "fc2_W"} <= set(doc.params) and "bn1" in doc.state
    assert doc.extra_arrays and doc.training["runs"]


def save_and_reopen(window, tmp_path):
    """Save through the window's file actions, then load the file: (document, warnings)."""
    path = tmp_path / "work.graphlab"
    assert window.files._save_to(path)
    warnings: list[str] = []
    back = load_document(path, warnings)
    assert back.problems() == [] and set(back.nodes) == set(window.doc.nodes)
    return back, warnings


def delete(window, *ids) -> None:
    window.scene.select_ids(list(ids))
    window.view.editor.delete()


def test_delete_the_loss_node_and_save(window, tmp_path):
    doc = window.doc
    delete(window, "loss")
    assert doc.loss == "" and "the loss node loss" in window.statusBar().currentMessage()
    back, warnings = save_and_reopen(window, tmp_path)
    assert warnings == [] and back.loss == ""
    delete(window, "x")  # the dataset's data input
    assert "data_input" not in doc.dataset
    back, warnings = save_and_reopen(window, tmp_path)
    assert warnings == [] and "data_input" not in back.dataset
    window.stack.undo()
    window.stack.undo()
    assert doc.loss == "loss" and doc.dataset["data_input"] == "x"
    assert {"loss", "x"} <= set(doc.nodes) and doc.problems() == []


def test_train_then_delete_a_parameter_node_and_save(window, qtbot, tmp_path):
    train(window, qtbot)
    doc = window.doc
    trained = doc.params["fc1_W"]
    delete(window, "fc1_W")
    assert "fc1_W" not in doc.params and "optimizer_state" not in doc.extra_arrays
    back, warnings = save_and_reopen(window, tmp_path)
    assert warnings == [] and "fc1_W" not in back.params
    np.testing.assert_array_equal(back.params["fc2_W"], doc.params["fc2_W"])
    window.stack.undo()
    assert doc.params["fc1_W"] is trained and "optimizer_state" in doc.extra_arrays
    assert doc.problems() == []


def test_train_then_change_a_parameters_shape_and_save(window, qtbot, tmp_path):
    train(window, qtbot)
    doc = window.doc
    trained = doc.params["fc1_W"]
    assert trained.shape == (64, 100)
    attrs = {**doc.nodes["fc1_W"].attrs, "shape": [64, 60]}
    window.stack.push(SetAttrs(doc, "fc1_W", attrs))  # what the inspector pushes
    assert "fc1_W" not in doc.params and "re-initialized" in window.statusBar().currentMessage()
    back, warnings = save_and_reopen(window, tmp_path)
    assert warnings == [] and "fc1_W" not in back.params
    assert back.nodes["fc1_W"].attrs["shape"] == [64, 60]
    window.stack.undo()
    assert doc.params["fc1_W"] is trained and doc.problems() == []


def test_train_then_open_another_example_keeps_no_stale_values(window, qtbot, tmp_path):
    train(window, qtbot)
    window.files.open_example("two-layer-net-spiral")
    doc = window.doc
    assert doc.params == {} and doc.state == {} and doc.extra_arrays == {}
    assert "runs" not in doc.training and "progress" not in doc.training
    back, warnings = save_and_reopen(window, tmp_path)
    assert warnings == [] and back.params == {}


def test_a_save_that_would_not_open_again_keeps_the_previous_file(window, tmp_path, monkeypatch):
    path = tmp_path / "work.graphlab"
    assert window.files._save_to(path)
    before = path.read_bytes()
    window.doc.set_params({"fc1_b": np.full(100, np.nan, np.float32)})  # a diverged run
    assert "fc1_b" in window.doc.params
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert not window.files._save_to(path)
    assert path.read_bytes() == before
    assert "would not open again" in shown[0] and "finite" in shown[0]
