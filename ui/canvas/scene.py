"""GraphScene: one item per document node and edge, kept in step with the document's events.

User edits become commands on the undo stack; the commands change the document and the
scene follows the resulting change events (it never writes the document itself).
"""

from __future__ import annotations

import contextlib
import weakref

import shiboken6
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPen, QUndoStack
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from engine.ops.base import fmt
from graphlab.analysis import Analysis
from graphlab.changes import STRUCTURE, ChangeKind
from graphlab.document import Change, DocEdge, GraphDocument
from graphlab.groups import moved as moved_groups
from ui.canvas import node_item
from ui.canvas.edge_item import EdgeItem, restyle_edges
from ui.canvas.extras import CanvasExtras
from ui.canvas.groups_layer import GroupLayer
from ui.canvas.node_item import PORT_HIT, PORT_MIN_PX, NodeItem
from ui.canvas.overview import OverviewItem, overview_wanted
from ui.canvas.wiring import Wiring
from ui.commands import MoveNodes
from ui.group_commands import SetGroups
from ui.theme import canvas_colour

GRID = 20.0
#: the scene is this far in every direction from the origin (room to pan and zoom)
SCENE_HALF = 50_000.0
#: the most background grid lines drawn at once (a picture of a far-flung graph stays cheap)
MAX_GRID_LINES = 2000


def _selection_relay(scene: GraphScene):
    """A slot for ``scene.selectionChanged`` that ignores a scene being destroyed.

    Qt emits selectionChanged while it destroys a scene with selected items, when the
    scene's Python side (its bound methods' slots, its items) is already gone; a weak
    reference and shiboken's validity check keep that emission from reaching Python code.
    """
    ref = weakref.ref(scene)

    def relay() -> None:
        live = ref()
        if live is not None and shiboken6.isValid(live):
            live._selection_changed()

    return relay


class GraphScene(QGraphicsScene):
    """The canvas of ``doc``; edits are pushed on ``stack``."""

    selectedNodesChanged = Signal(list)
    analysisChanged = Signal(object)
    #: a wire from node ``src`` was released over empty canvas at a scene point
    wireDropped = Signal(str, QPointF)

    def __init__(self, doc: GraphDocument, stack: QUndoStack, parent=None) -> None:
        super().__init__(parent)
        self.doc, self.stack = doc, stack
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[DocEdge, EdgeItem] = {}
        self.analysis = Analysis()
        self.snap_to_grid = False
        self._syncing = False
        self.setSceneRect(-SCENE_HALF, -SCENE_HALF, 2 * SCENE_HALF, 2 * SCENE_HALF)
        self._take_colours()
        self._analysis_timer = QTimer(self)
        self._analysis_timer.setSingleShot(True)
        self._analysis_timer.setInterval(0)
        self._analysis_timer.timeout.connect(self.refresh_analysis)
        self.wiring = Wiring(self)
        self.overview = OverviewItem(self)
        self.selectionChanged.connect(_selection_relay(self))
        self._rebuild()
        self.refresh_analysis()
        doc.subscribe(self._on_change, STRUCTURE | {ChangeKind.NODE_MOVED})
        #: groups: the scope shown, group items, rerouted wires (subscribed after the scene)
        self.groups = GroupLayer(self)
        self.groups.apply()
        #: bypass tint, frames, notes, reroute points, wire style (after the groups)
        self.extras = CanvasExtras(self)
        self.extras.apply()

    def _take_colours(self) -> None:
        self.setBackgroundBrush(canvas_colour("background"))
        self._grid_pens = tuple(QPen(canvas_colour(r), 0) for r in ("grid_minor", "grid_major"))

    def restyle(self) -> None:
        """Draw in the current theme's colours (after a theme change)."""
        self._take_colours()
        node_item.restyle()
        restyle_edges(self.edges.values())
        for item in self.nodes.values():
            item.set_node(self.doc.nodes[item.nid])  # drops its cached labels
            item.update()
        for view in self.views():
            view.resetCachedContent()  # the cached background
        self.update()

    def detach(self) -> None:
        """Stop following the document (before dropping this scene); safe to repeat."""
        with contextlib.suppress(ValueError):
            self.doc.unsubscribe(self._on_change)
        with contextlib.suppress(ValueError):
            self.doc.unsubscribe(self.groups._on_change)
        self.extras.detach()

    # -- following the document -----------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if not shiboken6.isValid(self):  # Qt deleted the scene without detach()
            self.detach()
            return
        kind, subject = change.kind, change.subject
        if kind == "node_moved":
            self._syncing = True
            try:
                self.nodes[subject].setPos(*self.doc.nodes[subject].pos)
            finally:
                self._syncing = False
            self._make_room(self.nodes[subject])
            return
        if kind == "node_added":
            self._add_node(subject)
        elif kind == "node_removed":
            self.removeItem(self.nodes.pop(subject))
            self.overview.invalidate()
        elif kind == "node_changed":
            self.nodes[subject].set_node(self.doc.nodes[subject])
        elif kind == "edge_added":
            self._add_edge(subject)
        elif kind == "edge_removed":
            self._remove_edge(subject)
        elif kind == "reset":
            self._rebuild()
        self._analysis_timer.start()

    def _rebuild(self) -> None:
        self.wiring.cancel()
        self.blockSignals(True)
        for item in self.items():
            if item.parentItem() is None:
                self.removeItem(item)
        self.blockSignals(False)
        self.nodes, self.edges = {}, {}
        for nid in self.doc.nodes:
            self._add_node(nid)
        for edge in self.doc.edges:
            self._add_edge(edge)
        self.wiring.attach()
        self.addItem(self.overview)
        self.overview.invalidate()
        self.selectedNodesChanged.emit([])

    def _add_node(self, nid: str) -> None:
        item = NodeItem(self.doc.nodes[nid])
        item.setFlag(NodeItem.ItemHasNoContents, self.overview.isVisible())
        self.nodes[nid] = item
        self.addItem(item)
        self._make_room(item)
        self.overview.invalidate()

    def _make_room(self, item: NodeItem) -> None:
        """Grow the scene rectangle when a node lies outside it (so the view can reach it)."""
        bounds = item.sceneBoundingRect()
        if self.sceneRect().contains(bounds):
            return
        margin = SCENE_HALF / 10
        self.overview.prepareGeometryChange()
        self.setSceneRect(
            self.sceneRect().united(bounds.adjusted(-margin, -margin, margin, margin))
        )

    def _add_edge(self, edge: DocEdge) -> None:
        src, dst = self.nodes[edge.src], self.nodes[edge.dst]
        item = EdgeItem(edge, src, dst)
        item.setFlag(EdgeItem.ItemHasNoContents, self.overview.isVisible())
        self.overview.invalidate()
        src.edges.append(item)
        dst.edges.append(item)
        self.edges[edge] = item
        self.addItem(item)

    def _remove_edge(self, edge: DocEdge) -> None:
        item = self.edges.pop(edge)
        for end in (item.src, item.dst):
            end.edges.remove(item)
        self.removeItem(item)
        self.overview.invalidate()

    def refresh_analysis(self) -> None:
        """Show the document's analysis now: each node's shape and problem."""
        self._analysis_timer.stop()
        self.analysis = self.doc.analysis()
        shapes, problems = self.analysis.shapes, self.analysis.problems
        for nid, item in self.nodes.items():
            shape = shapes.get(nid)
            item.set_analysis("" if shape is None else fmt(shape), problems.get(nid, ""))
        self.analysisChanged.emit(self.analysis)

    def set_zoom(self, zoom: float) -> None:
        """Draw with the overview or each node itself, for view scale ``zoom``."""
        self.show_overview(overview_wanted(zoom, len(self.nodes)))

    def show_overview(self, on: bool) -> None:
        """Draw every node and edge through the overview item (on) or each item itself.

        Hiding the overview any other way (``overview.setVisible(False)``, e.g. for a
        picture) also makes the items draw themselves again.
        """
        self.overview.setVisible(on)

    def _items_draw_themselves(self, on: bool) -> None:
        for item in [*self.nodes.values(), *self.edges.values()]:
            item.setFlag(QGraphicsItem.ItemHasNoContents, not on)

    # -- selection ------------------------------------------------------------------------

    def selected_ids(self) -> list[str]:
        """The selected node ids, in document order."""
        # Qt's own list: it holds only live items, even while Qt tears the scene down
        chosen = {item.nid for item in self.selectedItems() if isinstance(item, NodeItem)}
        return [nid for nid in self.doc.nodes if nid in chosen]

    def selected_edges(self) -> list[DocEdge]:
        """The selected wires, in document order."""
        chosen = {item.edge for item in self.selectedItems() if isinstance(item, EdgeItem)}
        return [edge for edge in self.doc.edges if edge in chosen]

    def select_ids(self, ids) -> None:
        wanted = set(ids)
        self.blockSignals(True)
        for nid, item in self.nodes.items():
            item.setSelected(nid in wanted)
        for edge_item in self.edges.values():
            edge_item.setSelected(False)
        self.blockSignals(False)
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.selectedNodesChanged.emit(self.selected_ids())

    # -- geometry helpers -----------------------------------------------------------------

    def snap(self, pos: QPointF) -> QPointF:
        return QPointF(round(pos.x() / GRID) * GRID, round(pos.y() / GRID) * GRID)

    def snapping_user_move(self) -> bool:
        """Whether a position change now comes from the user and should snap."""
        return self.snap_to_grid and not self._syncing

    def port_at(self, pos: QPointF) -> tuple[NodeItem, str, str] | None:
        """(node item, "in" or "out", input port name) of the port at ``pos``, if any."""
        views = self.views()
        zoom = views[0].transform().m11() if views else 1.0
        reach = max(PORT_HIT, PORT_MIN_PX / 2 / max(zoom, 1e-6))
        near = QRectF(pos.x() - reach, pos.y() - reach, 2 * reach, 2 * reach)
        for item in self.items(near):
            if isinstance(item, NodeItem):
                hit = item.port_at(pos, zoom)
                if hit is not None:
                    return item, hit[0], hit[1]
        return None

    def node_at(self, pos: QPointF) -> NodeItem | None:
        for item in self.items(pos):
            if isinstance(item, NodeItem):
                return item
            if isinstance(item.parentItem(), NodeItem):
                return item.parentItem()
        return None

    def edge_at(self, pos: QPointF) -> EdgeItem | None:
        return next((i for i in self.items(pos) if isinstance(i, EdgeItem)), None)

    def nodes_rect(self) -> QRectF:
        """The rectangle holding every node shown and the stubs of an entered group's
        crossing wires (one pass over the nodes; empty when none)."""
        items = [i for i in self.nodes.values() if i.isVisible()] + [*self.groups.items.values()]
        if not items:
            return QRectF()
        xs = [i.x() for i in items]
        ys = [i.y() for i in items]
        bottom = max(i.y() + i.height for i in items)
        right = max(xs) + items[0].boundingRect().right()
        rect = QRectF(QPointF(min(xs) - PORT_HIT, min(ys) - PORT_HIT), QPointF(right, bottom))
        return rect.united(self.groups.stubs.rect()) if self.groups.stubs.items else rect

    # -- mouse: wiring and committing moves -----------------------------------------------

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self.wiring.press(event.scenePos()):
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self.wiring.active:
            self.wiring.move(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self.wiring.active and event.button() == Qt.LeftButton:
            self.wiring.release(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.LeftButton:
            self.commit_moves()

    def commit_moves(self) -> None:
        """Push one MoveNodes for every node whose item left its document position."""
        moved = {}
        for nid in self.selected_ids():
            item = self.nodes[nid]
            if (item.x(), item.y()) != self.doc.nodes[nid].pos:
                moved[nid] = (item.x(), item.y())
        if len(moved) == 1 and self.wiring.insert_dropped(next(iter(moved)), moved):
            moved = {}  # dropped onto a wire: moved and inserted as one step
        if moved:
            self.stack.push(MoveNodes(self.doc, moved))
        positions = self.groups.moved()
        if positions:
            self.stack.push(
                SetGroups(self.doc, moved_groups(self.doc.groups, positions), "Move group")
            )

    # -- background grid ------------------------------------------------------------------

    def drawBackground(self, painter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        zoom = painter.worldTransform().m11()
        step = GRID if zoom >= 0.5 else GRID * 5
        while (rect.width() + rect.height()) / step > MAX_GRID_LINES:  # a huge picture: coarser
            step *= 5
        if step * zoom < 6:
            return
        left = int(rect.left() // step) * step
        top = int(rect.top() // step) * step
        minor, major = [], []
        x = left
        while x < rect.right():
            line = QLineF(x, rect.top(), x, rect.bottom())
            (major if round(x / step) % 5 == 0 else minor).append(line)
            x += step
        y = top
        while y < rect.bottom():
            line = QLineF(rect.left(), y, rect.right(), y)
            (major if round(y / step) % 5 == 0 else minor).append(line)
            y += step
        painter.setRenderHint(QPainter.Antialiasing, False)  # axis-aligned: crisp and faster
        for pen, lines in zip(self._grid_pens, (minor, major), strict=True):
            painter.setPen(pen)
            painter.drawLines(lines)
