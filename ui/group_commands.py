"""The undo commands of group edits (group, ungroup, rename, move) and of canvas extras
(bypass, frames, notes, reroute points, wire style): the value before and after, swapped
through :meth:`GraphDocument.set_groups` or :meth:`GraphDocument.set_canvas`."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from graphlab.document import GraphDocument
from graphlab.groups import Group


class SetGroups(QUndoCommand):
    """Replace ``doc``'s groups by ``groups`` (undo: the groups before)."""

    def __init__(self, doc: GraphDocument, groups: dict[str, Group], text: str):
        super().__init__(text)
        self.doc, self.before, self.after = doc, dict(doc.groups), dict(groups)

    def redo(self):
        self.doc.set_groups(self.after)

    def undo(self):
        self.doc.set_groups(self.before)


class SetCanvas(QUndoCommand):
    """Replace ``doc``'s canvas extras by ``canvas`` (undo: the extras before)."""

    def __init__(self, doc: GraphDocument, canvas: dict, text: str):
        super().__init__(text)
        self.doc, self.before, self.after = doc, dict(doc.canvas), dict(canvas)

    def redo(self):
        self.doc.set_canvas(self.after)

    def undo(self):
        self.doc.set_canvas(self.before)
