"""GraphView: zoom around the cursor, pan (middle button or space+drag), fit, drops, menus,
and the edit actions the main window puts in its menus and toolbar."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QCursor, QKeySequence, QPainter, QPixmapCache
from PySide6.QtWidgets import QGraphicsView, QInputDialog, QMenu

from engine.errors import GraphLabError
from graphlab.fragments import PALETTE_MIME
from ui.canvas.editing import Editor
from ui.canvas.extras_items import FrameItem, NoteItem, RerouteHandle
from ui.canvas.grouping import Breadcrumb, Grouper
from ui.canvas.node_item import NODE_WIDTH, TITLE_H
from ui.canvas.quick_add import QuickAdd
from ui.canvas.tools import Tools, tool_specs
from ui.commands import Disconnect, SetLabel
from ui.guard import ActionGuard

MIN_ZOOM, MAX_ZOOM = 0.05, 4.0
#: items that take their own double-click (rename a frame, edit a note, remove a point)
EXTRA_ITEMS = (FrameItem, NoteItem, RerouteHandle)
#: fit never magnifies beyond this (a lone node should not fill the screen)
FIT_MAX_ZOOM = 1.5
FIT_MARGIN = 40.0
#: node pixmaps of a full screen of nodes stay cached (the 10 MB default thrashes)
PIXMAP_CACHE_KB = 256 * 1024


class GraphView(QGraphicsView):
    """A view of a GraphScene with the editor's navigation and edit actions."""

    def __init__(self, scene, parent=None) -> None:
        super().__init__(scene, parent)
        self.editor = Editor(scene)
        self.grouper = Grouper(self)
        self.tools = Tools(self)
        #: runs the view's actions and menus (a window puts its own guard here)
        self.guard = ActionGuard(scene.doc, scene.stack, self)
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), PIXMAP_CACHE_KB))
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.NoAnchor)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setOptimizationFlag(QGraphicsView.DontAdjustForAntialiasing)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self._space = False
        self._pan_from: QPointF | None = None
        self._actions = self._make_actions()
        self.breadcrumb = Breadcrumb(self)
        self.quick_add = QuickAdd(self)
        scene.wireDropped.connect(
            lambda src, at: self.guard.run("Add a node", self.quick_add.open_for_wire, src, at)
        )

    # -- actions --------------------------------------------------------------------------

    def _make_actions(self) -> dict[str, QAction]:
        e = self.editor
        specs = [
            ("delete", "Delete", QKeySequence.Delete, e.delete),
            ("cut", "Cut", QKeySequence.Cut, e.cut),
            ("copy", "Copy", QKeySequence.Copy, e.copy),
            ("paste", "Paste", QKeySequence.Paste, lambda: e.paste()),
            ("duplicate", "Duplicate", QKeySequence("Ctrl+D"), e.duplicate),
            ("select_all", "Select all", QKeySequence.SelectAll, self.select_all),
            ("fit", "Fit to view", QKeySequence("F"), self.fit_to_view),
            ("layout", "Automatic layout", QKeySequence("Ctrl+L"), self.layout),
            ("snap", "Snap to grid", QKeySequence(), self._set_snap),
            ("rename", "Rename…", QKeySequence("F2"), self.rename_selected),
            ("group", "Group", QKeySequence("Ctrl+G"), self.grouper.group),
            ("ungroup", "Ungroup", QKeySequence("Ctrl+Shift+G"), self.grouper.ungroup),
            ("enter_group", "Quick add / enter group", QKeySequence("Tab"), self.tab),
            ("leave_group", "Leave group", QKeySequence("Alt+Up"), self.grouper.leave),
        ]
        actions = {}
        for name, text, keys, slot in [*specs, *tool_specs(self)]:
            action = QAction(text, self)
            action.setShortcut(keys)
            # only while the canvas has focus: Del or F typed into a field must not edit nodes
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            if name == "snap":
                action.setCheckable(True)
                action.toggled.connect(lambda on, s=slot, t=text: self.guard.run(t, s, on))
            else:
                action.triggered.connect(lambda _=False, s=slot, t=text: self.guard.run(t, s))
            self.addAction(action)
            actions[name] = action
        return actions

    def edit_actions(self) -> dict[str, QAction]:
        """name -> QAction: delete, cut, copy, paste, duplicate, select_all, fit, layout, snap,
        rename, group, ungroup, enter_group, leave_group, and the tools of ui/canvas/tools.py."""
        return dict(self._actions)

    def tab(self) -> None:
        """Tab: enter the selected group, else open the quick-add box at the cursor."""
        if not self.grouper.enter():
            at = self.viewport().mapFromGlobal(QCursor.pos())
            if not self.viewport().rect().contains(at):
                at = self.viewport().rect().center()
            self.quick_add.open_at(at)

    def rename_selected(self) -> None:
        """F2: rename the selected node (or group)."""
        groups, nodes = self.scene().groups.selected_groups(), self.scene().selected_ids()
        if len(groups) + len(nodes) == 1:
            self.grouper.rename(groups[0]) if groups else self.rename(nodes[0])

    def add_at(self, payload: str, at: QPointF) -> bool:
        """Add palette ``payload`` with its title at scene point ``at`` (one undo step)."""
        return self._drop(payload, at)

    def _set_snap(self, on: bool) -> None:
        self.scene().snap_to_grid = on

    def select_all(self) -> None:
        """Select every node, group, frame and note shown."""
        scene = self.scene()
        scene.select_ids(scene.nodes)
        extras = [*scene.groups.items.values(), *scene.extras.frames.values()]
        for item in [*extras, *scene.extras.notes.values()]:
            item.setSelected(True)

    def layout(self) -> None:
        self.editor.layout()
        self.fit_to_view()

    # -- zoom and pan ---------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF) -> None:
        """Scale by ``factor`` keeping the scene point under viewport point ``anchor`` fixed."""
        factor = min(max(self.zoom() * factor, MIN_ZOOM), MAX_ZOOM) / self.zoom()
        before = self.mapToScene(anchor.toPoint())
        self.scale(factor, factor)
        shift = self.mapFromScene(before) - anchor.toPoint()
        self.pan_by(shift.x(), shift.y())

    def pan_by(self, dx: float, dy: float) -> None:
        """Scroll the view by (dx, dy) viewport pixels."""
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + round(dx))
        v.setValue(v.value() + round(dy))

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.2**steps, event.position())
        event.accept()

    def fit_to_view(self) -> None:
        """Show every node (one pass over the nodes), never magnified beyond FIT_MAX_ZOOM."""
        rect = self.scene().nodes_rect()
        if rect.isEmpty():
            return
        rect = rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)
        self.fitInView(rect, Qt.KeepAspectRatio)
        if self.zoom() > FIT_MAX_ZOOM:
            self.setTransform(self.transform().fromScale(FIT_MAX_ZOOM, FIT_MAX_ZOOM))
            self.centerOn(rect.center())
        elif self.zoom() < MIN_ZOOM:
            self.setTransform(self.transform().fromScale(MIN_ZOOM, MIN_ZOOM))
            self.centerOn(rect.center())

    def paintEvent(self, event) -> None:
        """Far out, switch to the overview and draw edges without antialiasing (faster)."""
        scene = self.scene()
        scene.set_zoom(self.zoom())
        self.setRenderHint(QPainter.Antialiasing, not scene.overview.isVisible())
        super().paintEvent(event)

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape and self.scene().wiring.active:
            self.scene().wiring.cancel()
            event.accept()
            return
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event) -> None:
        if self.quick_add.isVisible():
            self.quick_add.close_box()
        pan = event.button() == Qt.MiddleButton or (event.button() == Qt.LeftButton and self._space)
        if pan:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = self._pan_from - event.position()
            self._pan_from = event.position()
            self.pan_by(delta.x(), delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None and event.button() in (Qt.MiddleButton, Qt.LeftButton):
            self._pan_from = None
            if self._space:
                self.viewport().setCursor(Qt.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # -- drops from the palette -----------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        """Create the dropped op (its title under the cursor) or template."""
        if not event.mimeData().hasFormat(PALETTE_MIME):
            super().dropEvent(event)
            return
        payload = bytes(event.mimeData().data(PALETTE_MIME).data()).decode("utf-8")
        at = self.mapToScene(event.position().toPoint())
        if not self.guard.run("Drop", self._drop, payload, at):
            event.ignore()
            return
        event.acceptProposedAction()
        self.setFocus()

    def _drop(self, payload: str, at: QPointF) -> bool:
        """Add ``payload``'s nodes, the title under ``at``; a bad payload is said there."""
        try:
            self.editor.drop(payload, at - QPointF(NODE_WIDTH / 2, TITLE_H / 2))
        except (KeyError, GraphLabError) as exc:
            self.scene().wiring.show_message(str(exc), at)
            return False
        return True

    # -- context menus --------------------------------------------------------------------

    def context_menu(self, view_pos) -> QMenu:
        """The menu for what lies at ``view_pos``: a node, an edge or the background."""
        scene, menu = self.scene(), QMenu(self)
        at = self.mapToScene(view_pos)
        group = scene.groups.item_at(at)
        if group is not None:
            scene.clearSelection()
            group.setSelected(True)
            return self.grouper.menu(group.gid)
        node = scene.node_at(at)
        edge = None if node else scene.edge_at(at)
        if node is not None:
            if not node.isSelected():
                scene.select_ids([node.nid])
            menu.addAction("Rename…", lambda: self.guard.run("Rename", self.rename, node.nid))
            menu.addAction(self._actions["duplicate"])
            menu.addAction(self._actions["delete"])
        elif edge is not None:
            doc_edge = edge.edge
            menu.addAction(
                "Disconnect", lambda: self.guard.run("Disconnect", self.disconnect_edge, doc_edge)
            )
        else:
            menu.addAction("Paste", lambda: self.guard.run("Paste", self.editor.paste, at))
            menu.addAction(self._actions["layout"])
            menu.addAction(self._actions["fit"])
        return menu

    def mouseDoubleClickEvent(self, event) -> None:
        """A double click on a node renames it, on a group enters it, on a wire adds a reroute
        point, on the empty canvas opens the quick-add box there."""
        at = self.mapToScene(event.position().toPoint())
        group = self.scene().groups.item_at(at)
        if group is not None and event.button() == Qt.LeftButton:
            self.guard.run("Enter group", self.grouper.enter, group.gid)
            event.accept()
            return
        node = self.scene().node_at(at)
        if node is not None and event.button() == Qt.LeftButton:
            self.rename(node.nid)
            event.accept()
            return
        on_extra = any(isinstance(i, EXTRA_ITEMS) for i in self.scene().items(at))
        edge = self.scene().edge_at(at)
        if event.button() == Qt.LeftButton and not on_extra:
            if edge is None:
                self.quick_add.open_at(event.position().toPoint())  # empty canvas: add here
            else:
                self.guard.run("Reroute point", self.scene().extras.add_point, edge.edge, at)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event) -> None:
        """Show the menu of what lies under the cursor; it is deleted once closed."""
        menu = self.context_menu(event.pos())
        menu.exec(event.globalPos())
        menu.deleteLater()

    def disconnect_edge(self, edge) -> None:
        """Remove document edge ``edge`` as one undo step."""
        self.scene().stack.push(Disconnect(self.scene().doc, edge))

    def rename(self, nid: str) -> None:
        """Ask for a new label of node ``nid`` (empty shows the id) and push SetLabel; the
        node is selected afterwards (the inspector stays on it)."""
        doc = self.scene().doc
        label, ok = QInputDialog.getText(
            self, "Rename node", f"Label of {nid}:", text=doc.nodes[nid].label
        )
        if ok and label != doc.nodes[nid].label:
            self.scene().stack.push(SetLabel(doc, nid, label))
        if nid in doc.nodes:
            self.scene().select_ids([nid])
