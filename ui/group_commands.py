"""The undo command of every group edit (group, ungroup, rename, move): the groups before
and after, swapped through :meth:`GraphDocument.set_groups`."""

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
