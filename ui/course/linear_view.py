"""The linear classifier loss view (Course menu): the CS231n linear-classify demo, live.

The numbers come from ``graphlab.course.linear``; this window draws them and turns edits,
drags and buttons into new points or a new (W, b).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from graphlab.course.linear import (
    LOSSES,
    default_points,
    default_weights,
    gradient_step,
    loss_report,
    random_weights,
    rotate_line,
    shift_line,
)
from ui.course.linear_plot import EXTENT, LinearPlot

CLASS_NAMES = ("red", "green", "blue")
EXAMPLE = "linear-svm-2d"
RUN_MS = 40


def spin(value: float, low: float, high: float, step: float, decimals: int) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    return box


class LinearLossView(QWidget):
    """Points, W and b, the loss of the chosen kind and its gradient, all editable."""

    def __init__(self, window=None) -> None:
        super().__init__()
        self.window_ = window
        self.X, self.y = default_points()
        self.W, self.b = default_weights()
        self.rng = np.random.default_rng(0)
        self.plot = LinearPlot()
        signals = self.plot.signals
        signals.rotate.connect(
            lambda k, at: self._set_line(k, *rotate_line(self.W[k], self.b[k], at))
        )
        signals.shift.connect(lambda k, d: self._set_line(k, *shift_line(self.W[k], self.b[k], d)))
        signals.move_point.connect(self._move_point)
        signals.add_point.connect(self._add_point)
        signals.delete_point.connect(self._delete_point)
        self.timer = QTimer(self)
        self.timer.setInterval(RUN_MS)
        self.timer.timeout.connect(self.step)
        layout = QHBoxLayout(self)
        layout.addWidget(self.plot, 3)
        layout.addLayout(self._side_panel(), 2)
        self.refresh()

    # -- building ------------------------------------------------------------------------

    def _side_panel(self) -> QVBoxLayout:
        side = QVBoxLayout()
        form = QFormLayout()
        self.loss_box = QComboBox()
        for key, text in LOSSES.items():
            self.loss_box.addItem(text, key)
        self.reg_box = spin(0.1, 0.0, 10.0, 0.01, 3)
        self.step_box = spin(0.1, 0.0001, 10.0, 0.01, 4)
        self.class_box = QComboBox()
        self.class_box.addItems([f"class {k} ({name})" for k, name in enumerate(CLASS_NAMES)])
        form.addRow("Loss", self.loss_box)
        form.addRow("L2 strength (lambda)", self.reg_box)
        form.addRow("Step size", self.step_box)
        form.addRow("New points are", self.class_box)
        for box in (self.reg_box, self.step_box):
            box.valueChanged.connect(self.refresh)
        self.loss_box.currentIndexChanged.connect(self.refresh)
        side.addLayout(form)
        side.addWidget(QLabel("Weights: score_k = W[k,0] x0 + W[k,1] x1 + b[k]"))
        side.addLayout(self._weight_grid())
        side.addLayout(self._buttons())
        self.loss_label = QLabel()
        side.addWidget(self.loss_label)
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels(["x0", "x1", "class", "s0", "s1", "s2", "loss"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        side.addWidget(self.table, 1)
        hint = QLabel(
            "Drag a line's dot to rotate it, its body to shift it; drag a point to move it; "
            "click to add a point, right-click to delete. Dashed: the direction -dL/dW."
        )
        hint.setWordWrap(True)
        side.addWidget(hint)
        return side

    def _weight_grid(self) -> QGridLayout:
        grid = QGridLayout()
        self.weight_boxes = []
        for column, title in enumerate(("W[k,0]", "W[k,1]", "b[k]"), start=1):
            grid.addWidget(QLabel(title), 0, column)
        for k, name in enumerate(CLASS_NAMES):
            grid.addWidget(QLabel(name), k + 1, 0)
            row = []
            for column in range(3):
                box = spin(0.0, -100.0, 100.0, 0.1, 3)
                box.valueChanged.connect(self._weights_edited)
                grid.addWidget(box, k + 1, column + 1)
                row.append(box)
            self.weight_boxes.append(row)
        return grid

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.step_button = QPushButton("One update")
        self.step_button.clicked.connect(self.step)
        self.run_button = QPushButton("Run")
        self.run_button.setCheckable(True)
        self.run_button.toggled.connect(self.set_running)
        self.random_button = QPushButton("Randomize")
        self.random_button.clicked.connect(self.randomize)
        for button in (self.step_button, self.run_button, self.random_button):
            row.addWidget(button)
        if self.window_ is not None and hasattr(self.window_, "files"):
            self.graph_button = QPushButton(f"Open graph {EXAMPLE}")
            self.graph_button.setToolTip("The same classifier on the canvas: step it to see dL/dW")
            self.graph_button.clicked.connect(lambda: self.window_.files.open_example(EXAMPLE))
            row.addWidget(self.graph_button)
        return row

    # -- changes -------------------------------------------------------------------------

    @property
    def loss(self) -> str:
        return self.loss_box.currentData()

    def step(self) -> None:
        """One gradient-descent update of W and b."""
        self.W, self.b = gradient_step(self.W, self.b, self.report, self.step_box.value())
        self.refresh()

    def set_running(self, running: bool) -> None:
        self.run_button.setText("Pause" if running else "Run")
        (self.timer.start if running else self.timer.stop)()

    def randomize(self) -> None:
        self.W, self.b = random_weights(self.rng)
        self.refresh()

    def _set_line(self, k: int, w: np.ndarray, b: float) -> None:
        self.W[k], self.b[k] = w, b
        self.refresh()

    def _weights_edited(self) -> None:
        values = np.array([[box.value() for box in row] for row in self.weight_boxes])
        self.W, self.b = values[:, :2].copy(), values[:, 2].copy()
        self.refresh(edit_boxes=False)

    def _move_point(self, index: int, where) -> None:
        self.X[index] = np.clip(where, -EXTENT, EXTENT)
        self.refresh()

    def _add_point(self, where) -> None:
        self.X = np.vstack([self.X, where])
        self.y = np.append(self.y, self.class_box.currentIndex())
        self.refresh()

    def _delete_point(self, index: int) -> None:
        self.X, self.y = np.delete(self.X, index, axis=0), np.delete(self.y, index)
        self.refresh()

    # -- drawing -------------------------------------------------------------------------

    def refresh(self, *_, edit_boxes: bool = True) -> None:
        """Recompute the loss and redraw the plot, the numbers and the table."""
        self.report = loss_report(self.W, self.b, self.X, self.y, self.loss, self.reg_box.value())
        self.plot.draw(self.X, self.y, self.W, self.b, self.report.dW)
        if edit_boxes:
            values = np.column_stack([self.W, self.b])
            for row, numbers in zip(self.weight_boxes, values, strict=True):
                for box, value in zip(row, numbers, strict=True):
                    box.blockSignals(True)
                    box.setValue(float(value))
                    box.blockSignals(False)
        r = self.report
        self.loss_label.setText(
            f"<b>data loss</b> {r.data:.4f} &nbsp; <b>regularization</b> {r.regularization:.4f}"
            f" &nbsp; <b>total</b> {r.total:.4f}"
        )
        self._fill_table()

    def _fill_table(self) -> None:
        r = self.report
        self.table.setRowCount(len(self.X))
        for i, (x, label) in enumerate(zip(self.X, self.y, strict=True)):
            cells = [f"{x[0]:.2f}", f"{x[1]:.2f}", CLASS_NAMES[int(label)]]
            cells += [f"{s:.2f}" for s in r.scores[i]] + [f"{r.per_point[i]:.3f}"]
            for column, text in enumerate(cells):
                self.table.setItem(i, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
