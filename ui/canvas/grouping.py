"""The view's group actions (group, ungroup, enter, leave, rename) and the breadcrumb.

Each edit is one :class:`ui.group_commands.SetGroups` on the undo stack; entering and leaving
change only what the canvas shows (the scope of :class:`ui.canvas.groups_layer.GroupLayer`).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLabel, QMenu

from graphlab.groups import (
    GroupError,
    make_group,
    new_group_id,
    port_name,
    ports_of,
    renamed,
    ungroup,
)
from graphlab.groups import leaves as group_leaves
from ui.group_commands import SetGroups


class Grouper:
    """Group edits on a GraphView's scene and selection."""

    def __init__(self, view) -> None:
        self.view = view

    @property
    def scene(self):
        return self.view.scene()

    @property
    def layer(self):
        return self.scene.groups

    def group(self) -> str | None:
        """Collapse the selection (nodes and groups) into a new group; returns its id."""
        scene, doc = self.scene, self.scene.doc
        chosen = [*self.layer.selected_groups(), *scene.selected_ids()]
        if not chosen:
            scene.wiring.show_message("Select the nodes to group first.", self._centre())
            return None
        spots = [doc.groups[m].pos if m in doc.groups else doc.nodes[m].pos for m in chosen]
        pos = (min(x for x, _ in spots), sum(y for _, y in spots) / len(spots))
        gid = new_group_id(doc.groups, doc.nodes)
        try:
            groups = make_group(doc.groups, chosen, gid, pos)
        except GroupError as exc:
            scene.wiring.show_message(str(exc), self._centre())
            return None
        scene.stack.push(SetGroups(doc, groups, f"Group {len(chosen)} items"))
        self.layer.items[gid].setSelected(True)
        return gid

    def ungroup(self) -> None:
        """Dissolve the selected groups (their members stay where the group was)."""
        chosen, doc = self.layer.selected_groups(), self.scene.doc
        if not chosen:
            return
        groups = doc.groups
        for gid in chosen:
            groups = ungroup(groups, gid)
        self.scene.stack.push(SetGroups(doc, groups, "Ungroup"))

    def enter(self, gid: str | None = None) -> bool:
        """Enter group ``gid`` (default: the one selected); False when there is none."""
        chosen = [gid] if gid else self.layer.selected_groups()
        if len(chosen) != 1:
            return False
        self.layer.enter(chosen[0])
        self.view.fit_to_view()
        return True

    def leave(self) -> None:
        self.layer.leave()
        self.view.fit_to_view()

    def rename(self, gid: str) -> None:
        """Ask for group ``gid``'s title (empty shows the id)."""
        doc = self.scene.doc
        label, ok = QInputDialog.getText(
            self.view, "Rename group", f"Title of {gid}:", text=doc.groups[gid].label
        )
        if ok and label != doc.groups[gid].label:
            self.scene.stack.push(SetGroups(doc, renamed(doc.groups, gid, label), "Rename group"))

    def rename_port(self, gid: str, key: str) -> None:
        """Ask for the name port ``key`` of group ``gid`` shows (empty: the node's name)."""
        doc = self.scene.doc
        now = doc.groups[gid].ports.get(key, "")
        name, ok = QInputDialog.getText(self.view, "Rename port", f"Name of port {key}:", text=now)
        if ok and name != now:
            groups = renamed(doc.groups, gid, doc.groups[gid].label, {key: name})
            self.scene.stack.push(SetGroups(doc, groups, "Rename port"))

    def menu(self, gid: str) -> QMenu:
        """The context menu of group ``gid``: enter, rename, its ports, ungroup."""
        doc, guard, menu = self.scene.doc, self.view.guard, QMenu(self.view)
        menu.addAction("Enter group", lambda: guard.run("Enter group", self.enter, gid))
        menu.addAction("Rename…", lambda: guard.run("Rename group", self.rename, gid))
        ports = menu.addMenu("Rename port")
        inside = set(group_leaves(doc.groups, gid))
        found = ports_of(inside, doc.nodes, doc.edges)
        for key in (*found.inputs, *found.outputs):
            shown = port_name(doc.groups[gid], key, {key: doc.nodes[key].label})
            ports.addAction(
                f"{shown}…", lambda k=key: guard.run("Rename port", self.rename_port, gid, k)
            )
        menu.addAction(self.view.edit_actions()["ungroup"])
        return menu

    def _centre(self):
        return self.view.mapToScene(self.view.viewport().rect().center())


class Breadcrumb(QLabel):
    """Where you are (``Graph › outer › inner``) over the canvas's top left corner; a click
    on a part goes there."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self.layer = view.scene().groups
        self.setTextFormat(Qt.RichText)
        self.setStyleSheet(
            "QLabel { background: rgba(40, 34, 60, 220); color: #eceff1; padding: 4px 8px;"
            " border: 1px solid #9575cd; border-radius: 4px; }"
        )
        self.linkActivated.connect(lambda link: self.layer.go_to(int(link)))
        self.layer.scopeChanged.connect(self.show_path)
        self.move(8, 8)
        self.hide()

    def show_path(self, titles: list) -> None:
        parts = ['<a href="0" style="color:#b39ddb">Graph</a>']
        for depth, (_, title) in enumerate(titles, 1):
            text = escape(title)
            last = depth == len(titles)
            parts.append(
                f"<b>{text}</b>" if last else f'<a href="{depth}" style="color:#b39ddb">{text}</a>'
            )
        stubs = self.layer.stubs.items
        came = sum(stub.incoming for stub in stubs)
        wires = f"{came} in, {len(stubs) - came} out; " if stubs else ""
        self.setText(" › ".join(parts) + (f"  ({wires}Alt+Up: leave)" if titles else ""))
        self.adjustSize()
        self.setVisible(bool(titles))

    def path_text(self) -> str:
        """The breadcrumb as plain text (for tests and screen readers)."""
        return " › ".join(["Graph", *(t for _, t in self.layer.titles())])
