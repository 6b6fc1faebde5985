"""The node-editor canvas: GraphScene (follows a GraphDocument) and GraphView."""

from graphlab.fragments import PALETTE_MIME
from ui.canvas.scene import GraphScene
from ui.canvas.view import GraphView

__all__ = ["PALETTE_MIME", "GraphScene", "GraphView"]
