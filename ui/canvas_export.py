"""Pictures of the canvas for slides: PNG through a QImage, SVG through QSvgGenerator.

The picture covers every visible item of the scene (nodes, edges, badges) plus a margin, drawn as
the canvas draws it, with the selection cleared and item caches off for the moment of
drawing. PNGs are drawn
at ``scale`` pixels per scene unit (2 by default, sharp on a projector).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QImage, QPainter, QUndoStack
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem

from graphlab.document import GraphDocument
from graphlab.export import ExportError
from graphlab.fileformat import write_atomically

MARGIN = 24.0
PNG_SCALE = 2.0


def picture_rect(scene) -> QRectF:
    """The scene rectangle a picture shows: every node and edge, with ``MARGIN`` around it.

    (``itemsBoundingRect`` would count the zoomed-out overview, which spans the scene.)
    """
    rect = QRectF()
    for item in [*scene.nodes.values(), *scene.edges.values()]:
        rect = rect.united(item.sceneBoundingRect())
    if rect.isEmpty():
        raise ExportError("the canvas is empty: nothing to draw")
    return rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def picture_size(scene, scale: float = PNG_SCALE) -> QSize:
    """The pixel size of the PNG :func:`export_png` writes at ``scale``."""
    rect = picture_rect(scene)
    return QSize(math.ceil(rect.width() * scale), math.ceil(rect.height() * scale))


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


def export_png(scene, path: str | os.PathLike, scale: float = PNG_SCALE) -> QSize:
    """Write the canvas as a PNG of :func:`picture_size`; returns that size."""
    source, size = picture_rect(scene), picture_size(scene, scale)
    image = QImage(size, QImage.Format_ARGB32_Premultiplied)
    _draw(scene, QPainter(image), QRectF(0, 0, size.width(), size.height()), source)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError(f"{path}: could not encode the PNG")
    write_atomically(Path(path), lambda f: f.write(bytes(data)))
    return size


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


def export_document_picture(doc: GraphDocument, path: str | os.PathLike, kind: str) -> None:
    """Draw ``doc`` on a fresh canvas and write it as ``kind`` ('png' or 'svg'), no window.

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
            export_png(scene, path)
        else:
            export_svg(scene, path)
    finally:
        scene.detach()
