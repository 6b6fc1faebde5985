"""The backprop stepper: the walk's order, the curriculum's numbers on the canvas, stepping
back, the timeline, editing an input in place, and tensor labels."""

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401


@pytest.fixture
def open_stepper(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    """Factory: the window's stepper on a graph; closing never waits on a dialog."""
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    return lambda graph="circuit-add-mul": make_window(qtbot, graph).stepper


def walk_all(stepper):
    """Step forward then backward to the end; the node of each step."""
    visited = []
    model = stepper.model
    while model.position < model.forward_count or not model.events:
        model.step_forward()
        visited.append(model.current.node)
    while model.position < len(model.events):
        model.step_backward()
        visited.append(model.current.node)
    return visited


def test_circuit_add_mul_reads_the_lecture_numbers(open_stepper):
    stepper = open_stepper()
    visited = walk_all(stepper)
    graph = stepper.model.graph
    backward_nodes = [e.node for e in stepper.model.events if e.phase == "backward"]
    assert visited == list(graph.order) + backward_nodes
    assert backward_nodes == list(reversed(graph.order))
    texts = stepper.overlay.visible_texts()
    assert texts["q->f.a:value"] == "3" and texts["f:value"] == "-12"
    assert texts["x->q.a:grad"] == "-4" and texts["y->q.b:grad"] == "-4"
    assert texts["z->f.b:grad"] == "3" and texts["q->f.a:grad"] == "-4"
    assert stepper.overlay.highlight.nid == "x" and stepper.overlay.highlight.isVisible()


def test_forward_steps_show_values_only_of_nodes_done(open_stepper):
    stepper = open_stepper()
    stepper.model.step_forward()
    assert stepper.overlay.visible_texts() == {"x->q.a:value": "-2"}
    assert stepper.panel.displayed_lines() == ["x = -2"]
    stepper.model.run_forward()
    assert stepper.panel.displayed_lines() == ["f = q * z = 3 * -4 = -12"]
    assert not any(k.endswith(":grad") for k in stepper.overlay.visible_texts())


def test_sigmoid_neuron_labels_match_the_engine(open_stepper):
    stepper = open_stepper("sigmoid-neuron")
    walk_all(stepper)
    texts = set(stepper.overlay.visible_texts().values())
    for number in ("0.7311", "-0.1966", "-0.3932", "0.1966", "0.3932", "-0.5898"):
        assert number in texts
    graph = stepper.model.graph
    out = graph.output()
    assert f"{float(graph.values[out]):.4g}" == "0.7311"
    assert stepper.overlay.visible_texts()[f"{out}:value"] == "0.7311"


def test_step_back_restores_exactly_the_previous_display(open_stepper):
    stepper = open_stepper("sigmoid-neuron")
    model, snapshots = stepper.model, []
    model.ensure_trace()
    for move in [model.step_forward] * model.forward_count + [model.step_backward] * 4:
        snapshots.append((stepper.overlay.snapshot(), stepper.panel.displayed_lines()))
        move()
    for before in reversed(snapshots):
        model.step_back()
        assert (stepper.overlay.snapshot(), stepper.panel.displayed_lines()) == before


def test_timeline_jump_equals_stepping_to_the_same_tick(open_stepper, qtbot):
    stepper = open_stepper("sigmoid-neuron")
    model, timeline = stepper.model, stepper.toolbar.timeline
    walk_all(stepper)
    total = len(model.events)
    assert timeline.maximum() == total
    for tick in (1, model.forward_count, model.forward_count + 3, total):
        model.reset()
        for _ in range(tick):
            model.step_forward() if model.position < model.forward_count else model.step_backward()
        stepped = (stepper.overlay.snapshot(), stepper.panel.displayed_lines())
        model.reset()
        timeline.setValue(tick)  # as dragging the slider does
        assert model.position == tick
        assert (stepper.overlay.snapshot(), stepper.panel.displayed_lines()) == stepped


def test_editing_an_input_recomputes_the_trace(open_stepper):
    stepper = open_stepper()
    stepper.model.run_backward()
    stepper.window.doc.set_input_value("z", 2.0)
    texts = stepper.overlay.visible_texts()
    assert texts["f:value"] == "6" and texts["q->f.a:grad"] == "2"
    assert texts["x->q.a:grad"] == "2" and texts["z->f.b:grad"] == "3"
    assert stepper.model.position == len(stepper.model.events)


def test_editing_the_graph_resets_the_walk(open_stepper):
    stepper = open_stepper()
    stepper.model.run_forward()
    stepper.window.doc.set_label("q", "sum")
    assert stepper.model.position == 0 and stepper.overlay.visible_texts() == {}


def test_toolbar_buttons_drive_the_model(open_stepper):
    stepper = open_stepper()
    actions = stepper.toolbar.actions_by_name
    actions["step_forward"].trigger()
    actions["step_backward"].trigger()
    assert stepper.model.position == stepper.model.forward_count + 1
    assert stepper.toolbar.tick_label.text().strip().endswith("backward")
    actions["step_back"].trigger()  # one node back along the timeline: the end of forward
    assert stepper.model.position == stepper.model.forward_count
    actions["reset"].trigger()
    assert stepper.model.position == 0 and not stepper.overlay.highlight.isVisible()


def test_play_walks_to_the_end(open_stepper, qtbot):
    stepper = open_stepper()
    stepper.toolbar.speed.setValue(20)
    stepper.toolbar.actions_by_name["play"].setChecked(True)
    qtbot.waitUntil(lambda: stepper.model.position == len(stepper.model.events), timeout=3000)
    qtbot.waitUntil(lambda: not stepper.toolbar.actions_by_name["play"].isChecked())


def test_tensor_labels_show_shape_norm_and_open_a_heatmap(open_stepper):
    stepper = open_stepper("two-layer-net-spiral")
    stepper.model.run_backward()
    tensors = [
        label
        for pair in stepper.overlay.labels.values()
        for label in pair
        if label.isVisible() and label.array is not None
    ]
    assert tensors
    label = tensors[0]
    assert label.text.startswith("(") and "|" in label.text and label.pixmap is not None
    dialog = label.open_tensor()
    assert dialog.isVisible() and dialog.windowTitle() == label.title
    dialog.close()


def test_clicking_a_tensor_label_on_the_canvas_opens_its_heatmap(open_stepper, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ui.stepper.heatmap import TensorDialog

    stepper = open_stepper("vector-norm")
    stepper.window.resize(1600, 1000)  # chips keep their pixel size: a view with room for them
    view = stepper.window.view
    qtbot.waitUntil(lambda: view.width() > 600)
    view.fit_to_view()
    stepper.model.run_forward()
    label = next(
        lbl for pair in stepper.overlay.labels.values() for lbl in pair if lbl.array is not None
    )
    view.centerOn(label)
    point = view.mapFromScene(label.sceneBoundingRect().center())
    assert view.itemAt(point) is label
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=point)
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, TensorDialog)]
    assert any(d.isVisible() and d.windowTitle() == label.title for d in dialogs)
    for dialog in dialogs:
        dialog.close()


def test_opening_another_graph_rebuilds_the_overlay(open_stepper):
    stepper = open_stepper("sigmoid-neuron")
    stepper.model.run_backward()
    stepper.window.files.open_example("circuit-add-mul")
    assert stepper.model.position == 0 and stepper.overlay.visible_texts() == {}
    stepper.model.run_backward()
    texts = stepper.overlay.visible_texts()
    assert texts["f:value"] == "-12" and texts["z->f.b:grad"] == "3"
    assert all(
        label.scene() is stepper.window.scene for label, _ in stepper.overlay.labels.values()
    )


def test_an_input_edited_in_the_inspector_recomputes_the_walk(open_stepper, qtbot):
    from PySide6.QtCore import Qt

    stepper = open_stepper()
    window = stepper.window
    stepper.model.run_backward()
    window.select_node("x")
    editor = window.inspector.value_editor
    editor.edit.selectAll()
    qtbot.keyClicks(editor.edit, "1")
    qtbot.keyClick(editor.edit, Qt.Key_Return)
    assert window.doc.inputs["x"] == 1.0
    texts = stepper.overlay.visible_texts()
    assert texts["q->f.a:value"] == "6" and texts["f:value"] == "-24"
    assert texts["x->q.a:grad"] == "-4" and texts["z->f.b:grad"] == "6"
    window.stack.undo()
    assert stepper.overlay.visible_texts()["f:value"] == "-12"


def test_labels_follow_a_moved_node_and_keep_off_nodes(open_stepper):
    from ui.canvas.node_item import NodeItem

    stepper = open_stepper()
    stepper.model.run_backward()
    value_label, _ = stepper.overlay.labels["q->f.a"]
    before = value_label.pos()
    x, y = stepper.window.doc.nodes["f"].pos
    stepper.window.doc.move_node("f", (x + 200, y + 100))
    assert value_label.pos() != before
    assert stepper.overlay.visible_texts()["q->f.a:value"] == "3"  # moving keeps the walk
    for value_label, grad_label in stepper.overlay.labels.values():
        for label in (value_label, grad_label):
            covered = stepper.window.scene.items(label.sceneBoundingRect())
            assert not any(isinstance(item, NodeItem) for item in covered), label.text


def test_a_graph_that_cannot_run_says_why_in_the_status_bar(open_stepper):
    from graphlab.document import DocEdge

    stepper = open_stepper()
    stepper.window.doc.remove_edge(DocEdge("z", "f", "b"))
    stepper.model.step_forward()
    assert stepper.model.position == 0 and stepper.model.error
    assert stepper.window.statusBar().currentMessage() == stepper.model.error
    assert stepper.overlay.visible_texts() == {}
