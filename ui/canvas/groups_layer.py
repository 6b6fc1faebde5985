"""What groups do to the canvas: where you are (the scope), which items show, wires rerouted.

At a scope ("" the whole graph, else the group you entered) the canvas shows that scope's
direct members: nodes as themselves, groups as one :class:`GroupItem`. A wire whose ends
lie in different shown items is drawn between them (through a group's port when an end is
inside one); a wire inside one group is hidden, and one crossing the entered group's border
ends at a stub naming the outside node (:mod:`ui.canvas.group_stubs`). The layer follows the
document's events and never writes it; its edits are commands (:mod:`ui.group_commands`).
"""

from __future__ import annotations

import contextlib

import shiboken6
from PySide6.QtCore import QObject, QPointF, Signal

from graphlab.changes import STRUCTURE, ChangeKind
from graphlab.groups import leaves, port_name, ports_of, representatives
from graphlab.names import display_names
from ui.canvas.edge_item import EdgeItem
from ui.canvas.group_item import GroupItem
from ui.canvas.group_stubs import GroupStubs


class _End:
    """One end of a rerouted wire: a node item, or a group item's port ``key``."""

    def __init__(self, item, key: str) -> None:
        self.item, self.key = item, key

    def output_pos(self) -> QPointF:
        group = isinstance(self.item, GroupItem)
        return self.item.output_pos(self.key) if group else self.item.output_pos()

    def input_pos(self, port: str) -> QPointF:
        group = isinstance(self.item, GroupItem)
        return self.item.input_pos(self.key) if group else self.item.input_pos(port)


class GroupLayer(QObject):
    """Groups on ``scene`` (a GraphScene): scope, group items and rerouted wires."""

    #: what is drawn changed with the document still valid (a scope entered or left, groups
    #: made, dissolved, renamed or moved): [(group id, title), ...] of the scope
    scopeChanged = Signal(list)

    def __init__(self, scene) -> None:
        super().__init__(scene)
        self.scene, self.doc = scene, scene.doc
        self.path: list[str] = []
        self.items: dict[str, GroupItem] = {}
        self.proxies: list[EdgeItem] = []
        #: doc edge -> the rerouted wire drawn for it; node id -> what is drawn for it
        self.proxy_of: dict = {}
        self.reps: dict[str, str] = {}
        self.stubs = GroupStubs(scene)
        self._shown_all = True
        kinds = STRUCTURE | {ChangeKind.GROUPS_CHANGED, ChangeKind.NODE_MOVED}
        self.doc.subscribe(self._on_change, kinds)

    @property
    def scope(self) -> str:
        return self.path[-1] if self.path else ""

    def _on_change(self, change) -> None:
        if not shiboken6.isValid(self.scene):  # Qt deleted the scene without detach()
            with contextlib.suppress(ValueError):
                self.doc.unsubscribe(self._on_change)
            return
        if change.kind == ChangeKind.NODE_MOVED:  # the stubs' labels make room again
            self.stubs.place_soon()
            return
        path = list(self.path)
        if change.kind == ChangeKind.RESET:  # the scene removed every item already
            self.path, self.items, self.proxies, self._shown_all = [], {}, [], False
            self.proxy_of, self.stubs.items = {}, []
        self.apply()
        if self.path != path or change.kind == ChangeKind.GROUPS_CHANGED:
            self.scopeChanged.emit(self.titles())

    # -- moving between scopes --------------------------------------------------------------

    def enter(self, gid: str) -> None:
        """Show the inside of group ``gid`` (a member of the current scope)."""
        self.path.append(gid)
        self.apply()
        self.scopeChanged.emit(self.titles())

    def leave(self, levels: int = 1) -> None:
        """Go ``levels`` groups out (towards the whole graph)."""
        if self.path:
            del self.path[max(0, len(self.path) - levels) :]
            self.apply()
            self.scopeChanged.emit(self.titles())

    def go_to(self, depth: int) -> None:
        """Show the scope at ``depth`` of the path (0: the whole graph)."""
        self.leave(len(self.path) - depth)

    def titles(self) -> list[tuple[str, str]]:
        return [(gid, self.doc.groups[gid].title) for gid in self.path]

    # -- following the document ---------------------------------------------------------------

    def apply(self) -> None:
        """Show the scope's members, hide the rest, reroute the wires (one pass)."""
        groups = self.doc.groups
        self.path = [gid for gid in self.path if gid in groups]
        if not groups and not self.path and self._shown_all:
            return  # nothing grouped: every item shows as itself (the common, cheap case)
        self.reps = reps = representatives(groups, self.doc.nodes, self.scope)
        scene, deselected = self.scene, False
        scene.blockSignals(True)  # one selection change at the end, not one per hidden node
        for nid, item in scene.nodes.items():
            shown = reps.get(nid) == nid
            if not shown and item.isSelected():
                item.setSelected(False)
                deselected = True
            item.setVisible(shown)
        scene.blockSignals(False)
        if deselected:
            scene.selectionChanged.emit()
        self._sync_items({r for r in reps.values() if r in groups})
        for proxy in self.proxies:
            for end in (proxy.src, proxy.dst):
                if end.item.edges and proxy in end.item.edges:
                    end.item.edges.remove(proxy)
            scene.removeItem(proxy)
        self.proxies, self.proxy_of, routed = [], {}, {}
        self.stubs.clear()
        names, stubbed = display_names(self.doc) if self.path else {}, set()
        for edge, item in scene.edges.items():
            rs, rd = reps.get(edge.src), reps.get(edge.dst)
            item.setVisible(rs == edge.src and rd == edge.dst)
            if self.path and (rs is None) != (rd is None):
                self._stub(edge, rs, rd, names, stubbed)
            if item.isVisible() or rs is None or rd is None or rs == rd:
                continue
            key = (rs, rd, edge.src, edge.port if rd == edge.dst else "")
            if key not in routed:
                routed[key] = self._proxy(edge, rs, rd)
            self.proxy_of[edge] = routed[key]
        self.stubs.place()
        self._shown_all = not groups and not self.path

    def _sync_items(self, wanted: set[str]) -> None:
        groups, nodes, edges = self.doc.groups, self.doc.nodes, self.doc.edges
        for gid in [g for g in self.items if g not in wanted]:
            self.scene.removeItem(self.items.pop(gid))
        for gid in wanted:
            inside = set(leaves(groups, gid))
            ports = ports_of(inside, nodes, edges)
            labels = {k: nodes[k].label for k in (*ports.inputs, *ports.outputs) if k in nodes}
            names = {k: port_name(groups[gid], k, labels) for k in (*ports.inputs, *ports.outputs)}
            item = self.items.get(gid)
            if item is None:
                item = self.items[gid] = GroupItem(groups[gid], ports, names, len(inside))
                self.scene.addItem(item)
            else:
                item.set_group(groups[gid], ports, names, len(inside))
                if (item.x(), item.y()) != groups[gid].pos:
                    item.setPos(*groups[gid].pos)
            item.edges = []

    def _proxy(self, edge, rs: str, rd: str) -> EdgeItem:
        src = self.items.get(rs) or self.scene.nodes[rs]
        dst = self.items.get(rd) or self.scene.nodes[rd]
        proxy = EdgeItem(edge, _End(src, edge.src), _End(dst, edge.src))
        self.scene.addItem(proxy)
        self.proxies.append(proxy)
        src.edges.append(proxy)
        dst.edges.append(proxy)
        return proxy

    def _stub(self, edge, rs: str | None, rd: str | None, names: dict, stubbed: set) -> None:
        """The stub of ``edge``, which crosses the entered group's border (one per port and
        outside node: wires into one collapsed member group share its port)."""
        src, dst = names.get(edge.src, edge.src), names.get(edge.dst, edge.dst)
        tip = f"{src} -> {dst}.{edge.port}"
        if rs is None:  # into the group: from the outside node to a member's input
            key = (rd, edge.src, edge.port if rd == edge.dst else "")
            end = _End(self.items.get(rd) or self.scene.nodes[rd], edge.src)
            text, at = f"{src} →", (lambda: end.input_pos(edge.port))
        else:  # out of the group: from a member's output to the outside node's port
            key = (rs, edge.src, edge.dst, edge.port)
            end = _End(self.items.get(rs) or self.scene.nodes[rs], edge.src)
            text, at = f"→ {dst}.{edge.port}", end.output_pos
        if key not in stubbed:
            stubbed.add(key)
            outside = src if rs is None else dst
            self.stubs.add(
                text, f"{tip} ({outside} is outside this group)", end.item, at, rs is None
            )

    # -- what is drawn ----------------------------------------------------------------------

    def drawn(self, edge, item: EdgeItem) -> EdgeItem | None:
        """The wire drawn for doc edge ``edge`` (its own ``item``, a rerouted one, or None)."""
        return item if item.isVisible() else self.proxy_of.get(edge)

    def gate_of(self, nid: str) -> str | None:
        """The collapsed group drawn for node ``nid`` at this scope, if any."""
        rep = self.reps.get(nid) if self.doc.groups else None
        return rep if rep in self.doc.groups else None

    def item_of(self, nid: str):
        """The item drawn for node ``nid`` (its own, its group's) or None."""
        gid = self.gate_of(nid)
        if gid is not None:
            return self.items.get(gid)
        item = self.scene.nodes.get(nid)
        return item if item is not None and item.isVisible() else None

    # -- what the user picked ----------------------------------------------------------------

    def selected_groups(self) -> list[str]:
        """The selected group items' ids, in document order."""
        chosen = {i.gid for i in self.scene.selectedItems() if isinstance(i, GroupItem)}
        return [gid for gid in self.doc.groups if gid in chosen]

    def item_at(self, pos: QPointF) -> GroupItem | None:
        return next((i for i in self.scene.items(pos) if isinstance(i, GroupItem)), None)

    def moved(self) -> dict[str, tuple[float, float]]:
        """Group id -> new position for every group item the user dragged."""
        groups = self.doc.groups
        return {
            gid: (item.x(), item.y())
            for gid, item in self.items.items()
            if gid in groups and (item.x(), item.y()) != groups[gid].pos
        }
