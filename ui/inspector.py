"""The inspector: the selected node's label, attrs, inferred shapes, problem and stored value.

Each finished edit is one undoable command (SetLabel, SetAttrs, SetInputValue) on the
window's undo stack; the panel re-reads the node and the document's analysis after each
burst of structural changes (and values when they change).
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QScrollArea, QWidget

from engine.ops import get_op
from engine.ops.base import fmt
from graphlab.analysis import Analysis
from graphlab.changes import STRUCTURE, ChangeKind
from graphlab.document import GraphDocument
from ui.commands import SetAttrs, SetLabel
from ui.input_drop import use_image_button
from ui.inspector_features import add_feature_section
from ui.inspector_numbers import NumbersView
from ui.inspector_preprocess import add_preprocessing_rows
from ui.inspector_value import InputValueEditor
from ui.inspector_widgets import TextAttrEditor, attr_editor
from ui.problems import follow_analysis
from ui.theme import error_colour


class Inspector(QScrollArea):
    """Shows and edits one node; :meth:`show_node` picks it, :meth:`set_analysis` updates it."""

    def __init__(self, doc: GraphDocument, stack: QUndoStack, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc, self.stack = doc, stack
        self.nid: str | None = None
        #: how many nodes are selected while none is inspected
        self.count = 0
        self.analysis = doc.analysis()
        #: attr name -> function showing a new value in its editor
        self.setters: dict[str, Any] = {}
        self.editors: dict[str, QWidget] = {}
        self.value_editor: TextAttrEditor | None = None
        self.input_editor: InputValueEditor | None = None
        self.numbers: NumbersView | None = None
        self.setWidgetResizable(True)
        self.show_node(None)
        self.follower = follow_analysis(
            self, doc, self.set_analysis, STRUCTURE | {ChangeKind.INPUT_CHANGED}
        )

    # -- what is shown ------------------------------------------------------------------

    def show_nodes(self, ids: list[str]) -> None:
        """Follow the canvas selection: one node is inspected, several are counted."""
        self.show_node(ids[0] if len(ids) == 1 else None, count=len(ids))

    def show_node(self, nid: str | None, count: int = 0) -> None:
        self.nid = nid if nid in self.doc.nodes else None
        self.setters, self.editors = {}, {}
        self.value_editor, self.input_editor, self.numbers = None, None, None
        body = QWidget()
        self.form = QFormLayout(body)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        if self.nid is None:
            self.count = count
            self._build_summary(count)
        else:
            self._build(self.doc.nodes[self.nid])
        self.setWidget(body)

    def _build_summary(self, count: int) -> None:
        """Nothing (or several nodes) selected: what the document is."""
        doc = self.doc
        self.form.addRow(QLabel(f"<b>{escape(doc.name or 'untitled')}</b>", textFormat=Qt.RichText))
        if doc.description:
            self.form.addRow(QLabel(doc.description, wordWrap=True))
        self.form.addRow("nodes", QLabel(str(len(doc.nodes))))
        self.form.addRow("edges", QLabel(str(len(doc.edges))))
        if doc.dataset.get("spec"):
            spec = doc.dataset["spec"]
            text = spec.get("name", "") if isinstance(spec, dict) else str(spec)
            self.form.addRow("dataset", QLabel(text or str(spec), wordWrap=True))
        add_preprocessing_rows(self.form, doc)
        text = f"{count} nodes selected." if count > 1 else "Select a node to inspect it."
        hint = QLabel(text, wordWrap=True)
        hint.setEnabled(False)
        self.form.addRow(hint)

    def _build(self, node) -> None:
        op = get_op(node.op)
        self.title = QLabel(textFormat=Qt.RichText)
        formula = QLabel(op.formula, wordWrap=True, toolTip=op.rule)
        formula.setEnabled(False)
        self.form.addRow(self.title)
        self.form.addRow(formula)
        self.label_edit = QLineEdit(node.label, placeholderText="optional display name")
        edit = self.label_edit
        edit.editingFinished.connect(lambda: self._commit_label(node.id, edit.text()))
        self.form.addRow("label", self.label_edit)
        self.problem = QLabel(wordWrap=True, textInteractionFlags=Qt.TextSelectableByMouse)
        self.problem.setStyleSheet(f"color: {error_colour()};")
        self.form.addRow(self.problem)
        self.port_shapes = {port: QLabel() for port in op.inputs}
        for port, label in self.port_shapes.items():
            self.form.addRow(f"in: {port}", label)
        self.output_shape = QLabel()
        self.form.addRow("out", self.output_shape)
        for attr in op.attrs:
            value = node.attrs.get(attr.name, None if attr.required else attr.default)
            editor, setter = attr_editor(
                attr, value, lambda v, nid=node.id, n=attr.name: self._commit_attr(nid, n, v)
            )
            editor.setToolTip(f"{attr.doc}\n({attr.allowed()})".strip())
            editor.setObjectName(f"attr:{attr.name}")
            self.editors[attr.name], self.setters[attr.name] = editor, setter
            self.form.addRow(attr.name, editor)
        if node.op == "input":
            self.input_editor = InputValueEditor(self.doc, self.stack, node.id)
            self.value_editor = self.input_editor.text
            self.form.addRow("set value", self.input_editor)
        self.numbers = NumbersView()
        self.form.addRow(self.numbers)
        add_preprocessing_rows(self.form, self.doc, node.id)
        use_image = use_image_button(self.doc, self.stack, node.id)
        if use_image is not None:
            self.form.addRow(use_image)
        add_feature_section(self.form, self.doc, node.id)
        self._show_analysis()

    def set_analysis(self, analysis: Analysis) -> None:
        """A new analysis (after any document change): re-read the node and its shapes."""
        self.analysis = analysis
        if self.nid is not None and self.nid not in self.doc.nodes:
            self.show_node(None)
            return
        if self.nid is None:
            self.show_node(None, self.count)
            return
        node = self.doc.nodes[self.nid]
        op = get_op(node.op)
        for attr in op.attrs:
            self.setters[attr.name](
                node.attrs.get(attr.name, None if attr.required else attr.default)
            )
        if self.label_edit.text() != node.label and not self.label_edit.hasFocus():
            self.label_edit.setText(node.label)
        if self.input_editor is not None:
            self.input_editor.refresh()
        self._show_analysis()

    def show_numbers(self, nid: str, value, gradient) -> None:
        """The stepper's numbers of node ``nid`` (None: not computed yet), if it is shown."""
        if nid == self.nid and self.numbers is not None:
            self.numbers.show_numbers(value, gradient)

    def focus_value(self, nid: str | None = None) -> None:
        """Put the keyboard on the inspected input's value (the Problems list's link for
        input ``nid``, which the window selected first)."""
        if self.input_editor is not None and nid in (None, self.nid):
            self.input_editor.focus()

    def _show_analysis(self) -> None:
        name, op = self.doc.display_name(self.nid), self.doc.nodes[self.nid].op
        self.title.setText(f"<b>{escape(name)}</b> &nbsp; {op}")
        self.title.setToolTip(f"id {self.nid}")
        problem = self.analysis.problems.get(self.nid, "")
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        for port, label in self.port_shapes.items():
            src = self.doc.source_of(self.nid, port)
            shape = self.analysis.shapes.get(src) if src else None
            label.setText(
                "not connected"
                if src is None
                else f"{self.doc.display_name(src)}: {'?' if shape is None else fmt(shape)}"
            )
        shape = self.analysis.shapes.get(self.nid)
        self.output_shape.setText(fmt(shape) if shape is not None else "?")

    # -- edits --------------------------------------------------------------------------

    # each edit names the node it was made for: a focused editor may finish its edit while
    # the panel already moves on to another node

    def _commit_label(self, nid: str, text: str) -> None:
        label = text.strip()
        if nid in self.doc.nodes and label != self.doc.nodes[nid].label:
            self.stack.push(SetLabel(self.doc, nid, label))

    def _commit_attr(self, nid: str, name: str, value: Any) -> None:
        node = self.doc.nodes.get(nid)
        if node is None or node.attrs.get(name, _MISSING) == value:
            return
        attrs = {**node.attrs, name: value}
        who = self.doc.display_name(nid)
        self.stack.push(SetAttrs(self.doc, nid, attrs, f"Change {who} {name}"))


_MISSING = object()
