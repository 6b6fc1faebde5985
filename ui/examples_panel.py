"""The examples gallery: every bundled example with its description, in the course's order
with the first exercise marked "start here"; activating one opens it."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QWidget,
)

from graphlab.examples import START_HERE, list_examples
from graphlab.zoo import zoo_entries

NAME_ROLE = Qt.UserRole
DESCRIPTION_ROLE = Qt.UserRole + 1
PAD = 6
START_MARK = "  \u2605 start here"


class ExampleDelegate(QStyledItemDelegate):
    """Draws the example's name in bold above its wrapped description."""

    def _fonts(self, option) -> tuple[QFont, QFont]:
        bold = QFont(option.font)
        bold.setBold(True)
        return bold, option.font

    def _text_width(self, option) -> int:
        return max(80, self.parent().viewport().width() - 2 * PAD)

    def sizeHint(self, option, index) -> QSize:
        bold, plain = self._fonts(option)
        width = self._text_width(option)
        description = QFontMetrics(plain).boundingRect(
            QRect(0, 0, width, 10_000), Qt.TextWordWrap, index.data(DESCRIPTION_ROLE)
        )
        return QSize(width, QFontMetrics(bold).height() + description.height() + 2 * PAD)

    def paint(self, painter, option, index) -> None:
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawPrimitive(QStyle.PE_PanelItemViewItem, option, painter, option.widget)
        selected = option.state & QStyle.State_Selected
        role = QPalette.HighlightedText if selected else QPalette.Text
        bold, plain = self._fonts(option)
        rect = option.rect.adjusted(PAD, PAD, -PAD, -PAD)
        painter.save()
        painter.setPen(option.palette.color(role))
        painter.setFont(bold)
        name = index.data(NAME_ROLE)
        painter.drawText(rect, Qt.AlignLeft | Qt.AlignTop, index.data(Qt.DisplayRole))
        if name == START_HERE:
            painter.setPen(option.palette.color(role if selected else QPalette.Link))
            left = QFontMetrics(bold).horizontalAdvance(name)
            painter.drawText(rect.adjusted(left, 0, 0, 0), Qt.AlignLeft | Qt.AlignTop, START_MARK)
            painter.setPen(option.palette.color(role))
        painter.setFont(plain)
        rect.setTop(rect.top() + QFontMetrics(bold).height())
        painter.drawText(
            rect, Qt.AlignLeft | Qt.AlignTop | Qt.TextWordWrap, index.data(DESCRIPTION_ROLE)
        )
        painter.restore()


class ExamplesPanel(QListWidget):
    """``exampleChosen(name)`` on double-click or Enter (opening replaces the document)."""

    exampleChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAlternatingRowColors(True)
        self.setResizeMode(QListView.Adjust)
        self.setUniformItemSizes(False)
        self.setItemDelegate(ExampleDelegate(self))
        for name, description in [*list_examples(), *zoo_entries()]:  # zoo: trained models
            item = QListWidgetItem(name)
            item.setData(NAME_ROLE, name)
            item.setData(DESCRIPTION_ROLE, description)
            start = " (start here: the course's first exercise)" if name == START_HERE else ""
            item.setToolTip(f"Double-click to open {name}{start}")
            self.addItem(item)
        self.itemActivated.connect(lambda item: self.exampleChosen.emit(item.data(NAME_ROLE)))

    def names(self) -> list[str]:
        return [self.item(i).data(NAME_ROLE) for i in range(self.count())]

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.doItemsLayout()  # descriptions re-wrap to the new width
