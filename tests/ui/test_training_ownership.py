"""A training run belongs to the document it started on: replacing the document or deleting
one of the run's parameters while it trains stops it, nothing goes back into the document,
the run's record stays in the dashboard, and the project saves and reopens."""

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from graphlab.fileformat import load_document, save_document
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.commands import RemoveNodes, SetAttrs
from ui.training import show_dashboard


@pytest.fixture
def training(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    """The window on cnn-digits, a long run started and some steps taken."""
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "cnn-digits")
    show_dashboard(window)
    dashboard = window.training
    assert dashboard.start_training(500)
    qtbot.waitUntil(lambda: dashboard.record.last_step >= 5, timeout=30_000)
    yield window
    dashboard.shutdown()


def saved_and_reopened(window, tmp_path):
    path = tmp_path / "after.graphlab"
    save_document(window.doc, path)
    return load_document(path)


@pytest.mark.parametrize("replace", ["example", "new"])
def test_replacing_the_document_stops_the_run_and_keeps_it_apart(
    training, qtbot, tmp_path, replace
):
    window, dashboard = training, training.training
    record = dashboard.record
    if replace == "example":
        assert window.files.open_example("two-layer-net-spiral")
    else:
        assert window.files.new()
    qtbot.waitUntil(lambda: not dashboard.running, timeout=5_000)
    assert "the document was replaced" in dashboard.panel.message.text()
    assert "conv1_W" not in window.doc.params and "runs" not in window.doc.training
    assert "progress" not in window.doc.training
    reopened = saved_and_reopened(window, tmp_path)
    assert set(reopened.nodes) == set(window.doc.nodes)
    assert dashboard.kept_runs == [record] and record.steps >= 5
    assert dashboard.live.compare_choice.findText(record.name) >= 0


def test_deleting_a_parameter_stops_the_run_and_leaves_the_document_as_edited(
    training, qtbot, tmp_path
):
    window, dashboard = training, training.training
    before = {k: v.copy() for k, v in window.doc.params.items()}
    window.stack.push(RemoveNodes(window.doc, ["fc_b"]))
    qtbot.waitUntil(lambda: not dashboard.running, timeout=5_000)
    assert "parameter fc_b was edited" in dashboard.panel.message.text()
    assert "fc_b" not in window.doc.nodes
    for key, value in window.doc.params.items():  # nothing trained went back
        np.testing.assert_array_equal(value, before[key])
    reopened = saved_and_reopened(window, tmp_path)
    assert "fc_b" not in reopened.nodes and "runs" not in reopened.training
    window.stack.undo()
    assert "fc_b" in window.doc.nodes and dashboard.start_training(1)  # training works again
    qtbot.waitUntil(lambda: not dashboard.running, timeout=60_000)
    assert dashboard.panel.message.text() == "" and len(window.doc.training["runs"]) == 1


def test_reshaping_a_parameter_stops_the_run_and_the_project_reopens(training, qtbot, tmp_path):
    window, dashboard = training, training.training
    attrs, kept = dict(window.doc.nodes["fc_W"].attrs), set(window.doc.params)
    window.stack.push(SetAttrs(window.doc, "fc_W", {**attrs, "shape": [128, 7]}))
    qtbot.waitUntil(lambda: not dashboard.running, timeout=5_000)
    assert "parameter fc_W was edited" in dashboard.panel.message.text()
    assert "fc_W" not in window.doc.params  # the old value no longer fits: dropped
    reopened = saved_and_reopened(window, tmp_path)
    assert reopened.nodes["fc_W"].attrs["shape"] == [128, 7] and "fc_W" not in reopened.params
    window.stack.undo()
    assert window.doc.nodes["fc_W"].attrs["shape"] == attrs["shape"]
    assert set(window.doc.params) == kept  # undo brings back what the reshape dropped
