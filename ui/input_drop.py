"""Images and arrays onto input nodes: drops on the canvas and the inspector's "Use image...".

Both read the file through :class:`graphlab.user_input.InputReader` (converted to the input's
shape, scaled like the dataset) and store it with one undoable
:class:`~ui.input_pad.SetUserInput`; a file that does not fit is one sentence in the status
bar (or the returned message), the document unchanged. ``install_input_pad(window)`` adds the
"Your input" dock and the drop handling to a MainWindow.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QFileDialog, QPushButton

from engine.errors import GraphLabError
from graphlab.crashlog import failure_message
from graphlab.document import GraphDocument
from graphlab.user_input import IMAGE_SUFFIXES, InputReader
from ui.canvas.node_item import NodeItem
from ui.input_pad import InputPanel, SetUserInput
from ui.widgets import add_dock

SUFFIXES = (*IMAGE_SUFFIXES, ".npy", ".npz")
FILE_FILTER = "Images and arrays (" + " ".join(f"*{s}" for s in SUFFIXES) + ")"


def use_file(doc: GraphDocument, stack, nid: str, path: str) -> str:
    """Store the file at ``path`` as input ``nid``'s value; "" or the one-sentence problem."""
    try:
        value = InputReader(doc).read(nid, path)
    except Exception as exc:  # noqa: BLE001 (a bad file is a message, never a crash)
        return failure_message(exc, f"reading {Path(path).name}")
    stack.push(SetUserInput(doc, nid, value.tolist(), f"Use {Path(path).name} for {nid}"))
    return ""


class ImageDrop(QObject):
    """Event filter on the canvas viewport: an image or array file dropped on an input node."""

    def __init__(self, view, doc: GraphDocument, stack, report) -> None:
        super().__init__(view)
        self.view, self.doc, self.stack, self.report = view, doc, stack, report
        view.viewport().installEventFilter(self)

    def target(self, event) -> tuple[str, str] | None:
        """(input node id, file path) the drag event would set, or None."""
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        paths = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if len(paths) != 1 or Path(paths[0]).suffix.lower() not in SUFFIXES:
            return None
        item = self.view.itemAt(event.position().toPoint())
        while item is not None and not isinstance(item, NodeItem):
            item = item.parentItem()
        node = self.doc.nodes.get(item.nid) if item is not None else None
        return (node.id, paths[0]) if node is not None and node.op == "input" else None

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind not in (QEvent.DragEnter, QEvent.DragMove, QEvent.Drop):
            return False
        target = self.target(event)
        if target is None:
            return False
        event.setDropAction(Qt.CopyAction)
        event.accept()
        if kind == QEvent.Drop:
            self.drop(target)
        return True

    def drop(self, target: tuple[str, str]) -> None:
        """Use the dropped file as the input's value (``target``: node id, path)."""
        problem = use_file(self.doc, self.stack, *target)
        self.report(problem or f"{Path(target[1]).name} is now the value of {target[0]}")


def use_image_button(doc: GraphDocument, stack, nid: str) -> QPushButton | None:
    """The inspector's "Use image..." for an image-shaped float input (else None)."""
    node = doc.nodes[nid]
    if node.op != "input" or node.attrs.get("dtype", "float") != "float":
        return None
    try:
        InputReader(doc).image_size(nid)
    except GraphLabError:
        return None
    button = QPushButton("Use image...")
    button.setObjectName("use image")
    button.setToolTip("Feed this input an image (resized, scaled like the dataset) or a .npy/.npz")

    def choose() -> None:
        path, _ = QFileDialog.getOpenFileName(button, f"Use a file as {nid}", "", FILE_FILTER)
        if path:
            problem = use_file(doc, stack, nid, path)
            button.setToolTip(problem or f"{Path(path).name} is the value of {nid}")
            window = button.window()
            if problem and hasattr(window, "statusBar"):
                window.statusBar().showMessage(problem, 8000)

    button.clicked.connect(choose)
    return button


def install_input_pad(window) -> InputPanel:
    """Add the "Your input" dock (beside the inspector) and image drops to ``window``."""
    panel = InputPanel(window.doc, window.stack)
    dock = add_dock(window, "Your input", panel, Qt.RightDockWidgetArea)
    window.tabifyDockWidget(window.docks["inspector"], dock)
    window.docks["inspector"].raise_()
    _list_in_view_menu(window, dock)
    window.docks["input"], window.input_panel = dock, panel
    window.image_drop = ImageDrop(
        window.view,
        window.doc,
        window.stack,
        lambda text: window.statusBar().showMessage(text, 8000),
    )
    return panel


def _list_in_view_menu(window, dock: QDockWidget) -> None:
    """Show/hide "Your input" in View, after the window's own panels."""
    last = window.docks["problems"].toggleViewAction()
    for action in window.menuBar().actions():
        entries = action.menu().actions() if action.menu() else []
        if last in entries:
            after = entries.index(last) + 1
            before = entries[after] if after < len(entries) else None
            action.menu().insertAction(before, dock.toggleViewAction())
