"""Selecting a node of a tensor graph after Run backward: the inspector gives its value's and
gradient's shape, norm, min and max with a thumbnail, and the Explanation dock its rule."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QMessageBox

from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401


def test_a_selected_tensor_node_shows_its_numbers(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "cnn-digits")
    stepper = window.stepper
    stepper.run_backward()
    stepper.pulses.stop()
    window.select_node("conv1")
    numbers = window.inspector.numbers.displayed()
    value = next(
        e.output for e in stepper.model.events if e.node == "conv1" and e.phase == "forward"
    )
    grad = next(
        e.grad_out for e in stepper.model.events if e.node == "conv1" and e.phase == "backward"
    )
    for text, array in ((numbers["value"], value), (numbers["gradient"], grad)):
        array = np.asarray(array)
        assert text.startswith(f"({', '.join(map(str, array.shape))})")
        assert f"norm {np.linalg.norm(array):.4g}" in text
        assert f"min {array.min():.4g}" in text and f"max {array.max():.4g}" in text
    for thumb in window.inspector.numbers.thumbs.values():
        assert not thumb.isHidden() and not thumb.pixmap().isNull()
    lines = stepper.panel.displayed_lines()
    assert lines[0].startswith("conv1 = ") and any(line.startswith("dL/d") for line in lines)
