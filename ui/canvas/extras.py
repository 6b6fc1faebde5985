"""The canvas extras on a scene: bypassed nodes tinted, frames, notes, reroute points and the
wire style, following the document's ``canvas`` field (:mod:`graphlab.canvas_items`).

Every edit is one :class:`ui.group_commands.SetCanvas` on the undo stack.
"""

from __future__ import annotations

import contextlib
import copy

import shiboken6
from PySide6.QtCore import QObject, QPointF, QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsColorizeEffect, QInputDialog

from graphlab.canvas_items import bypass_port, edge_key, fresh_id
from graphlab.changes import STRUCTURE, ChangeKind
from ui.canvas.extras_items import FrameItem, NoteItem, RerouteHandle
from ui.group_commands import SetCanvas

BYPASS_TINT = QColor("#b39ddb")
FRAME_COLOURS = ("#5c6bc0", "#26a69a", "#ef6c00", "#8e24aa", "#43a047", "#c62828")


class CanvasExtras(QObject):
    """Bypass tint, frames, notes, reroute points and wire style on ``scene``."""

    def __init__(self, scene) -> None:
        super().__init__(scene)
        self.scene, self.doc = scene, scene.doc
        self.frames: dict[str, FrameItem] = {}
        self.notes: dict[str, NoteItem] = {}
        self.handles: list[RerouteHandle] = []
        self._drawn = False
        kinds = STRUCTURE | {ChangeKind.CANVAS_CHANGED, ChangeKind.NODE_MOVED}
        self.doc.subscribe(self._on_change, kinds)

    def detach(self) -> None:
        with contextlib.suppress(ValueError):
            self.doc.unsubscribe(self._on_change)

    def _on_change(self, change) -> None:
        if not shiboken6.isValid(self.scene):
            self.detach()
            return
        if change.kind == ChangeKind.RESET:  # the scene removed every item already
            self.frames, self.notes, self.handles, self._drawn = {}, {}, [], True
        if change.kind == ChangeKind.NODE_MOVED:
            self._fit_frames()
            return
        self.apply()

    @property
    def canvas(self) -> dict:
        return self.doc.canvas

    # -- drawing --------------------------------------------------------------------------------

    def apply(self) -> None:
        """Draw the document's canvas extras (nothing to do when there are none)."""
        canvas = self.canvas
        if not canvas and not self._drawn:
            return
        bypassed = canvas.get("bypassed", {})
        for nid, item in self.scene.nodes.items():
            tinted = item.graphicsEffect() is not None
            if (nid in bypassed) != tinted:
                self._tint(item, nid in bypassed)
        style, reroutes = canvas.get("wire_style", "curved"), canvas.get("reroutes", {})
        for edge, item in self.scene.edges.items():
            item.style, item.via = style, tuple(tuple(p) for p in reroutes.get(edge_key(edge), ()))
            item.refresh()
        for proxy in self.scene.groups.proxies:
            proxy.style = style
            proxy.refresh()
        self._sync_frames()
        self._sync_notes()
        self._sync_handles()
        self._drawn = bool(canvas)

    @staticmethod
    def _tint(item, on: bool) -> None:
        if on:
            effect = QGraphicsColorizeEffect()
            effect.setColor(BYPASS_TINT)
            effect.setStrength(0.6)
            item.setGraphicsEffect(effect)
            item.setOpacity(0.8)
            item.setToolTip(f"{item.nid} is bypassed (Ctrl+B): its input passes straight through")
        else:
            item.setGraphicsEffect(None)
            item.setOpacity(1.0)

    def _sync_frames(self) -> None:
        for item in self.frames.values():
            self.scene.removeItem(item)
        self.frames = {f["id"]: FrameItem(self, f) for f in self.canvas.get("frames", [])}
        for item in self.frames.values():
            self.scene.addItem(item)
        self._fit_frames()

    def _fit_frames(self) -> None:
        for item in self.frames.values():
            rects = [
                self.scene.nodes[m].sceneBoundingRect()
                for m in item.members
                if m in self.scene.nodes
            ]
            item.fit(rects)

    def _sync_notes(self) -> None:
        for item in self.notes.values():
            self.scene.removeItem(item)
        self.notes = {n["id"]: NoteItem(self, n) for n in self.canvas.get("notes", [])}
        for item in self.notes.values():
            self.scene.addItem(item)

    def _sync_handles(self) -> None:
        for handle in self.handles:
            self.scene.removeItem(handle)
        keys = {edge_key(e): e for e in self.scene.edges}
        self.handles = []
        for key, points in self.canvas.get("reroutes", {}).items():
            if key in keys and self.scene.edges[keys[key]].isVisible():
                for index, (x, y) in enumerate(points):
                    self.handles.append(RerouteHandle(self, key, index, QPointF(x, y)))
        for handle in self.handles:
            self.scene.addItem(handle)

    # -- edits (each one undo step) -------------------------------------------------------------

    def _push(self, canvas: dict, text: str) -> None:
        self.scene.stack.push(SetCanvas(self.doc, canvas, text))

    def toggle_bypass(self, ids: list[str]) -> str:
        """Bypass the nodes ``ids`` (or end their bypass); "" or why one cannot be bypassed."""
        canvas = copy.deepcopy(self.canvas)
        bypassed = canvas.setdefault("bypassed", {})
        if ids and all(nid in bypassed for nid in ids):
            for nid in ids:
                del bypassed[nid]
            self._push(_tidy(canvas), "End bypass")
            return ""
        for nid in ids:
            port, why = bypass_port(self.doc, nid)
            if port is None:
                return f"Cannot bypass {nid}: {why}."
            bypassed[nid] = port
        self._push(canvas, f"Bypass {', '.join(ids)}")
        return ""

    def add_frame(self, ids: list[str], title: str = "Frame") -> str:
        frames = list(self.canvas.get("frames", []))
        fid = fresh_id("frame", {f["id"] for f in frames})
        colour = FRAME_COLOURS[len(frames) % len(FRAME_COLOURS)]
        rects = [self.scene.nodes[n].sceneBoundingRect() for n in ids]
        item = FrameItem(
            self,
            {"id": fid, "title": title, "colour": colour, "members": ids, "rect": [0, 0, 1, 1]},
        )
        item.fit(rects)
        r = item.rect
        frames.append({"id": fid, "title": title, "colour": colour, "members": list(ids),
                       "rect": [r.x(), r.y(), r.width(), r.height()]})  # fmt: skip
        self._push({**self.canvas, "frames": frames}, "Frame")
        return fid

    def add_note(self, at: QPointF, text: str = "A **note** (Markdown)") -> str:
        notes = list(self.canvas.get("notes", []))
        nid = fresh_id("note", {n["id"] for n in notes})
        notes.append({"id": nid, "text": text, "pos": [at.x(), at.y()], "size": [220.0, 60.0]})
        self._push({**self.canvas, "notes": notes}, "Note")
        return nid

    def edit_note(self, nid: str) -> None:
        note = next(n for n in self.canvas["notes"] if n["id"] == nid)
        text, ok = QInputDialog.getMultiLineText(None, "Note", "Markdown:", note["text"])
        if ok and text != note["text"]:
            notes = [{**n, "text": text} if n["id"] == nid else n for n in self.canvas["notes"]]
            self._push({**self.canvas, "notes": notes}, "Edit note")

    def note_moved(self, nid: str, pos: tuple) -> None:
        notes = self.canvas.get("notes", [])
        if any(n["id"] == nid and n["pos"] != list(pos) for n in notes):
            moved = [{**n, "pos": list(pos)} if n["id"] == nid else n for n in notes]
            self._push({**self.canvas, "notes": moved}, "Move note")

    def rename_frame(self, fid: str) -> None:
        frame = next(f for f in self.canvas["frames"] if f["id"] == fid)
        title, ok = QInputDialog.getText(None, "Frame", "Title:", text=frame["title"])
        if ok and title != frame["title"]:
            frames = [{**f, "title": title} if f["id"] == fid else f for f in self.canvas["frames"]]
            self._push({**self.canvas, "frames": frames}, "Rename frame")

    def select_members(self, frame: FrameItem) -> None:
        for nid in frame.members:
            if nid in self.scene.nodes:
                self.scene.nodes[nid].setSelected(True)

    def add_point(self, edge, at: QPointF) -> None:
        """A reroute point on ``edge`` at ``at``, placed in order along the wire."""
        key = edge_key(edge)
        points = [list(p) for p in self.canvas.get("reroutes", {}).get(key, [])]
        start = self.scene.nodes[edge.src].output_pos().x()
        points.append([at.x(), at.y()])
        points.sort(key=lambda p: abs(p[0] - start))
        self._push(
            {**self.canvas, "reroutes": {**self.canvas.get("reroutes", {}), key: points}},
            "Reroute point",
        )

    def point_dragged(self, handle: RerouteHandle) -> None:
        for edge, item in self.scene.edges.items():
            if edge_key(edge) == handle.key:
                via = list(item.via)
                if handle.index < len(via):
                    via[handle.index] = (handle.x(), handle.y())
                    item.via = tuple(via)
                    item.refresh()

    def point_moved(self, key: str, index: int, pos: tuple) -> None:
        points = [list(p) for p in self.canvas.get("reroutes", {}).get(key, [])]
        if index < len(points) and points[index] != list(pos):
            points[index] = list(pos)
            self._push(
                {**self.canvas, "reroutes": {**self.canvas["reroutes"], key: points}},
                "Move reroute point",
            )

    def remove_point(self, key: str, index: int) -> None:
        reroutes = dict(self.canvas.get("reroutes", {}))
        points = [p for i, p in enumerate(reroutes.get(key, [])) if i != index]
        reroutes[key] = points
        self._push(
            _tidy({**self.canvas, "reroutes": {k: v for k, v in reroutes.items() if v}}),
            "Remove reroute point",
        )

    def set_style(self, style: str) -> None:
        if style != self.canvas.get("wire_style", "curved"):
            self._push(_tidy({**self.canvas, "wire_style": style}), f"Wire style {style}")

    def selected(self) -> tuple[list[str], list[str]]:
        """The ids of the selected frames and of the selected notes."""
        return (
            [fid for fid, item in self.frames.items() if item.isSelected()],
            [nid for nid, item in self.notes.items() if item.isSelected()],
        )

    def delete_selected(self) -> bool:
        """Remove the selected frames and notes (one step); whether there were any."""
        frames, notes = self.selected()
        if frames or notes:
            self.remove(frames, notes, "Delete frame or note")
        return bool(frames or notes)

    def remove(self, frames, notes, text: str) -> None:
        """Remove the frames and notes of these ids as one step named ``text``."""
        kept = {
            key: [item for item in self.canvas.get(key, []) if item["id"] not in set(gone)]
            for key, gone in (("frames", frames), ("notes", notes))
        }
        self._push(_tidy({**self.canvas, **kept}), text)

    def frame_rect(self, fid: str) -> QRectF:
        return self.frames[fid].rect


def _tidy(canvas: dict) -> dict:
    """Without empty entries and the default wire style (as files hold it)."""
    tidy = {k: v for k, v in canvas.items() if v not in ({}, [])}
    if tidy.get("wire_style") == "curved":
        del tidy["wire_style"]
    return tidy
