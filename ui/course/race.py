"""The optimizer race window: contour plot with each optimizer's path, loss vs step beside.

The numbers come from :class:`graphlab.course.race.Race` (the engine's optimizers on a
two-parameter graph); this module only draws them and holds the controls: the surface, each
optimizer's checkbox and learning rate, play/pause, step, reset and speed.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from graphlab.course.race import Race
from graphlab.course.render import COLOURS
from graphlab.course.surfaces import OPTIMIZERS, SURFACES
from ui.course.common import INK, contour_item, plot_widget

#: timer interval of the animation (ms); the speed slider sets steps per tick
TICK_MS = 40


class RaceView(QWidget):
    """Controls on top, the contour plot (left) and the loss plot (right) below."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Optimizer race")
        self.surface = QComboBox()
        for name, surface in SURFACES.items():
            self.surface.addItem(surface.title, name)
        self.checks, self.rates = {}, {}
        grid = QGridLayout()
        for column, name in enumerate(OPTIMIZERS):
            check = QCheckBox(name)
            check.setChecked(True)
            check.setStyleSheet(f"color: rgb{COLOURS[name]}; font-weight: bold;")
            rate = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=10.0, singleStep=0.01)
            rate.setToolTip(f"learning rate of {name}")
            grid.addWidget(check, 0, column)
            grid.addWidget(rate, 1, column)
            self.checks[name], self.rates[name] = check, rate
        self.play = QPushButton("Play", checkable=True)
        self.step_button = QPushButton("Step")
        self.reset_button = QPushButton("Reset")
        self.speed = QSlider(minimum=1, maximum=20, value=2)
        self.speed.setOrientation(pg.QtCore.Qt.Horizontal)
        self.speed.setToolTip("steps per frame")
        self.status = QLabel()
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Surface"))
        controls.addWidget(self.surface)
        for widget in (self.play, self.step_button, self.reset_button, QLabel("Speed")):
            controls.addWidget(widget)
        controls.addWidget(self.speed)
        controls.addWidget(self.status, 1)

        self.contour = plot_widget("Paths on the surface", "x", "y")
        self.losses = plot_widget("Loss above the minimum (log scale)", "step")
        self.losses.setLogMode(y=True)
        self.losses.addLegend(offset=(-5, 5), labelTextColor=INK, brush=(255, 255, 255, 200))
        plots = QHBoxLayout()
        plots.addWidget(self.contour, 3)
        plots.addWidget(self.losses, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(grid)
        layout.addLayout(plots, 1)

        self.timer = QTimer(self, interval=TICK_MS)
        self.timer.timeout.connect(lambda: self.advance(self.speed.value()))
        self.play.toggled.connect(self._play_toggled)
        self.step_button.clicked.connect(lambda: self.advance(1))
        self.reset_button.clicked.connect(self.reset)
        self.surface.currentIndexChanged.connect(self._surface_chosen)
        for widget in (*self.checks.values(), *self.rates.values()):
            signal = widget.toggled if isinstance(widget, QCheckBox) else widget.valueChanged
            signal.connect(self.reset)
        self.race: Race | None = None
        self._surface_chosen()

    def _surface_chosen(self) -> None:
        surface = SURFACES[self.surface.currentData()]
        for name, rate in self.rates.items():
            rate.blockSignals(True)
            rate.setValue(surface.rates[name])
            rate.blockSignals(False)
        self.reset()

    def reset(self) -> None:
        """A new race from the start with the chosen optimizers and rates."""
        surface = SURFACES[self.surface.currentData()]
        chosen = {n: self.rates[n].value() for n in OPTIMIZERS if self.checks[n].isChecked()}
        self.race = Race(surface, chosen)
        self.contour.clear()
        xs, ys, f = self.race.contour(200)
        self.floor = float(f.min())
        self.contour.addItem(contour_item(f, surface.window))
        x0, x1, y0, y1 = surface.window
        self.contour.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        minimum = pg.ScatterPlotItem(
            [surface.minimum[0]],
            [surface.minimum[1]],
            symbol="+",
            size=16,
            pen=pg.mkPen("k", width=2),
        )
        self.contour.addItem(minimum)
        self.losses.clear()
        self.paths, self.heads, self.curves = {}, {}, {}
        for name in chosen:
            pen = pg.mkPen(COLOURS[name], width=2.5)
            self.paths[name] = self.contour.plot([], [], pen=pen, connect="finite")
            self.heads[name] = self.contour.plot(
                [], [], pen=None, symbol="o", symbolSize=9, symbolBrush=COLOURS[name]
            )
            self.curves[name] = self.losses.plot(
                [],
                [],
                pen=pg.mkPen(COLOURS[name], width=2),
                name=f"{name} lr {chosen[name]:g}",
                connect="finite",
            )
        self.redraw()

    def _play_toggled(self, playing: bool) -> None:
        self.play.setText("Pause" if playing else "Play")
        self.timer.start() if playing else self.timer.stop()

    def advance(self, steps: int) -> None:
        self.race.step(steps)
        self.redraw()

    def redraw(self) -> None:
        race = self.race
        for name, runner in race.runners.items():
            path = runner.path
            self.paths[name].setData(path[:, 0], path[:, 1])
            self.heads[name].setData(path[-1:, 0], path[-1:, 1])
            gap = np.clip(np.asarray(runner.losses) - self.floor, 1e-10, None)
            gap[~np.isfinite(gap)] = np.nan
            self.curves[name].setData(np.arange(len(gap)), gap)
        diverged = [n for n, r in race.runners.items() if r.diverged]
        text = f"step {race.steps}"
        if diverged:
            text += f"; diverged: {', '.join(diverged)} (lower its rate)"
        self.status.setText(text)
