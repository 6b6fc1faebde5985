"""The explanation dock: the current node's local rule and its chain-rule line(s) with numbers.

The text comes from :func:`graphlab.explain.explain` (the engine's own numbers).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.graph import Graph, TraceEvent
from graphlab.explain import Explanation, describe, explain, record_contributions

EMPTY_TEXT = "Step forward or backward to see how each node computes its value and gradient."


def explanation_at(
    events: list[TraceEvent], graph: Graph, names: dict[str, str] | None = None
) -> Explanation | None:
    """The explanation of the last of ``events`` (a prefix of the trace), nodes called by
    ``names`` (id -> the student's label)."""
    if not events:
        return None
    contributions: dict = {}
    for event in events[:-1]:
        if event.phase == "backward":
            record_contributions(event, graph, contributions)
    explanation = explain(events[-1], graph, contributions, names)
    event = events[-1]
    if event.phase == "backward" and not event.input_grads:  # a leaf: the gradient arrives
        name = (names or {}).get(event.node, event.node)
        explanation.lines.append(f"dL/d{name} = {describe(event.grad_out)}")
    return explanation


def node_explanation(
    events: list[TraceEvent], graph: Graph, nid: str, names: dict[str, str] | None = None
) -> Explanation | None:
    """Node ``nid``'s forward and backward explanations among ``events`` (shown so far) as
    one: the forward line, then the backward lines; None when neither is shown yet."""
    found = None
    for index, event in enumerate(events):
        if event.node != nid:
            continue
        part = explanation_at(events[: index + 1], graph, names)
        if found is None:
            found = part
        else:
            found.lines.extend(part.lines)
            found.terms.extend(part.terms)
            found.phase = part.phase
    return found


class ExplanationPanel(QWidget):
    """Title (``q = add(x, y)``), the rule in words, then one line per computation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.explanation: Explanation | None = None
        self.title = QLabel()
        self.title.setTextFormat(Qt.RichText)
        self.rule = QLabel()
        self.rule.setWordWrap(True)
        self.body = QLabel()
        self.body.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.body.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        for widget in (self.title, self.rule, self.body):
            layout.addWidget(widget)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.show_explanation(None)

    def show_explanation(self, explanation: Explanation | None) -> None:
        self.explanation = explanation
        if explanation is None:
            self.title.setText("<b>Backprop stepper</b>")
            self.rule.setText(EMPTY_TEXT)
            self.body.setText("")
            return
        phase = "forward" if explanation.phase == "forward" else "backward"
        self.title.setText(f"<b>{escape(explanation.title)}</b> &nbsp; <i>({phase})</i>")
        self.rule.setText(f"Local rule: {explanation.rule}" if explanation.rule else "")
        self.body.setText("\n".join(explanation.lines))

    def displayed_lines(self) -> list[str]:
        """The computation lines as the panel shows them."""
        text = self.body.text()
        return text.split("\n") if text else []
