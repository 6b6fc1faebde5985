"""Dropping a graph file on the canvas opens it: a ``.graphlab`` project, a ``.json`` graph or
a PNG exported by GraphLab (which carries its graph; :mod:`graphlab.png_graph`). A picture
dropped on an input node stays that input's value (:mod:`ui.input_drop`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QGraphicsItem

from ui.canvas.node_item import NodeItem
from ui.input_drop import ImageDrop

SUFFIXES = {".graphlab", ".json", ".png"}


class GraphDrop(ImageDrop):
    """Event filter on ``window``'s canvas viewport: a dropped graph file opens."""

    def __init__(self, window) -> None:
        super().__init__(window.view, window.doc, window.stack, None)
        self.window = window

    def target(self, event) -> tuple[str, str] | None:
        """("", the path) a drop would open, or None (not one graph file, or an image on an
        input node)."""
        mime = event.mimeData()
        urls = mime.urls() if mime.hasUrls() else []
        paths = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if len(paths) != 1 or Path(paths[0]).suffix.lower() not in SUFFIXES:
            return None
        item: QGraphicsItem | None = self.view.itemAt(event.position().toPoint())
        while item is not None and not isinstance(item, NodeItem):
            item = item.parentItem()
        on_input = item is not None and item.op == "input"
        return None if on_input and paths[0].lower().endswith(".png") else ("", paths[0])

    def drop(self, target: tuple[str, str]) -> None:
        self.window.guard.run("Open", self.window.files.open_path, target[1])


def install_graph_drop(window) -> GraphDrop:
    """Let ``window``'s canvas open graph files dropped on it."""
    window.graph_drop = GraphDrop(window)
    return window.graph_drop
