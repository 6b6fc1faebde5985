"""A Python code editor: syntax highlighting (QSyntaxHighlighter) and line numbers."""

from __future__ import annotations

import keyword
import re

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QPainter,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from ui.theme import current_theme

#: (pattern, (light colour, dark colour), bold) in the order applied; later rules win
RULES = [
    (r"\b(" + "|".join(keyword.kwlist) + r")\b", ("#7c3aed", "#c4b5fd"), True),
    (r"\b(np|numpy|attrs|cache|dout)\b", ("#0e7490", "#67e8f9"), False),
    (r"\b[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?\b", ("#b45309", "#fbbf24"), False),
    (r"\bdef\s+(\w+)", ("#1d4ed8", "#93c5fd"), True),
    (r"'[^'\n]*'|\"[^\"\n]*\"", ("#15803d", "#86efac"), False),
    (r"#[^\n]*", ("#6b7280", "#9ca3af"), False),
]
STRING = ("#15803d", "#86efac")
TRIPLE = re.compile(r'"""|\'\'\'')


def _format(colour: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Bold)
    fmt.setFontItalic(italic)
    return fmt


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, names the template uses, numbers, function names, strings and comments;
    triple-quoted strings (docstrings) across lines; colours for the current theme."""

    def __init__(self, document) -> None:
        super().__init__(document)
        dark = int(current_theme() == "dark")
        self.rules = [(re.compile(p), _format(c[dark], b)) for p, c, b in RULES]
        self.docstring = _format(STRING[dark], italic=True)

    def highlightBlock(self, text: str) -> None:
        for pattern, fmt in self.rules:
            for match in pattern.finditer(text):
                group = 1 if pattern.groups and pattern.pattern.startswith(r"\bdef") else 0
                self.setFormat(match.start(group), match.end(group) - match.start(group), fmt)
        self._docstrings(text)

    def _docstrings(self, text: str) -> None:
        """Block state 1: inside a triple-quoted string that started on an earlier line."""
        start, inside = 0, self.previousBlockState() == 1
        marks = [m.start() for m in TRIPLE.finditer(text)]
        for mark in marks:
            if inside:
                self.setFormat(start, mark + 3 - start, self.docstring)
            else:
                start = mark
            inside = not inside
        if inside:
            self.setFormat(start, len(text) - start, self.docstring)
        self.setCurrentBlockState(1 if inside else 0)


class LineNumbers(QWidget):
    """The gutter left of a :class:`CodeEditor`."""

    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event) -> None:
        self.editor.paint_line_numbers(event)


class CodeEditor(QPlainTextEdit):
    """Monospaced plain text with line numbers, Python highlighting and 4-space tabs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = QFontDatabase.systemFont(QFontDatabase.FixedFont)
        font.setPointSize(max(font.pointSize(), 10))
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        self.highlighter = PythonHighlighter(self.document())
        self.gutter = LineNumbers(self)
        self.blockCountChanged.connect(self._fit_gutter)
        self.updateRequest.connect(self._scroll_gutter)
        self._fit_gutter()

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 12 + self.fontMetrics().horizontalAdvance("9") * max(2, digits)

    def _fit_gutter(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        area = self.contentsRect()
        self.gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Tab and not event.modifiers():
            self.insertPlainText("    ")
            return
        super().keyPressEvent(event)

    def paint_line_numbers(self, event) -> None:
        painter = QPainter(self.gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.AlternateBase))
        painter.setPen(palette.color(QPalette.PlaceholderText))
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible():
                painter.drawText(
                    0,
                    top,
                    self.gutter.width() - 6,
                    height,
                    Qt.AlignRight,
                    str(block.blockNumber() + 1),
                )
            top += round(self.blockBoundingRect(block).height())
            block = block.next()
        painter.end()
