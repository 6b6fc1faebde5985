"""The op editor: a name, the Python code (highlighted, numbered lines) and, on save, the
gradient check's relative error per input (red when it fails; saving goes on regardless)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.gradcheck import DEFAULT_THRESHOLD
from graphlab.custom_ops import TEMPLATE, CheckReport, OpDefinition
from ui.custom_op.code_editor import CodeEditor
from ui.theme import current_theme, error_colour

#: the colour of a passing check, per theme (a failing one has the theme's error colour)
PASS_COLOUR = {"light": "#15803d", "dark": "#4ade80"}


def fail_colour() -> QColor:
    return QColor(error_colour())


def pass_colour() -> QColor:
    return QColor(PASS_COLOUR[current_theme()])


HINT = (
    "Write <code>forward(x, w, *, attrs)</code> returning <code>(out, cache)</code> and "
    "<code>backward(dout, cache, *, attrs)</code> returning one gradient per input, as in the "
    "CS231n notes, with numpy (<code>np</code>). The inputs are forward's parameters; "
    "<code>ATTRS</code> declares the attrs, <code>EXAMPLE_SHAPES</code> the inputs of the "
    "gradient check. Save checks the gradient (float64, centred differences)."
)


class OpEditor(QDialog):
    """Edits one op; ``saveRequested(name, source)`` asks the window to save and check it
    (the window answers with :meth:`show_report` or :meth:`show_problem`)."""

    saveRequested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None, definition: OpDefinition | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit op" if definition else "New op")
        self.name = QLineEdit(definition.name if definition else "my_op")
        #: a new op may not take the name of an op that exists (its editor changes that one)
        self.is_new = definition is None
        self.name.setReadOnly(not self.is_new)  # renaming would orphan its nodes
        self.code = CodeEditor()
        source = definition.source if definition else TEMPLATE.format(name=self.name.text())
        self.code.setPlainText(source)
        hint = QLabel(HINT, wordWrap=True, textFormat=Qt.RichText)
        self.results = QTreeWidget(columnCount=3, rootIsDecorated=False)
        self.results.setHeaderLabels(["input", "relative error", "verdict"])
        self.results.header().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.verdict = QLabel("Save to run the gradient check.", wordWrap=True)
        self.verdict.setTextInteractionFlags(Qt.TextSelectableByMouse)
        check = QWidget()
        check_layout = QVBoxLayout(check)
        check_layout.setContentsMargins(0, 0, 0, 0)
        check_layout.addWidget(QLabel("<b>Gradient check</b>"))
        check_layout.addWidget(self.verdict)
        check_layout.addWidget(self.results)
        split = QSplitter(Qt.Vertical, childrenCollapsible=False)
        split.addWidget(self.code)
        split.addWidget(check)
        split.setSizes([520, 160])
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save and check", QDialogButtonBox.AcceptRole)
        self.save_button.setToolTip("Save the op (Ctrl+S) and check its gradient")
        close = buttons.addButton(QDialogButtonBox.Close)
        self.save_button.clicked.connect(self._save)
        close.clicked.connect(self.close)
        QShortcut(QKeySequence.Save, self, activated=self._save)
        form = QFormLayout()
        form.addRow("Name:", self.name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.resize(900, 700)

    def _save(self) -> None:
        self.saveRequested.emit(self.name.text().strip(), self.code.toPlainText())

    # -- what the window tells it ------------------------------------------------------

    def show_problem(self, message: str) -> None:
        """The op was not saved: why (a red sentence)."""
        self.results.clear()
        self._say(f"Not saved: {message}", fail_colour())

    def show_report(self, report: CheckReport, note: str = "") -> None:
        """The op was saved; the check's result per input (failing rows in red)."""
        self.is_new = False
        self.name.setReadOnly(True)
        self.setWindowTitle("Edit op")
        self.results.clear()
        for port in report.ports:
            verdict = "ok" if port.passed else "FAILS"
            row = QTreeWidgetItem(self.results, [port.port, f"{port.error:.2e}", verdict])
            for column in range(3):
                row.setForeground(column, QBrush(pass_colour() if port.passed else fail_colour()))
        if report.failure:
            text = f"Saved, but the check could not run: {report.failure}"
        elif report.passed:
            text = f"Saved. Every input passes (relative error <= {DEFAULT_THRESHOLD:g})."
        else:
            failing = ", ".join(p.port for p in report.ports if not p.passed)
            text = (
                f"Saved, but the gradient of {failing} disagrees with the numerical one "
                f"(relative error above {DEFAULT_THRESHOLD:g}): step through the op to find out why."
            )
        self._say(
            text + (f" {note}" if note else ""), pass_colour() if report.passed else fail_colour()
        )

    def _say(self, text: str, colour: QColor) -> None:
        self.verdict.setText(text)
        self.verdict.setStyleSheet(f"color: {colour.name()};")
