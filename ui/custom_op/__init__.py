"""Custom ops in the window: "New op..." (palette and Edit menu), "Edit op", the editor's save
(gradient check, the document, the user's op folder) and the trust question on opening.

``install_custom_ops(window)`` is the one line MainWindow.__init__ calls.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QAction, QUndoCommand
from PySide6.QtWidgets import QDialog

from engine.errors import GraphLabError
from graphlab.custom_ops import (
    CustomOpError,
    check_op,
    distrust,
    install,
    parse_definition,
    read_folder,
    registered,
    save_to_folder,
    trust,
    user_ops,
)
from graphlab.document import GraphDocument
from ui.custom_op.editor import OpEditor
from ui.custom_op.trust_dialog import TrustDialog


def op_folder() -> Path:
    """The user's op folder: ``<AppDataLocation>/ops``."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)) / "ops"


class SetCustomOps(QUndoCommand):
    """Replace the document's custom op definitions (registering them), undoably."""

    def __init__(self, doc: GraphDocument, ops: dict, text: str) -> None:
        super().__init__(text)
        self.doc, self.old, self.new = doc, dict(doc.custom_ops), dict(ops)

    def redo(self) -> None:
        install(self.new.values())
        self.doc.set_custom_ops(self.new)

    def undo(self) -> None:
        install(self.old.values())
        self.doc.set_custom_ops(self.old)


class CustomOps:
    """The window's custom-op actions; ``editor`` is the open editor, if any."""

    def __init__(self, window) -> None:
        self.window, self.editor = window, None
        definitions, self.folder_problems = read_folder(op_folder())
        trust(definitions)  # the user's own ops, saved from this editor
        self.new_action = QAction("&New op...", window)
        window.guard.trigger(self.new_action, self.new_op, "New op")
        window.palette_panel.new_op_button.clicked.connect(self.new_action.trigger)
        menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
        edit_menu = menus.get("Edit") or window.menuBar().addMenu("&Edit")
        edit_menu.addSeparator()
        edit_menu.addAction(self.new_action)
        self.edit_menu = edit_menu.addMenu("Edit o&p")
        self.edit_menu.aboutToShow.connect(self._fill_edit_menu)
        window.files.before_adopt.append(self.ask_trust)
        window.palette_panel.refresh()
        if self.folder_problems:
            window.statusBar().showMessage(
                f"Some ops in your op folder were not loaded: {'; '.join(self.folder_problems)}",
                15000,
            )

    # -- the editor --------------------------------------------------------------------

    def new_op(self) -> OpEditor:
        return self._open(None)

    def edit_op(self, name: str) -> OpEditor:
        op = registered(name)
        if op is None:
            raise GraphLabError(f"there is no op {name!r} to edit")
        return self._open(self.window.doc.custom_ops.get(name, op.definition))

    def _open(self, definition) -> OpEditor:
        if self.editor is not None:
            self.editor.close()
        self.editor = OpEditor(self.window, definition)
        self.editor.saveRequested.connect(self.window.guard.slot("Save the op", self.save))
        self.editor.show()
        return self.editor

    def _fill_edit_menu(self) -> None:
        self.edit_menu.clear()
        for name in user_ops():
            action = self.edit_menu.addAction(name)
            self.window.guard.trigger(action, lambda n=name: self.edit_op(n), "Edit op")
        self.edit_menu.setEnabled(bool(user_ops()))

    def save(self, name: str, source: str) -> None:
        """Read, register (the author trusts their code), check, keep in the document and the
        op folder. A definition that does not read, or changes the ports of an op in use,
        is refused and changes nothing."""
        doc, editor = self.window.doc, self.editor
        try:
            definition = parse_definition(name, source)
            if editor.is_new and registered(name) is not None:
                raise CustomOpError(f"an op named {name!r} exists; change it with Edit op > {name}")
            self._check_ports(definition)
        except CustomOpError as exc:
            editor.show_problem(str(exc))
            return
        trust([definition])
        report = check_op(definition)
        self.window.stack.push(
            SetCustomOps(doc, {**doc.custom_ops, name: definition}, f"Save op {name}")
        )
        note = ""
        try:
            save_to_folder(op_folder(), definition)
        except GraphLabError as exc:
            note = f"(Not kept in your op folder: {exc})"
        self.window.palette_panel.refresh()
        editor.show_report(report, note)

    def _check_ports(self, definition) -> None:
        current = registered(definition.name)
        used = any(n.op == definition.name for n in self.window.doc.nodes.values())
        if current is not None and used and current.inputs != definition.ports:
            raise CustomOpError(
                f"op {definition.name!r} is used in the graph with inputs "
                f"{', '.join(current.inputs)}; keep them (or delete its nodes first)"
            )

    # -- opening -----------------------------------------------------------------------

    def ask_trust(self, doc: GraphDocument) -> None:
        """Before a document with op code becomes the window's: run its code, or not."""
        definitions = list(doc.custom_ops.values())
        if not definitions:
            return
        dialog = TrustDialog(self.window, doc.name, definitions)
        if dialog.exec() == QDialog.Accepted:
            trust(definitions)
        else:
            distrust(definitions)
        self.window.palette_panel.refresh()


def install_custom_ops(window) -> None:
    window.custom_ops = CustomOps(window)
