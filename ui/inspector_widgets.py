"""Editors for one attr each, chosen by the attr's kind, and the text parsing they share.

Every editor calls ``commit(value)`` once per finished user edit with a value the attr
accepts; an entry that does not validate shows its message and commits nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.errors import GraphLabError
from engine.ops.base import Attr
from ui.theme import error_colour

INT_LIMIT = 2**31 - 1
FLOAT_LIMIT = 1e12
OPEN_BOUND_MARGIN = 1e-9


def parse_text(kind: str, text: str) -> Any:
    """The value typed for a text attr kind; raises ValueError when it is not JSON-like.

    ``3, 4`` is read as ``[3, 4]`` for list kinds; an empty entry is ``None``.
    """
    text = text.strip()
    if not text or text in ("none", "None", "null"):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        if kind in ("ints", "shape", "axes"):
            try:
                return json.loads(f"[{text}]")
            except json.JSONDecodeError:
                pass
        raise ValueError(f"cannot read {text!r}: type a number or a list like [2, 3]") from None


def format_value(value: Any) -> str:
    """How a text attr value is shown (the inverse of :func:`parse_text`)."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        value = list(value)
    return json.dumps(value)


def plain(value: Any) -> Any:
    """Tuples as lists, so the document stays in JSON's terms."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


class FloatSpinBox(QDoubleSpinBox):
    """A spin box that shows floats in their shortest form (1e-05, 0.5) instead of fixed decimals."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDecimals(12)

    def textFromValue(self, value: float) -> str:
        return f"{value:.8g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        try:
            float(text)
        except ValueError:
            return QValidator.Intermediate, text, pos
        return QValidator.Acceptable, text, pos


class TextAttrEditor(QWidget):
    """A line edit checked as you type: a red border and the reason while it is invalid."""

    committed = Signal(object)

    def __init__(self, check: Callable[[str], Any], text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.check = check
        self.edit = QLineEdit(text)
        self.message = QLabel(wordWrap=True)
        self.message.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.message)
        self.committed_text = text
        self.edit.textEdited.connect(self.validate)
        self.edit.editingFinished.connect(self.finish)

    def validate(self, text: str | None = None) -> tuple[bool, Any]:
        """Check the entry; show the reason when it is invalid. Returns (valid, value)."""
        try:
            value = self.check(self.edit.text() if text is None else text)
        except (ValueError, GraphLabError) as exc:
            self._show_error(str(exc))
            return False, None
        self._show_error("")
        return True, value

    def _show_error(self, message: str) -> None:
        colour = error_colour()
        self.edit.setStyleSheet(f"QLineEdit {{ border: 1px solid {colour}; }}" if message else "")
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(message)
        self.message.setVisible(bool(message))

    def finish(self) -> None:
        if self.edit.text() == self.committed_text:
            self._show_error("")
            return
        valid, value = self.validate()
        if valid:
            self.committed_text = self.edit.text()
            self.committed.emit(value)

    def set_text(self, text: str) -> None:
        self.committed_text = text
        self.edit.setText(text)
        self._show_error("")

    @property
    def invalid(self) -> bool:
        return self.message.isVisible()


def attr_editor(attr: Attr, value: Any, commit: Callable[[Any], None]) -> tuple[QWidget, Callable]:
    """A widget editing ``attr`` (current ``value``) and a function that shows a new value.

    int/float: spin boxes bounded by the attr's range (a line edit when null is allowed, as
    in clip's bounds); choice: a combo box; bool: a check box; shape/ints/axes/value: a
    validated line edit.
    """
    if attr.kind in ("int", "float") and attr.default is not None:
        return _number_editor(attr, value, commit)
    if attr.kind == "choice":
        box = QComboBox()
        box.addItems(list(attr.choices))
        box.setCurrentText(str(value))
        box.activated.connect(lambda i: commit(attr.choices[i]))
        return box, lambda v: _quietly(box, box.setCurrentText, str(v))
    if attr.kind == "bool":
        check = QCheckBox()
        check.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        check.setChecked(bool(value))
        check.clicked.connect(lambda checked: commit(bool(checked)))
        return check, lambda v: _quietly(check, check.setChecked, bool(v))
    editor = TextAttrEditor(lambda text: plain(attr.validate(parse_text(attr.kind, text))), "")
    editor.set_text(format_value(value))
    editor.edit.setPlaceholderText(attr.allowed())
    editor.committed.connect(commit)
    return editor, lambda v: editor.set_text(format_value(v))


def _number_editor(attr: Attr, value: Any, commit) -> tuple[QWidget, Callable]:
    integer = attr.kind == "int"
    box = QSpinBox() if integer else FloatSpinBox()
    #: how far inside an open bound the spin box stops
    inside = 1 if integer else OPEN_BOUND_MARGIN
    limit = INT_LIMIT if integer else FLOAT_LIMIT
    low = -limit if attr.minimum is None else attr.minimum + inside * attr.exclusive_minimum
    high = limit if attr.maximum is None else attr.maximum - inside * attr.exclusive_maximum
    box.setRange(int(low) if integer else low, int(high) if integer else high)
    box.setKeyboardTracking(False)
    box.setValue(value if value is not None else box.minimum())
    if not integer:
        box.setSingleStep(0.1)
    box.valueChanged.connect(lambda v: commit(int(v) if integer else float(v)))
    return box, lambda v: _quietly(box, box.setValue, v)


def _quietly(widget: QWidget, setter: Callable, value: Any) -> None:
    """Show a value without emitting the widget's change signals."""
    blocked = widget.blockSignals(True)
    setter(value)
    widget.blockSignals(blocked)
