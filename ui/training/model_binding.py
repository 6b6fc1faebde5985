"""Training an imported model in the window: choosing a dataset in the panel binds the graph's
one data input (the shapes must match, else one sentence names both), and "Add loss" puts a
label input and a softmax cross-entropy loss on the graph's output, as one undo step. The
logic is Qt-free in :mod:`graphlab.binding`; this module only wires it to the panel."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from engine.errors import GraphLabError
from graphlab.binding import bind_dataset, inputs_of, loss_nodes
from ui.commands import AddNodes, SetTraining
from ui.guard import run_guarded


def binding_for(doc, spec: dict) -> dict:
    """The binding keys to set when ``spec`` is chosen: the spec, plus the data (and label)
    input for a graph with no data input bound yet; DatasetError when the shapes differ."""
    if doc.dataset.get("data_input") in doc.nodes:
        return {"spec": spec}
    from graphlab.datasets import load_dataset

    return bind_dataset(doc, spec, load_dataset(spec).X.shape[1:])


class LossRow(QWidget):
    """ "This graph has no loss" and an "Add softmax loss" button, shown while the graph has
    a data input but no label input (an imported classifier)."""

    def __init__(self, dashboard) -> None:
        super().__init__()
        self.dashboard, self.doc = dashboard, dashboard.doc
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel("This graph has no loss to train.")
        self.button = QPushButton("Add softmax loss")
        self.button.setToolTip("a label input and a softmax cross-entropy loss on the output")
        row.addWidget(self.note, 1)
        row.addWidget(self.button)
        self.button.clicked.connect(lambda: run_guarded(self, "Add loss", self.add_loss))
        self.doc.subscribe(lambda _change: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        self.setVisible(bool(inputs_of(self.doc, "float")) and not inputs_of(self.doc, "int"))

    def add_loss(self) -> None:
        """Add the label input and the loss (one undo step); a problem goes to the panel."""
        doc, stack, panel = self.doc, self.dashboard.window.stack, self.dashboard.panel
        try:
            nodes, edges, labels = loss_nodes(doc)
        except GraphLabError as exc:
            panel.show_message(str(exc))
            return
        stack.beginMacro("Add loss")
        stack.push(AddNodes(doc, nodes, edges, "Add loss"))
        if doc.dataset:
            stack.push(SetTraining(doc, {}, {"label_input": labels}))
        stack.endMacro()
        panel.show_message("")


def install_model_binding(dashboard) -> LossRow:
    """Let the dashboard's panel bind datasets to imported models and add their loss."""
    panel = dashboard.panel
    panel.binder = lambda spec: binding_for(dashboard.doc, spec)
    row = LossRow(dashboard)
    data_group = panel.preview.parentWidget()
    panel.layout().insertWidget(panel.layout().indexOf(data_group) + 1, row)
    dashboard.loss_row = row
    return row
