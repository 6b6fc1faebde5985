"""The small wrappers panels share (ui/widgets.py) and the one-step dataset binding edit."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFrame, QLabel, QMainWindow, QScrollArea, QWidget

from graphlab.examples import open_graph
from ui.commands import set_binding_key
from ui.widgets import add_dock, fill_scrolled, scrolled


def test_a_dock_is_named_for_the_saved_layout_and_holds_its_widget(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    label = QLabel("inside")
    dock = add_dock(window, "Your input", label, Qt.RightDockWidgetArea)
    assert dock.objectName() == "dock:your input" and dock.windowTitle() == "Your input"
    assert dock.widget() is label and window.dockWidgetArea(dock) == Qt.RightDockWidgetArea


def test_a_tall_form_scrolls_frameless_and_can_fill_its_tab(qtbot):
    form = QLabel("\n".join(map(str, range(80))))
    area = scrolled(form)
    assert area.widget() is form and area.widgetResizable()
    assert area.frameShape() == QFrame.NoFrame
    tab, inner = QWidget(), QLabel("tall")
    qtbot.addWidget(tab)
    fill_scrolled(tab, inner)
    (area,) = tab.findChildren(QScrollArea)
    assert area.widget() is inner and tab.layout().contentsMargins().left() == 0
    tab.resize(200, 40)
    tab.show()
    assert area.geometry() == tab.rect()  # the scroll area is the whole tab


def test_a_binding_key_edit_is_one_undo_step_and_none_when_unchanged():
    doc, stack = open_graph("cnn-digits"), QUndoStack()
    set_binding_key(stack, doc, "augment", {}, "Change augmentation: flip")  # absent = {}
    assert stack.count() == 0
    set_binding_key(stack, doc, "augment", {"flip": True}, "Change augmentation: flip")
    assert doc.dataset["augment"] == {"flip": True} and stack.count() == 1
    assert stack.undoText() == "Change augmentation: flip"
    set_binding_key(stack, doc, "augment", {"flip": True}, "again")
    assert stack.count() == 1
    stack.undo()
    assert "augment" not in doc.dataset
