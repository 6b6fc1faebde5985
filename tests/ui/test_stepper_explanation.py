"""The explanation panel shows the engine's numbers: upstream gradient times local gradient,
for every backward step of every bundled example (read back from the panel's text)."""

import re

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from graphlab.examples import example_names
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401

SCALAR = re.compile(r"^dL/d(\S+) = dL/d(\S+) \* d\S+/d\S+ = (\S+) \* (\S+) = (\S+)$")
TENSOR = re.compile(r"^dL/d(\S+) = .* : \(.*\), norm (\S+) \(dout = dL/d(\S+) : (.*)\)$")


def as4(value) -> str:
    return f"{float(np.asarray(value).reshape(-1)[0]):.4g}"


@pytest.mark.parametrize("name", example_names())
def test_panel_numbers_are_upstream_times_local(name, qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    stepper = make_window(qtbot, name).stepper
    model, panel = stepper.model, stepper.panel
    model.run_forward()
    graph, scalar_terms = model.graph, 0
    while model.position < len(model.events):
        model.step_backward()
        event = model.current
        sources = graph.sources[event.node]
        shown = panel.displayed_lines()
        lines = [ln for ln in shown if not ln.startswith(("gradients add", "gradients: "))]
        # the whole pass done: one more line sums up every gradient
        assert (shown[-1].startswith("gradients: ")) == (model.position == len(model.events))
        if not event.input_grads:
            assert lines == [f"dL/d{event.node} = {lines[0].split(' = ', 1)[1]}"]
            continue
        assert len(lines) == len(event.input_grads)
        local = graph.local_gradients(event.node)
        for line, (port, grad) in zip(lines, event.input_grads.items(), strict=True):
            scalar = SCALAR.match(line)
            if scalar:
                src, nid, up, lo, total = scalar.groups()
                assert (src, nid) == (sources[port], event.node)
                assert up == as4(event.grad_out) and lo == as4(local[port])
                assert total == as4(grad)
                engine_product = float(np.asarray(event.grad_out).reshape(-1)[0]) * float(
                    np.asarray(local[port]).reshape(-1)[0]
                )
                assert as4(engine_product) == total
                scalar_terms += 1
            else:
                tensor = TENSOR.match(line)
                assert tensor, line
                assert tensor[1] == sources[port] and tensor[3] == event.node
                assert tensor[2] == f"{float(np.linalg.norm(grad)):.4g}"
    assert scalar_terms or name not in ("circuit-add-mul", "sigmoid-neuron")
