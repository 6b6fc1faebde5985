"""Pictures of the canvas for slides: PNG through a QImage, SVG through QSvgGenerator.

The picture covers every visible item of the scene (nodes, edges, badges) plus a margin, drawn as
the canvas draws it, with the selection cleared and item caches off for the moment of
drawing. PNGs are drawn
at ``scale`` pixels per scene unit (2 by default, sharp on a projector), lowered where the
picture would exceed ``MAX_SIDE`` pixels a side or ``MAX_BYTES`` of image memory (a graph with a
node far away): the whole graph still shows, smaller, and the result says so.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QImage, QPainter, QUndoStack
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem

from graphlab.document import GraphDocument
from graphlab.export import ExportError
from graphlab.fileformat import document_bytes, write_atomically
from graphlab.png_graph import embed

MARGIN = 24.0
PNG_SCALE = 2.0
#: the largest PNG: pixels per side, and bytes of the image while drawing (4 per pixel)
MAX_SIDE, MAX_BYTES = 16_384, 64 * 2**20


@dataclass(frozen=True)
class PngPicture:
    """A PNG written: its pixel ``size``, the ``scale`` used and the one asked for."""

    size: QSize
    scale: float
    wanted: float

    @property
    def scaled_down(self) -> bool:
        return self.scale < self.wanted

    def note(self) -> str:
        """'' at the asked scale, else a sentence saying the picture was scaled down."""
        if not self.scaled_down:
            return ""
        return (
            f"scaled down to {self.size.width()} x {self.size.height()} pixels, "
            f"{self.scale / self.wanted:.1%} of full size, to stay within "
            f"{MAX_SIDE} pixels a side and {MAX_BYTES // 2**20} MB"
        )


def picture_rect(scene) -> QRectF:
    """The scene rectangle a picture shows: every node, edge, group, frame and note shown,
    with ``MARGIN`` around it.

    (``itemsBoundingRect`` would count the zoomed-out overview, which spans the scene.)
    """
    rect = QRectF()
    shown = [i for i in [*scene.nodes.values(), *scene.edges.values()] if i.isVisible()]
    extras = [
        *scene.groups.items.values(),
        *scene.extras.frames.values(),
        *scene.extras.notes.values(),
        *scene.groups.stubs.items,  # inside an entered group: its crossing wires
    ]
    for item in [*shown, *extras]:  # what the canvas shows (not the nodes inside a group)
        rect = rect.united(item.sceneBoundingRect())
    if rect.isEmpty():
        raise ExportError("the canvas is empty: nothing to draw")
    return rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def fitted_scale(rect: QRectF, scale: float) -> float:
    """``scale``, lowered so that a picture of ``rect`` stays within MAX_SIDE and MAX_BYTES."""
    width, height = rect.width(), rect.height()
    fit = min(MAX_SIDE / width, MAX_SIDE / height, math.sqrt(MAX_BYTES / 4 / (width * height)))
    return min(scale, fit)


def picture_size(scene, scale: float = PNG_SCALE) -> QSize:
    """The pixel size of the PNG :func:`export_png` writes at ``scale`` (after fitting)."""
    rect = picture_rect(scene)
    fitted = fitted_scale(rect, scale)
    whole = math.ceil if fitted == scale else math.floor  # scaled down: never past the caps
    return QSize(max(1, whole(rect.width() * fitted)), max(1, whole(rect.height() * fitted)))


def _draw(scene, painter: QPainter, target: QRectF, source: QRectF) -> None:
    """Render ``source`` of the scene into ``target`` without the selection highlight.

    Item caches are off while drawing, so that an SVG gets vector shapes and text rather
    than the cached pixmaps of the nodes.
    """
    selected = scene.selectedItems()
    for item in selected:
        item.setSelected(False)
    overview = scene.overview.isVisible()
    scene.show_overview(False)  # a picture shows every node in full
    cached = [(item, item.cacheMode()) for item in scene.items() if item.cacheMode()]
    for item, _ in cached:
        item.setCacheMode(QGraphicsItem.NoCache)
    try:
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setRenderHint(QPainter.TextAntialiasing)
        painter.fillRect(target, scene.backgroundBrush())
        scene.render(painter, target, source)
    finally:
        painter.end()
        for item, mode in cached:
            item.setCacheMode(mode)
        for item in selected:
            item.setSelected(True)
        scene.show_overview(overview)


def export_png(
    scene, path: str | os.PathLike, scale: float = PNG_SCALE, params: bool = False
) -> PngPicture:
    """Write the canvas as a PNG of :func:`picture_size` carrying the graph (with ``params``,
    the parameters too) in text chunks (:mod:`graphlab.png_graph`); what was written."""
    source, size = picture_rect(scene), picture_size(scene, scale)
    image = QImage(size, QImage.Format_ARGB32_Premultiplied)
    _draw(scene, QPainter(image), QRectF(0, 0, size.width(), size.height()), source)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError(f"{path}: could not encode the PNG")
    doc = scene.doc
    project = document_bytes(doc) if params else None
    png = embed(bytes(data), document_bytes(doc, arrays=False), project)
    write_atomically(Path(path), lambda f: f.write(png))
    return PngPicture(size, fitted_scale(source, scale), scale)


def export_svg(scene, path: str | os.PathLike) -> None:
    """Write the canvas as an SVG whose size is the picture rectangle in scene units."""
    source = picture_rect(scene)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    size = QSize(math.ceil(source.width()), math.ceil(source.height()))
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(getattr(scene.doc, "name", "graph"))
    generator.setDescription("drawn by GraphLab")
    _draw(scene, QPainter(generator), QRectF(0, 0, size.width(), size.height()), source)
    write_atomically(Path(path), lambda f: f.write(bytes(data)))


def export_document_picture(
    doc: GraphDocument, path: str | os.PathLike, kind: str, params: bool = False
) -> str:
    """Draw ``doc`` on a fresh canvas and write it as ``kind`` ('png' or 'svg'), no window;
    the PNG's :meth:`PngPicture.note` ('' for an SVG).

    Used by ``graphlab export --png/--svg``; starts an offscreen Qt application if none runs.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.canvas import GraphScene

    application = QApplication.instance() or QApplication([])
    scene = GraphScene(doc, QUndoStack())
    application.processEvents()  # let the scene finish its pending analysis (shape labels)
    try:
        if kind == "png":
            return export_png(scene, path, params=params).note()
        export_svg(scene, path)
        return ""
    finally:
        scene.detach()
