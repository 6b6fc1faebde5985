"""The class templates view (Course menu): a linear classifier trained on the digits, each
row of its weights shown as a picture that updates while it trains.

Numbers from ``graphlab.course.templates`` (the engine's graph and optimizer); this window only
draws and runs a few steps per timer tick.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from graphlab.course.templates import (
    TemplateTraining,
    graph_templates,
    template_parameter,
    templates_of,
)
from ui.course.pictures import Tile

STEPS_PER_TICK = 5
TICK_MS = 50
COLOUR_MAP = "CET-D1"  # diverging: blue negative, white zero, red positive


class TemplatesView(QWidget):
    """One picture per class, Train/Pause and Reset, the loss curve and the training accuracy."""

    def __init__(self, window=None) -> None:
        super().__init__()
        self.window_, self.doc = window, getattr(window, "doc", None)
        self.live_updates = 0
        self.colours = pg.colormap.get(COLOUR_MAP)
        self.lr_box, self.reg_box = QDoubleSpinBox(), QDoubleSpinBox()
        for box, value, decimals in ((self.lr_box, 0.5, 3), (self.reg_box, 1e-3, 4)):
            box.setDecimals(decimals)
            box.setRange(0.0, 10.0)
            box.setSingleStep(10.0**-decimals * 10)
            box.setValue(value)
        self.train_button = QPushButton("Train")
        self.train_button.setCheckable(True)
        self.train_button.toggled.connect(self.set_training)
        self.reset_button = QPushButton("Reset")
        self.reset_button.clicked.connect(self.reset)
        self.graph_button = QPushButton("Show the open graph's weights")
        self.graph_button.setToolTip(
            "The templates of the open graph's trained (pixels x classes) weight, redrawn "
            "whenever its parameters change (a training run ends, a file opens)"
        )
        self.graph_button.setCheckable(True)
        self.graph_button.setVisible(window is not None)
        self.graph_button.toggled.connect(self.show_graph)
        controls = QHBoxLayout()
        for widget in (
            QLabel("learning rate"),
            self.lr_box,
            QLabel("L2 strength"),
            self.reg_box,
            self.train_button,
            self.reset_button,
            self.graph_button,
        ):
            controls.addWidget(widget)
        self.status = QLabel()
        controls.addWidget(self.status, 1)
        grid = QGridLayout()
        self.tiles = []
        for index in range(10):
            tile = Tile(220)
            grid.addWidget(tile, index // 5, index % 5)
            self.tiles.append(tile)
        note = QLabel(
            "Each picture is one class's row of W (a linear softmax classifier on the 8x8 digits,"
            " mean image subtracted): red pixels raise the class's score, blue ones lower it."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        self.loss_plot = pg.PlotWidget(title="minibatch loss")
        self.loss_plot.setBackground("w")
        self.loss_plot.setLabel("bottom", "step")
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#1f77b4", width=2))
        layout.addLayout(grid)
        layout.addWidget(note)
        layout.addWidget(self.loss_plot, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.reset()

    def show_graph(self, on: bool) -> None:
        """Show the open graph's weights instead of the view's own training: its stored values,
        and live while the training dashboard trains it."""
        self.train_button.setChecked(False)
        for widget in (self.train_button, self.reset_button, self.lr_box, self.reg_box):
            widget.setEnabled(not on)
        self.loss_plot.setVisible(not on)
        (self.doc.subscribe if on else self.doc.unsubscribe)(self._graph_changed)
        if on:
            self._graph_changed()
        else:
            self._watch(None)
            self.redraw()

    def _watch(self, param: str | None) -> None:
        dashboard = getattr(self.window_, "training", None)
        if dashboard is not None:
            dashboard.watch_weights(param, self._live_weights if param else None)

    def _graph_changed(self, change=None) -> None:
        found = template_parameter(self.doc)
        self._watch(found[0] if found else None)
        if found is None:
            self.status.setText(
                "  The open graph has no (pixels x classes) weight: open or build a linear "
                "classifier on images."
            )
            return
        self.graph_param, self.image_shape = found
        stored = graph_templates(self.doc)
        if stored is None:
            self.status.setText(f"  {self.graph_param} is not trained yet: train the graph.")
        else:
            self._show_pictures(stored[1], f"the open graph's {self.graph_param}")

    def _live_weights(self, values) -> None:
        """A training snapshot's values of the watched parameter."""
        self.live_updates += 1
        pictures = templates_of(np.asarray(values), self.image_shape)
        self._show_pictures(pictures, f"the open graph's {self.graph_param}, while it trains")

    def _show_pictures(self, pictures, status: str) -> None:
        for tile, picture, index in zip(self.tiles, pictures, range(10), strict=False):
            tile.show_image(picture, f"class {index}", self.colours)
        self.status.setText(f"  {status}")

    def reset(self) -> None:
        """A fresh classifier with small random weights."""
        self.training = TemplateTraining(lr=self.lr_box.value(), reg=self.reg_box.value())
        self.losses: list[float] = []
        self.redraw()

    def set_training(self, on: bool) -> None:
        self.train_button.setText("Pause" if on else "Train")
        (self.timer.start if on else self.timer.stop)()

    def tick(self) -> None:
        self.losses.append(self.training.step(STEPS_PER_TICK))
        self.redraw()

    def redraw(self) -> None:
        """Show the current templates and numbers."""
        t = self.training
        for tile, picture, name in zip(self.tiles, t.templates(), t.class_names, strict=False):
            tile.show_image(picture, f"class {name}", self.colours)
        self.loss_curve.setData(STEPS_PER_TICK * (1 + np.arange(len(self.losses))), self.losses)
        loss = "-" if t.steps == 0 else f"{t.loss:.3f}"
        self.status.setText(
            f"  step {t.steps}   minibatch loss {loss}   training accuracy {t.accuracy():.1%}"
        )
