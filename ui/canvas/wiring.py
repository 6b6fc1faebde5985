"""Connecting by dragging: output port to input port, or a connected input to detach it.

The wire follows the cursor; over an input port the document's ``wire_problem`` gives the
verdict once (kept for the drag, and its analysis adopted by the document when the wire is
added). A refused wire shows the reason next to the cursor for a moment and changes nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, QTimer

from graphlab.document import DocEdge
from graphlab.names import with_labels
from graphlab.wire_targets import insertion_port
from ui.canvas.badge import MessageItem
from ui.canvas.edge_item import WireItem
from ui.commands import Connect, Disconnect, MoveNodes

#: how long a refusal stays next to the cursor
MESSAGE_MS = 3000
#: what a release on another output port says
OUTPUT_TO_OUTPUT = "an output connects to an input port (the dots on a node's left side)"


class Wiring:
    """The scene's connection drag: ``press``/``move``/``release`` with scene positions."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self.source = ""
        self.detached: DocEdge | None = None
        self._hovered: DocEdge | None = None
        #: whether the cursor is over another node's output port (not allowed)
        self.over_output = False
        #: target wire -> its verdict (None when it may be added), for this drag
        self._verdicts: dict[DocEdge, str | None] = {}
        self.wire = WireItem()
        self.message = MessageItem()
        self.message.hide()
        self._timer = QTimer(scene)
        self._timer.setSingleShot(True)
        self._timer.setInterval(MESSAGE_MS)
        self._timer.timeout.connect(self.message.hide)

    def attach(self) -> None:
        """Put the wire and message items into the scene (again, after a rebuild)."""
        for item in (self.wire, self.message):
            if item.scene() is None:
                self.scene.addItem(item)

    @property
    def active(self) -> bool:
        return bool(self.source)

    def press(self, pos: QPointF) -> bool:
        """Start a drag when ``pos`` is on an output port or a connected input port."""
        hit = self.scene.port_at(pos)
        if hit is None:
            return False
        item, side, port = hit
        if side == "out":
            self.source = item.nid
        else:
            src = self.scene.doc.source_of(item.nid, port)
            if src is None:
                return False
            self.source, self.detached = src, DocEdge(src, item.nid, port)
            self.scene.edges[self.detached].hide()
        self.move(pos)
        return True

    def move(self, pos: QPointF) -> None:
        """Follow the cursor; over an input port, colour the wire by whether it may go there."""
        self.wire.follow(self.scene.nodes[self.source].output_pos(), pos)
        target, over_output = self._target_at(pos), self._over_output(pos)
        if target != self._hovered or over_output != self.over_output:
            self._hovered, self.over_output = target, over_output
            verdict = None if target in (None, self.detached) else not self._problem(target)
            self.wire.set_verdict(False if over_output else verdict)
            self._set_cursor(Qt.ForbiddenCursor if over_output else None)

    def _over_output(self, pos: QPointF) -> bool:
        hit = self.scene.port_at(pos)
        return hit is not None and hit[1] == "out" and hit[0].nid != self.source

    def _set_cursor(self, cursor) -> None:
        """The not-allowed cursor over the canvas (None: the canvas's own cursor again)."""
        for view in self.scene.views():
            if cursor is None:
                view.viewport().unsetCursor()
            else:
                view.viewport().setCursor(cursor)

    def _target_at(self, pos: QPointF) -> DocEdge | None:
        hit = self.scene.port_at(pos)
        return DocEdge(self.source, hit[0].nid, hit[2]) if hit and hit[1] == "in" else None

    def _problem(self, target: DocEdge) -> str | None:
        if target not in self._verdicts:
            self._verdicts[target] = self.scene.doc.wire_problem(target, self.detached)
        return self._verdicts[target]

    def release(self, pos: QPointF) -> None:
        """Connect, reconnect, detach, or refuse with the reason shown at ``pos``."""
        scene, doc = self.scene, self.scene.doc
        target, detached, source = self._target_at(pos), self.detached, self.source
        problem = None if target in (None, detached) else self._problem(target)
        over_output = self._over_output(pos)
        self.cancel()
        if over_output:
            self.show_message(OUTPUT_TO_OUTPUT, pos)
            return
        if target == detached is not None:
            return
        if target is None:
            if detached is not None:
                scene.stack.push(Disconnect(doc, detached))
            elif scene.node_at(pos) is None:  # into empty space: offer what can take it
                scene.wireDropped.emit(source, pos)
            return
        if problem:
            self.show_message(problem, pos)
            return
        if detached is None:
            scene.stack.push(Connect(doc, target))
            return
        name = doc.display_name
        scene.stack.beginMacro(f"Reconnect {name(target.src)} to {name(target.dst)}.{target.port}")
        scene.stack.push(Disconnect(doc, detached))
        scene.stack.push(Connect(doc, target))
        scene.stack.endMacro()

    def insert_dropped(self, nid: str, moved: dict) -> bool:
        """Node ``nid``, unwired, was dropped onto a wire: put it into the wire (with the
        move, as one undo step) when the shapes fit; say why not otherwise."""
        scene, doc = self.scene, self.scene.doc
        item = scene.nodes[nid]
        if any(e.src == nid or e.dst == nid for e in doc.edges):
            return False
        centre = item.sceneBoundingRect().center()
        under = [i for i in scene.items(centre) if getattr(i, "edge", None) in scene.edges]
        if not under:
            return False
        edge = under[0].edge
        port = insertion_port(doc, nid, edge)
        if port is None:
            self.show_message(f"{nid} does not fit between {edge.src} and {edge.dst}", centre)
            return False
        scene.stack.beginMacro(f"Insert {nid} between {edge.src} and {edge.dst}")
        try:  # a failure must not leave the macro open
            scene.stack.push(MoveNodes(doc, moved))
            scene.stack.push(Disconnect(doc, edge))
            scene.stack.push(Connect(doc, DocEdge(edge.src, nid, port)))
            scene.stack.push(Connect(doc, DocEdge(nid, edge.dst, edge.port)))
        finally:
            scene.stack.endMacro()
        return True

    def cancel(self) -> None:
        """End the drag without changing anything (Esc, or before acting on a release)."""
        if self.detached is not None and self.detached in self.scene.edges:
            self.scene.edges[self.detached].show()
        self.source, self.detached, self._hovered = "", None, None
        self._verdicts, self.over_output = {}, False
        self._set_cursor(None)
        self.wire.set_verdict(None)
        self.wire.hide()

    def show_message(self, text: str, pos: QPointF) -> None:
        """``text`` next to the cursor for a moment, nodes named by their labels."""
        self.message.set_text(with_labels(self.scene.doc, text))
        self.message.setPos(pos)
        self.message.show()
        self._timer.start()
