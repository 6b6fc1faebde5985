"""The inspector's section for the data node (the input bound as ``dataset.data_input`` of an
image dataset): one training image beside its HoG picture (the per-cell orientation glyphs)
and its colour or intensity histogram, with the binding's features options (else defaults)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QFormLayout, QGridLayout, QLabel, QWidget

from engine.errors import GraphLabError
from graphlab.document import GraphDocument
from graphlab.image_previews import FeatureView, feature_view
from ui.course.pictures import pixmap_of

#: the side of the image and of its HoG picture, in pixels
PICTURE = 112


class FeatureSection(QWidget):
    """The image, its HoG picture and its histogram (``view``: what they show)."""

    def __init__(self, view: FeatureView) -> None:
        super().__init__(objectName="features section")
        self.view = view
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        hog = view.hog
        captions = (
            "a training image",
            f"its HoG ({hog['orientations']} bins, {hog['pixels_per_cell']} px cells)",
        )
        image = view.image[0] if view.image.shape[0] == 1 else view.image.transpose(1, 2, 0)
        pictures = (image, np.sqrt(view.picture))  # the faint glyphs brighter
        self.pictures = []
        for column, (caption, picture) in enumerate(zip(captions, pictures, strict=True)):
            label = QLabel()
            label.setPixmap(pixmap_of(picture, PICTURE))
            label.setFixedSize(PICTURE, PICTURE)
            grid.addWidget(label, 0, column)
            grid.addWidget(QLabel(caption, wordWrap=True), 1, column)
            self.pictures.append(label)
        self.histogram = pg.PlotWidget()
        self.histogram.setMinimumHeight(110)
        self.histogram.setMaximumHeight(140)
        bins = len(view.histogram)
        self.histogram.addItem(
            pg.BarGraphItem(x=np.arange(bins), height=view.histogram, width=0.85, brush="#5a8dd6")
        )
        self.histogram.setMouseEnabled(False, False)
        kind = "hue" if view.colour else "intensity"
        self.histogram.setTitle(f"{kind} histogram ({bins} bins)", size="8pt")
        grid.addWidget(self.histogram, 2, 0, 1, 2)


def add_feature_section(form: QFormLayout, doc: GraphDocument, nid: str) -> None:
    """Add the section to the inspector's form when ``nid`` is the data input of a bound
    image dataset (nothing for other nodes, vectors or a dataset that does not load)."""
    if nid != doc.dataset.get("data_input") or not doc.dataset.get("spec"):
        return
    try:
        view = feature_view(doc.dataset)
    except GraphLabError:
        return
    form.addRow(QLabel("<b>What features see</b>"))
    form.addRow(FeatureSection(view))
