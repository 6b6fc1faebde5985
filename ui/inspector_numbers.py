"""The inspector's numbers of the selected node: its value and its gradient as the stepper
has computed them so far (a scalar, or shape, norm, min/max and a heatmap thumbnail)."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QWidget

from engine.backend import to_numpy
from engine.ops.base import fmt
from graphlab.explain import number
from ui.stepper.heatmap import thumbnail

THUMB = 40
NOT_YET = {"value": "not computed yet (Run forward)", "gradient": "not computed yet (Run backward)"}


def numbers_text(value) -> str:
    """``-4`` for a scalar; ``(4, 10)  norm 2.31  min -1.2  max 0.8`` for a tensor."""
    array = to_numpy(value)
    if array.size == 1:
        return number(array)
    array = np.asarray(array, dtype=np.float64)
    return (
        f"{fmt(array.shape)}  norm {np.linalg.norm(array):.4g}  "
        f"min {array.min():.4g}  max {array.max():.4g}"
    )


class NumbersView(QWidget):
    """Two rows, value and gradient; :meth:`show_numbers` fills them (None: not yet)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.texts: dict[str, QLabel] = {}
        self.thumbs: dict[str, QLabel] = {}
        for name in ("value", "gradient"):
            row = QHBoxLayout()
            self.thumbs[name], self.texts[name] = QLabel(), QLabel(wordWrap=True)
            self.texts[name].setObjectName(f"numbers:{name}")
            row.addWidget(self.thumbs[name])
            row.addWidget(self.texts[name], 1)
            form.addRow(name, row)
        self.show_numbers(None, None)

    def show_numbers(self, value, gradient) -> None:
        for name, shown in (("value", value), ("gradient", gradient)):
            text, thumb = self.texts[name], self.thumbs[name]
            text.setEnabled(shown is not None)
            text.setText(NOT_YET[name] if shown is None else numbers_text(shown))
            array = None if shown is None else to_numpy(shown)
            if array is not None and array.size > 1:
                thumb.setPixmap(thumbnail(array, THUMB))
                thumb.show()
            else:
                thumb.clear()
                thumb.hide()

    def displayed(self) -> dict[str, str]:
        return {name: label.text() for name, label in self.texts.items()}
