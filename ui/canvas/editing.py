"""The canvas's edit operations, each one undo command: delete, cut, copy, paste,
duplicate, automatic layout, and creating what a palette entry drops."""

from __future__ import annotations

import json

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from graphlab.canvas_items import pasted_canvas
from graphlab.document import DocEdge
from graphlab.fragments import (
    corner,
    dropped_nodes,
    fragment,
    instantiate,
    parse_fragment,
    starter_inputs,
)
from graphlab.groups import copied_groups, top_level, with_members
from graphlab.groups import leaves as group_leaves
from graphlab.layout import layered_positions
from ui.commands import AddNodes, Disconnect, MoveNodes, RemoveNodes
from ui.group_commands import SetCanvas, SetGroups

#: how far each paste or duplicate lands from the copied nodes (scene units)
PASTE_OFFSET = 40.0


class Editor:
    """Edit operations on a GraphScene's document and selection."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self._pastes = 0

    @property
    def doc(self):
        return self.scene.doc

    def selected(self) -> list[str]:
        """The selected nodes and every node inside the selected groups, in document order."""
        chosen = set(self.scene.selected_ids())
        for gid in self.scene.groups.selected_groups():
            chosen.update(group_leaves(self.doc.groups, gid))
        return [nid for nid in self.doc.nodes if nid in chosen]

    def push_add(self, nodes, edges, text: str, pasted=None, starts=None, canvas=None) -> None:
        """Add ``nodes`` and ``edges`` (and the ``pasted`` groups of them) as one undo step;
        inside an entered group what is not in a pasted group joins it. ``starts``: the
        values new inputs start at; ``canvas``: the canvas extras afterwards (a paste's)."""
        stack, scope = self.scene.stack, self.scene.groups.scope
        stack.beginMacro(text)
        try:  # a failure must not leave the macro open (the guard then restores the document)
            if nodes:
                stack.push(AddNodes(self.doc, nodes, edges, text, starts))
            if (scope and nodes) or pasted:
                groups = {**self.doc.groups, **(pasted or {})}
                if scope:
                    top = top_level(pasted or {}, [*(pasted or {}), *(n.id for n in nodes)])
                    groups = with_members(groups, scope, top)
                stack.push(SetGroups(self.doc, groups, text))
            if canvas is not None and canvas != self.doc.canvas:
                stack.push(SetCanvas(self.doc, canvas, text))
        finally:
            stack.endMacro()

    def delete(self) -> None:
        """Delete the selected nodes (with their wires), or else the selected wires, as one
        undo step (a rubber band that caught wires beside nodes removes only the nodes);
        selected frames and notes go as their own step."""
        ids = self.selected()
        self.scene.extras.delete_selected()
        if ids:
            self.scene.stack.push(RemoveNodes(self.doc, ids))
            return
        wires = self.scene.selected_edges()
        if wires:
            self.scene.stack.beginMacro("Delete wire" if len(wires) == 1 else "Delete wires")
            for edge in wires:
                self.scene.stack.push(Disconnect(self.doc, edge))
            self.scene.stack.endMacro()

    def copy(self) -> dict | None:
        """Put the selection (nodes, and the frames and notes it carries) on the clipboard as
        a fragment; returns it (None when nothing is selected)."""
        ids = self.selected()
        frames, notes = self.scene.extras.selected()
        if not (ids or frames or notes):
            return None
        part = fragment(self.doc, ids, frames, notes)
        # plain text: a QMimeData handed to the clipboard crashed Python at exit (offscreen)
        QApplication.clipboard().setText(json.dumps(part))
        self._pastes = 0
        return part

    def cut(self) -> None:
        """Copy, then remove the nodes and the frames and notes copied, as one undo step."""
        ids, part = self.selected(), self.copy()
        if part is None:
            return
        carried = part.get("canvas", {})
        frames = [f["id"] for f in carried.get("frames", [])]
        notes = [n["id"] for n in carried.get("notes", [])]
        self.scene.stack.beginMacro("Cut")
        try:
            if ids:
                self.scene.stack.push(RemoveNodes(self.doc, ids, "Cut"))
            if frames or notes:
                self.scene.extras.remove(frames, notes, "Cut")
        finally:
            self.scene.stack.endMacro()

    def paste(self, at: QPointF | None = None) -> None:
        """Paste the clipboard's fragment, offset from the copy, or with its corner at ``at``."""
        part = parse_fragment(QApplication.clipboard().text())
        if part is None:
            return
        if at is None:
            self._pastes += 1
            offset = (PASTE_OFFSET * self._pastes, PASTE_OFFSET * self._pastes)
        else:
            left, top = corner(part)
            offset = (at.x() - left, at.y() - top)
        self._add(part, offset, "Paste")

    def duplicate(self) -> None:
        ids = self.selected()
        frames, notes = self.scene.extras.selected()
        if ids or frames or notes:
            part = parse_fragment(fragment(self.doc, ids, frames, notes))
            if part is not None:
                self._add(part, (PASTE_OFFSET, PASTE_OFFSET), "Duplicate")

    def _add(self, part, offset, text: str) -> None:
        nodes, edges = instantiate(self.doc, part, offset)
        id_map = {old: n.id for old, n in zip(part.nodes, nodes, strict=True)}
        taken = {*self.doc.nodes, *self.doc.groups, *id_map.values()}
        pasted = copied_groups(part.groups, id_map, taken, offset)
        canvas = None
        if part.canvas:
            canvas = pasted_canvas(self.doc.canvas, part.canvas, part.edges, id_map, offset)
        extras = self.scene.extras
        before = set(extras.frames), set(extras.notes)
        self.push_add(nodes, edges, text, pasted, canvas=canvas)
        self.scene.select_ids([n.id for n in nodes])
        for gid in pasted:
            if gid in self.scene.groups.items:
                self.scene.groups.items[gid].setSelected(True)
        for items, old in zip((extras.frames, extras.notes), before, strict=True):
            for key, item in items.items():  # the pasted frames and notes selected
                item.setSelected(key not in old)

    def drop(self, payload: str, pos: QPointF) -> list[str]:
        """Create what palette ``payload`` names at ``pos``; returns the new node ids."""
        if self.scene.snap_to_grid:
            pos = self.scene.snap(pos)
        nodes, edges = dropped_nodes(self.doc, payload, (pos.x(), pos.y()))
        name = payload.partition(":")[2]
        self.push_add(nodes, edges, f"Add {name}", starts=starter_inputs(nodes))
        ids = [n.id for n in nodes]
        self.scene.select_ids(ids)
        return ids

    def add_wired(self, payload: str, pos: QPointF, src: str, fit: tuple[int, str]) -> str:
        """Create ``payload`` at ``pos`` with ``src`` wired into port ``fit`` = (index of the
        dropped node, port), as one undo step; returns the new node's id."""
        if self.scene.snap_to_grid:
            pos = self.scene.snap(pos)
        nodes, edges = dropped_nodes(self.doc, payload, (pos.x(), pos.y()))
        target = nodes[fit[0]]
        edges = [*edges, DocEdge(src, target.id, fit[1])]
        name = payload.partition(":")[2]
        self.push_add(nodes, edges, f"Add {name} after {src}")
        self.scene.select_ids([n.id for n in nodes])
        return target.id

    def layout(self) -> None:
        """Automatic layered layout as one MoveNodes (nothing when already laid out)."""
        positions = layered_positions(self.doc)
        moved = {nid: p for nid, p in positions.items() if tuple(p) != self.doc.nodes[nid].pos}
        if moved:
            self.scene.stack.push(MoveNodes(self.doc, moved, "Automatic layout"))
