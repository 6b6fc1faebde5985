"""The document owns its analysis and settings (issue 14): one analysis per wire drag, the
panels read the document's analysis, training settings are undoable document state."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from engine import validate
from graphlab.document import DocEdge, DocNode
from graphlab.fileformat import load_document
from tests.ui.test_canvas import chain_doc
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.inspector import Inspector
from ui.problems import ProblemsPanel
from ui.training import show_dashboard


@pytest.fixture
def digits_window(qtbot, request):
    """The window on cnn-digits (settings isolated); closing discards changes."""
    request.getfixturevalue("isolated_settings")
    window = make_window(qtbot, "cnn-digits")
    yield window
    window.training.shutdown()


@pytest.fixture
def count_analyses(monkeypatch):
    """A list that grows by one each time the engine's validator analyses a whole graph."""
    calls = []
    real = validate.analyse

    def counting(nodes, edges):
        calls.append(1)
        return real(nodes, edges)

    monkeypatch.setattr(validate, "analyse", counting)
    return calls


def test_a_wire_drag_runs_the_analysis_exactly_once(canvas, qtbot, count_analyses):
    doc = chain_doc()
    doc.add_node(DocNode("b", "input", {"shape": [3]}, (0, 200)))
    doc.add_node(DocNode("s", "add", {}, (300, 200)))
    doc.add_edge(DocEdge("n2", "s", "a"))
    c = canvas(doc)
    inspector, problems = Inspector(doc, c.stack), ProblemsPanel(doc)
    qtbot.addWidget(inspector)
    qtbot.addWidget(problems)
    c.scene.select_ids(["s"])
    c.settle()
    assert "s" in problems.problems  # input b is not connected yet
    count_analyses.clear()
    c.drag(c.scene.nodes["b"].output_pos(), c.scene.nodes["s"].input_pos("b"), steps=8)
    assert DocEdge("b", "s", "b") in doc.edges
    qtbot.waitUntil(lambda: "s" not in problems.problems)
    c.settle()
    QApplication.processEvents()
    assert len(count_analyses) == 1
    assert c.scene.analysis is doc.analysis() is inspector.analysis
    assert doc.analysis().shapes["s"] == (3,) and c.scene.nodes["s"].shape_text == "(3,)"


def test_a_refused_wire_is_judged_once_and_changes_nothing(canvas, count_analyses):
    doc = chain_doc()
    doc.add_node(DocNode("v", "input", {"shape": [5]}, (0, 200)))
    doc.add_node(DocNode("s", "add", {}, (300, 200)))
    doc.add_edge(DocEdge("n2", "s", "a"))
    c = canvas(doc)
    c.settle()
    count_analyses.clear()
    c.drag(c.scene.nodes["v"].output_pos(), c.scene.nodes["s"].input_pos("b"), steps=8)
    assert "v gives (5,)" in c.scene.wiring.message.text and c.stack.count() == 0
    assert len(count_analyses) == 1


def test_training_settings_edited_in_the_panel_are_undoable_saved_and_restored(
    digits_window, tmp_path
):
    window = digits_window
    show_dashboard(window)
    panel, doc = window.training.panel, window.doc
    panel.batch_size.setValue(32)
    panel.lr.setText("0.02")
    panel.lr.editingFinished.emit()
    assert doc.training["batch_size"] == 32 and doc.training["lr"] == 0.02
    assert window.stack.count() == 2 and window.files.is_modified()
    window.stack.undo()
    assert doc.training["lr"] == 3e-3 and panel.lr.text() == "0.003"
    window.stack.redo()
    assert panel.lr.text() == "0.02"
    panel.val.setValue(0.25)
    assert doc.dataset["split"]["val"] == 0.25
    path = tmp_path / "settings.graphlab"
    assert window.files._save_to(path)
    back = load_document(path)
    assert back.training["batch_size"] == 32 and back.training["lr"] == 0.02
    assert back.dataset["split"]["val"] == 0.25
    window.files.open_example("circuit-add-mul")
    assert window.files.open_path(path)
    assert panel.batch_size.value() == 32 and panel.lr.text() == "0.02"
    assert panel.val.value() == 0.25


def test_the_dataset_chosen_in_the_panel_is_document_state_and_undoable(digits_window):
    window = digits_window
    show_dashboard(window)
    panel, doc = window.training.panel, window.doc
    index = panel.dataset.findText("spiral")
    panel.dataset.setCurrentIndex(index)
    panel.dataset.activated.emit(index)
    assert doc.dataset["spec"] == {"name": "spiral"} and doc.dataset["data_input"] == "x"
    assert panel.dataset_spec() == {"name": "spiral"}
    window.stack.undo()
    assert doc.dataset["spec"] == {"name": "digits"} and panel.dataset.currentIndex() == 0


def test_deleting_the_loss_says_so_in_the_status_bar_and_undo_brings_it_back(digits_window):
    window = digits_window
    doc = window.doc
    assert doc.loss == "loss"
    window.scene.select_ids(["loss"])
    window.view.editor.delete()
    assert doc.loss == "" and doc.problems() == []
    assert "loss node loss" in window.statusBar().currentMessage()
    window.stack.undo()
    assert doc.loss == "loss" and "loss" in doc.nodes
