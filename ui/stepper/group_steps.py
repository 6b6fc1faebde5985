"""The stepper and groups: a collapsed group is one gate (a step goes over all its nodes and
the explanation gives its local gradient); inside an entered group each node is a step. A
node reading a bypassed node's value says so."""

from __future__ import annotations

from PySide6.QtCore import QObject

from engine.graph import Graph, TraceEvent
from graphlab.explain import Explanation
from graphlab.group_explain import explain_group_at, step_over
from graphlab.groups import leaves
from ui.stepper.explanation_panel import explanation_at


class GroupSteps(QObject):
    """What the stepper asks about groups on ``window``'s canvas (the scope shown there)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window

    def over(self, events: list[TraceEvent], index: int) -> int:
        """The position one step that shows ``events[index]`` reaches (past its group)."""
        gid = self.window.scene.groups.gate_of(events[index].node)
        if gid is None:
            return index + 1
        return step_over(events, index, set(leaves(self.window.doc.groups, gid)))

    def explanation(
        self, shown: list[TraceEvent], graph: Graph, names: dict[str, str] | None = None
    ) -> Explanation | None:
        """The group's explanation when the last event is inside a collapsed group, else the
        node's (nodes called by ``names``, the student's labels)."""
        doc, nid = self.window.doc, shown[-1].node
        gid = self.window.scene.groups.gate_of(nid)
        if gid is not None:
            return explain_group_at(shown, graph, doc, gid)
        explanation = explanation_at(shown, graph, names)
        name = (names or {}).get
        bypassed = doc.canvas.get("bypassed", {})
        for src in doc.sources_of(nid).values():
            if src in bypassed:
                through = doc.source_of(src, bypassed[src])
                explanation.lines.append(
                    f"{name(src, src)} is bypassed (Ctrl+B): {name(through, through)}'s value "
                    f"passes straight through to {name(nid, nid)}"
                )
        return explanation
