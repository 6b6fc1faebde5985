"""One guard for the window's actions: an exception never escapes and never changes the document.

Menu actions, buttons and dialogs run through :meth:`ActionGuard.run`. The document is copied
first; when the action raises (or a slot it set off reports an exception to ``sys.excepthook``)
the document and the undo stack go back to how they were, and the person sees one message: an
expected problem (a :class:`GraphLabError`, a file that cannot be written) as its own sentence,
anything else as the error dialog (what failed, the log file from :mod:`graphlab.crashlog`, the
traceback under "Show Details..."). :meth:`ActionGuard.excepthook` is the safety net for slots
connected without the guard (``ui.app.run_app`` installs it).
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QMessageBox, QWidget

from engine.errors import GraphLabError
from graphlab.crashlog import failure_message
from graphlab.document import DOCUMENT_FIELDS, GraphDocument


def same_content(a: Any, b: Any) -> bool:
    """Deep equality of document fields (dicts, lists, dataclasses, numpy arrays)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_content(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_content(x, y) for x, y in zip(a, b, strict=True))
    if hasattr(a, "__dataclass_fields__") and type(a) is type(b):
        return all(same_content(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)
    return bool(a == b)


def same_document(a: GraphDocument, b: GraphDocument) -> bool:
    return all(same_content(getattr(a, f), getattr(b, f)) for f in DOCUMENT_FIELDS)


def file_problem(exc: OSError) -> str:
    """One sentence for a file that could not be read or written."""
    name = Path(exc.filename) if exc.filename else None
    if isinstance(exc, FileNotFoundError) and name is not None and not name.parent.is_dir():
        return f"{name}: the folder {name.parent} does not exist"
    reason = (exc.strerror or type(exc).__name__).lower()
    return f"{name}: {reason}" if name is not None else reason


def _same_commands(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


class _DropTail(QUndoCommand):
    """Pushed obsolete: QUndoStack.push drops the commands after the index, then this one."""

    def __init__(self) -> None:
        super().__init__()
        self.setObsolete(True)


class ActionGuard:
    """Runs actions on ``doc`` and ``stack``; failures show as a message over ``parent``.

    Without a document (a panel on its own) failures are only reported.
    """

    def __init__(
        self, doc: GraphDocument | None, stack: QUndoStack | None, parent: QWidget
    ) -> None:
        self.doc, self.stack, self.parent = doc, stack, parent
        #: the last message box shown (tests read it)
        self.dialog: QMessageBox | None = None
        #: state beside the document (e.g. the file it belongs to): each returns its restorer
        self.keepers: list[Callable[[], Callable[[], None]]] = []
        self._running = False

    # -- running --------------------------------------------------------------------------

    def run(self, what: str, fn: Callable, *args) -> Any:
        """``fn(*args)``; on any exception the document is restored and ``what`` reported."""
        if self._running:  # nested: the outermost run restores and reports
            return fn(*args)
        snapshot = self.doc.snapshot() if self.doc is not None else None
        index, tail = (self.stack.index(), self._tail()) if self.stack is not None else (0, [])
        restorers = [keep() for keep in self.keepers]
        caught: list[BaseException] = []
        hook, sys.excepthook = sys.excepthook, lambda kind, exc, tb: caught.append(exc)
        self._running, result = True, None
        try:
            result = fn(*args)
        except Exception as exc:  # any: the guard's whole purpose
            caught.append(exc)
        finally:
            sys.excepthook, self._running = hook, False
        if caught:
            self._restore(snapshot, index, tail)
            for restore in restorers:
                restore()
            self.report(what, caught[0])
            return None
        return result

    def slot(self, what: str, fn: Callable) -> Callable:
        """A slot that runs ``fn`` with the signal's arguments through :meth:`run`."""
        return lambda *args: self.run(what, fn, *args)

    def trigger(self, action, fn: Callable, what: str | None = None) -> None:
        """Connect ``action.triggered`` to ``fn()`` (no arguments) through :meth:`run`."""
        label = what or action.text().replace("&", "").rstrip(".…")
        action.triggered.connect(lambda *_: self.run(label, fn))

    def _tail(self, start: int | None = None) -> list[QUndoCommand]:
        """The commands from ``start`` (default: the index) to the end of the stack."""
        start = self.stack.index() if start is None else start
        return [self.stack.command(i) for i in range(start, self.stack.count())]

    def _restore(self, snapshot: GraphDocument, index: int, tail: list) -> None:
        """The document as ``snapshot``; the undo stack back at ``index`` with the commands
        after it as they were (``tail``), or none when the action replaced them."""
        if self.stack is None or self.doc is None:
            return
        if self.stack.index() != index or not _same_commands(self._tail(index), tail):
            with contextlib.suppress(Exception):  # a failing undo: the snapshot restores below
                self.stack.setIndex(min(index, self.stack.count()))
            if not _same_commands(self._tail(), tail):
                self.stack.push(_DropTail())
        if not same_document(self.doc, snapshot):
            self.doc.replace_with(snapshot)

    # -- telling the person ---------------------------------------------------------------

    def report(self, what: str, exc: BaseException, restored: bool = True) -> QMessageBox:
        """Show ``exc``: its own sentence when expected, else the error dialog with details
        (saying whether the document was ``restored``)."""
        if isinstance(exc, GraphLabError):
            return self._show(QMessageBox.Warning, what, str(exc))
        if isinstance(exc, OSError):
            return self._show(QMessageBox.Warning, what, file_problem(exc))
        sentence = failure_message(exc, f"running {what}")  # logs the traceback
        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        after = "The document is as it was before." if restored else "Undo may be needed."
        text = f"{what} failed unexpectedly. {after}"
        return self._show(QMessageBox.Critical, "Unexpected error", text, sentence, details)

    def _show(self, icon, title: str, text: str, info: str = "", details: str = ""):
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self.parent)
        box.setAttribute(Qt.WA_DeleteOnClose)
        if info:
            box.setInformativeText(info)
        if details:
            box.setDetailedText(details)
        box.open()  # window-modal, without blocking the caller
        self.dialog = box
        return box

    def excepthook(self, kind, exc, tb) -> None:
        """``sys.excepthook`` for slots outside the guard: the same messages, nothing restored."""
        if not isinstance(exc, Exception):
            sys.__excepthook__(kind, exc, tb)
            return
        self.report("An action", exc.with_traceback(tb), restored=False)


def run_guarded(widget: QWidget, what: str, fn: Callable, *args) -> Any:
    """``fn(*args)`` through the guard of the window holding ``widget`` (the first ancestor with
    a ``guard``), or through a guard that only reports when no window has one."""
    holder = widget
    while holder is not None and not isinstance(getattr(holder, "guard", None), ActionGuard):
        holder = holder.parentWidget()
    guard = holder.guard if holder is not None else ActionGuard(None, None, widget)
    return guard.run(what, fn, *args)
