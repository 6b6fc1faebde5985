"""Undoable edits: one QUndoCommand per user action, each mutating the document only.

The scene follows the document's change events; no command touches a view. Each command
restores the document exactly (node order, edge order, parameter values) on undo.
"""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

from graphlab.document import DocEdge, DocNode, GraphDocument


class AddNodes(QUndoCommand):
    """Create, paste, duplicate or drop a template: nodes with the edges among/into them."""

    def __init__(self, doc: GraphDocument, nodes: list[DocNode], edges: list[DocEdge], text: str):
        super().__init__(text)
        self.doc, self.nodes, self.edges = doc, [copy.deepcopy(n) for n in nodes], list(edges)

    def redo(self):
        for node in self.nodes:
            self.doc.add_node(copy.deepcopy(node))
        for edge in self.edges:
            self.doc.add_edge(edge)

    def undo(self):
        for edge in reversed(self.edges):
            self.doc.remove_edge(edge)
        for node in reversed(self.nodes):
            self.doc.remove_node(node.id)


class RemoveNodes(QUndoCommand):
    """Delete nodes with their edges, stored values, parameters and state."""

    def __init__(self, doc: GraphDocument, ids, text: str = "Delete"):
        super().__init__(text)
        self.doc, self.ids = doc, [nid for nid in doc.nodes if nid in set(ids)]
        self.saved = None

    def redo(self):
        doc = self.doc
        order = list(doc.nodes)
        self.saved = {
            "nodes": [(order.index(nid), copy.deepcopy(doc.nodes[nid])) for nid in self.ids],
            "edges": [
                (i, e) for i, e in enumerate(doc.edges) if e.src in self.ids or e.dst in self.ids
            ],
            "params": {k: v for k, v in doc.params.items() if k in self.ids},
            "state": {k: v for k, v in doc.state.items() if k in self.ids},
            "inputs": {k: v for k, v in doc.inputs.items() if k in self.ids},
        }
        for nid in reversed(self.ids):
            doc.remove_node(nid)

    def undo(self):
        doc, saved = self.doc, self.saved
        for index, node in saved["nodes"]:
            doc.add_node(copy.deepcopy(node), index)
        for index, edge in saved["edges"]:
            doc.add_edge(edge, index)
        doc.params.update(saved["params"])
        doc.state.update(saved["state"])
        doc.inputs.update(saved["inputs"])


class Connect(QUndoCommand):
    def __init__(self, doc: GraphDocument, edge: DocEdge):
        super().__init__(f"Connect {edge.src} to {edge.dst}.{edge.port}")
        self.doc, self.edge = doc, edge

    def redo(self):
        self.doc.add_edge(self.edge)

    def undo(self):
        self.doc.remove_edge(self.edge)


class Disconnect(QUndoCommand):
    def __init__(self, doc: GraphDocument, edge: DocEdge):
        super().__init__(f"Disconnect {edge.src} from {edge.dst}.{edge.port}")
        self.doc, self.edge, self.index = doc, edge, doc.edges.index(edge)

    def redo(self):
        self.doc.remove_edge(self.edge)

    def undo(self):
        self.doc.add_edge(self.edge, self.index)


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
        super().__init__(text or f"Change {nid}")
        self.doc, self.nid = doc, nid
        self.new, self.old = dict(attrs), dict(doc.nodes[nid].attrs)
        self.old_param = doc.params.get(nid)

    def redo(self):
        self.doc.set_attrs(self.nid, self.new)

    def undo(self):
        self.doc.set_attrs(self.nid, self.old)
        if self.old_param is not None:
            self.doc.params[self.nid] = self.old_param


class SetLabel(QUndoCommand):
    def __init__(self, doc: GraphDocument, nid: str, label: str):
        super().__init__(f"Rename {nid}")
        self.doc, self.nid, self.new, self.old = doc, nid, label, doc.nodes[nid].label

    def redo(self):
        self.doc.set_label(self.nid, self.new)

    def undo(self):
        self.doc.set_label(self.nid, self.old)


class SetInputValue(QUndoCommand):
    """Change the stored value of an input node that has one (the numbers of a scalar circuit)."""

    def __init__(self, doc: GraphDocument, nid: str, value):
        super().__init__(f"Set {nid} value")
        self.doc, self.nid, self.new, self.old = doc, nid, value, doc.inputs[nid]

    def redo(self):
        self.doc.set_input_value(self.nid, self.new)

    def undo(self):
        self.doc.set_input_value(self.nid, self.old)
