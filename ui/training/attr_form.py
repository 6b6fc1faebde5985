"""Editors for an optimizer's or a schedule's settings (engine Attr records)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QWidget

#: settings edited elsewhere in the panel (the learning rate has its own field)
SKIPPED_SETTINGS = ("lr", "lr0")


class AttrForm(QWidget):
    """Editors for a list of engine Attr records (float, int, bool, choice); ``values()``;
    ``edited`` after the user finishes changing one."""

    edited = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.editors: dict[str, tuple[object, QWidget]] = {}

    def set_attrs(self, attrs, values: dict | None = None) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        values = values or {}
        for attr in attrs:
            if attr.name in SKIPPED_SETTINGS:
                continue
            value = values.get(attr.name, None if attr.required else attr.default)
            if attr.kind == "bool":
                editor = QCheckBox()
                editor.setChecked(bool(value))
                editor.clicked.connect(self.edited)
            elif attr.kind == "choice":
                editor = QComboBox()
                editor.addItems(list(attr.choices))
                editor.setCurrentText(str(value))
                editor.activated.connect(self.edited)
            else:
                editor = QLineEdit("" if value is None else f"{value:g}")
                editor.editingFinished.connect(self.edited)
            editor.setToolTip(attr.doc)
            self.form.addRow(attr.name, editor)
            self.editors[attr.name] = (attr, editor)

    def values(self) -> dict:
        """The edited values; raises ValueError naming a field that is not a number."""
        out = {}
        for name, (attr, editor) in self.editors.items():
            if isinstance(editor, QCheckBox):
                out[name] = editor.isChecked()
            elif isinstance(editor, QComboBox):
                out[name] = editor.currentText()
            else:
                try:
                    number = float(editor.text())
                except ValueError:
                    raise ValueError(f"{name}: {editor.text()!r} is not a number") from None
                out[name] = int(number) if attr.kind == "int" else number
        return out
