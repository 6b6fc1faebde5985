"""Undoable edits: one QUndoCommand per user action, each calling document methods only.

The scene follows the document's change events; no command touches a view. Each command
restores the document exactly (node order, edge order, parameter values and every value a
removal, reshape or rewiring dropped) on undo.
"""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

from graphlab.document import DocEdge, DocNode, GraphDocument


class AddNodes(QUndoCommand):
    """Create, paste, duplicate or drop a template: nodes with the edges among/into them,
    and the values new inputs start from (``inputs``: node id -> value)."""

    def __init__(
        self,
        doc: GraphDocument,
        nodes: list[DocNode],
        edges: list[DocEdge],
        text: str,
        inputs: dict | None = None,
    ):
        super().__init__(text)
        self.doc, self.nodes, self.edges = doc, [copy.deepcopy(n) for n in nodes], list(edges)
        self.inputs = dict(inputs or {})
        self.dropped = None

    def redo(self):
        for node in self.nodes:
            self.doc.add_node(copy.deepcopy(node))
        for edge in self.edges:
            self.doc.add_edge(edge)
        for nid, value in self.inputs.items():
            self.doc.set_input_value(nid, value)
        self.dropped = self.doc.drop_stale()  # edges into existing nodes may reshape them

    def undo(self):
        self.doc.remove_nodes([node.id for node in self.nodes])
        self.doc.restore(self.dropped)


class RemoveNodes(QUndoCommand):
    """Delete nodes with their edges and every value that names them (parameters, state,
    stored inputs, the loss and dataset references, ...)."""

    def __init__(self, doc: GraphDocument, ids, text: str = "Delete"):
        super().__init__(text)
        self.doc, self.ids = doc, [nid for nid in doc.nodes if nid in set(ids)]
        self.removal = None

    def redo(self):
        self.removal = self.doc.remove_nodes(self.ids)

    def undo(self):
        self.doc.restore_nodes(self.removal)


class Connect(QUndoCommand):
    def __init__(self, doc: GraphDocument, edge: DocEdge):
        name = doc.display_name
        super().__init__(f"Connect {name(edge.src)} to {name(edge.dst)}.{edge.port}")
        self.doc, self.edge, self.dropped = doc, edge, None

    def redo(self):
        self.dropped = self.doc.connect(self.edge)

    def undo(self):
        self.doc.disconnect(self.edge)
        self.doc.restore(self.dropped)


class Disconnect(QUndoCommand):
    def __init__(self, doc: GraphDocument, edge: DocEdge):
        name = doc.display_name
        super().__init__(f"Disconnect {name(edge.src)} from {name(edge.dst)}.{edge.port}")
        self.doc, self.edge, self.index = doc, edge, doc.edges.index(edge)
        self.dropped = None

    def redo(self):
        self.dropped = self.doc.disconnect(self.edge)

    def undo(self):
        self.doc.connect(self.edge, self.index)
        self.doc.restore(self.dropped)


class MoveNodes(QUndoCommand):
    """Move nodes to new positions (a drag, or an automatic layout)."""

    def __init__(
        self, doc: GraphDocument, positions: dict[str, tuple[float, float]], text: str = "Move"
    ):
        super().__init__(text)
        self.doc = doc
        self.new = {nid: tuple(map(float, p)) for nid, p in positions.items()}
        self.old = {nid: doc.nodes[nid].pos for nid in positions}

    def redo(self):
        for nid, pos in self.new.items():
            self.doc.move_node(nid, pos)

    def undo(self):
        for nid, pos in self.old.items():
            self.doc.move_node(nid, pos)


class SetAttrs(QUndoCommand):
    """Change a node's attrs (a parameter whose shape changes loses its stored values)."""

    def __init__(self, doc: GraphDocument, nid: str, attrs: dict, text: str = ""):
        super().__init__(text or f"Change {doc.display_name(nid)}")
        self.doc, self.nid = doc, nid
        self.new, self.old = dict(attrs), dict(doc.nodes[nid].attrs)
        self.dropped = None

    def redo(self):
        self.dropped = self.doc.set_attrs(self.nid, self.new)

    def undo(self):
        self.doc.set_attrs(self.nid, self.old)
        self.doc.restore(self.dropped)


class SetLabel(QUndoCommand):
    def __init__(self, doc: GraphDocument, nid: str, label: str):
        super().__init__(f"Rename {doc.display_name(nid)}")
        self.doc, self.nid, self.new, self.old = doc, nid, label, doc.nodes[nid].label

    def redo(self):
        self.doc.set_label(self.nid, self.new)

    def undo(self):
        self.doc.set_label(self.nid, self.old)


class SetInputValue(QUndoCommand):
    """Store an input node's value (the numbers of a scalar circuit); undo puts back the old
    value, or forgets the value when it had none."""

    def __init__(self, doc: GraphDocument, nid: str, value, text: str = ""):
        super().__init__(text or f"Set {doc.display_name(nid)} value")
        self.doc, self.nid, self.new, self.old = doc, nid, value, doc.inputs.get(nid, _NONE)

    def redo(self):
        self.doc.set_input_value(self.nid, self.new)

    def undo(self):
        if self.old is _NONE:
            self.doc.clear_input_value(self.nid)
        else:
            self.doc.set_input_value(self.nid, self.old)


_NONE = object()


class SetTraining(QUndoCommand):
    """Change training settings and dataset binding keys (split, spec) as edited in the
    training panel; undo puts back only those keys (progress and runs written since stay)."""

    def __init__(self, doc: GraphDocument, settings: dict, binding: dict | None = None):
        super().__init__("Change training settings")
        self.doc, self.new, self.new_binding = doc, dict(settings), dict(binding or {})
        self.old = {k: doc.training[k] for k in settings if k in doc.training}
        self.old_binding = {k: doc.dataset[k] for k in self.new_binding if k in doc.dataset}

    def redo(self):
        if self.new:
            self.doc.set_training({**self.doc.training, **self.new})
        if self.new_binding:
            self.doc.set_dataset({**self.doc.dataset, **self.new_binding})

    def undo(self):
        if self.new:
            kept = {k: v for k, v in self.doc.training.items() if k not in self.new}
            self.doc.set_training({**kept, **self.old})
        if self.new_binding:
            kept = {k: v for k, v in self.doc.dataset.items() if k not in self.new_binding}
            self.doc.set_dataset({**kept, **self.old_binding})


def set_binding_key(stack, doc: GraphDocument, key: str, value: dict, text: str) -> None:
    """One undo step ``text`` that sets the dataset binding's ``key`` (a dict, absent = {}) to
    ``value``; none when it holds that already."""
    if value == (doc.dataset.get(key) or {}):
        return
    command = SetTraining(doc, {}, {key: value})
    command.setText(text)
    stack.push(command)
