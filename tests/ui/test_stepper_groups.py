"""The stepper and groups (issue 29 item 3): a collapsed group is one gate, stepped over at
once, whose explanation gives its local gradient with the engine's numbers (the notes'
sigmoid gate: 0.73 x 0.27 = 0.20); entered, each of its nodes is a step again."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401

GATES = ["neg", "e", "one", "den", "f"]


@pytest.fixture
def grouped(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot, "sigmoid-neuron")
    window.scene.select_ids(GATES)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_G, Qt.ControlModifier)
    assert len(window.doc.groups) == 1
    return window


def test_the_stepper_steps_over_a_group_and_explains_its_local_gradient(grouped):
    stepper = grouped.stepper
    model, panel = stepper.model, stepper.panel
    model.run_forward()
    model.step_backward()  # f, the group's output: its whole backward at once
    shown = {e.node for e in model.shown() if e.phase == "backward"}
    assert {"f", "den", "e", "neg"} <= shown and "s" not in shown
    text = "\n".join(panel.displayed_lines())
    assert "local gradient df/ds = 0.1966 (about 0.20)" in text
    assert "-1 (neg) x 0.3679 (e) x 1 (den) x -0.5344 (f) = 0.1966" in text
    assert "dL/ds = dL/df * df/ds = 1 * 0.1966 = 0.1966" in text
    model.step_backward()
    assert model.current.node == "s"  # the next gate outside the group


def test_inside_the_group_each_node_is_a_step(grouped):
    (gid,) = grouped.doc.groups
    grouped.scene.groups.enter(gid)
    model = grouped.stepper.model
    model.run_forward()
    model.step_backward()
    assert model.current.node == "f" and model.position == model.forward_count + 1
    lines = grouped.stepper.panel.displayed_lines()
    assert lines[0].startswith("dL/dden = dL/df * df/dden = 1 * -0.5344")  # f's own rule
    model.step_backward()
    assert model.current.node == "den"


def test_the_output_of_a_collapsed_group_carries_the_sinks_labels(grouped, qtbot):
    grouped.resize(1600, 1000)  # chips keep 9 pt on screen: room for them by the port
    qtbot.waitUntil(lambda: grouped.width() == 1600)
    grouped.view.fit_to_view()
    stepper = grouped.stepper
    stepper.model.run_forward()
    (gid,) = grouped.doc.groups
    texts = stepper.overlay.visible_texts()
    assert texts["f:value"].endswith("0.7311")
    value_label = stepper.overlay.labels["f"][0]
    port = grouped.scene.groups.items[gid].output_pos("f")
    assert (value_label.pos() - port).manhattanLength() < 80


def test_stepping_after_pasting_and_duplicating_a_group_keeps_every_label(grouped):
    """Wires hidden in a collapsed group keep their (cleared) labels, shown again inside."""
    grouped.scene.clearSelection()
    (gid,) = grouped.doc.groups
    grouped.scene.groups.items[gid].setSelected(True)
    grouped.view.editor.duplicate()  # the stepper follows each added node and wire
    assert len(grouped.doc.groups) == 2
    grouped.stack.undo()  # one step (no macro left open)
    assert list(grouped.doc.groups) == [gid]
    stepper = grouped.stepper
    stepper.model.run_forward()
    assert "neg->e.x:value" not in stepper.overlay.visible_texts()
    grouped.scene.groups.enter(gid)
    stepper.model.run_forward()
    assert stepper.overlay.visible_texts()["neg->e.x:value"].endswith("-1")
