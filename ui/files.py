"""File actions of a window: New, Open, Save, Save As, recent files, autosave and recovery.

The window's one document object is kept; opening replaces its content (``replace_with``)
and clears the undo stack. While there are unsaved changes, a timer saves the document to
``<AppDataLocation>/recovery/recovery-<pid>.graphlab`` (atomically, with a small JSON note of
the file it belongs to); a clean exit removes it, so a file left by a dead process means a
crash, and the next start offers to restore it.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from engine.errors import GraphLabError
from graphlab.document import GraphDocument
from graphlab.examples import open_graph
from graphlab.fileformat import load_document, save_document

PROJECT_SUFFIX = ".graphlab"
OPEN_FILTER = "GraphLab graphs (*.graphlab *.json *.png);;All files (*)"
SAVE_FILTER = "GraphLab project (*.graphlab);;JSON graph, without parameters (*.json)"
RECENT_KEY, MAX_RECENT = "recentFiles", 10
#: seconds between autosaves; the environment variable overrides it (tests use ~1 s)
AUTOSAVE_ENV, AUTOSAVE_SECONDS = "GRAPHLAB_AUTOSAVE_SECONDS", 60.0


def autosave_interval_ms() -> int:
    try:
        seconds = float(os.environ.get(AUTOSAVE_ENV, AUTOSAVE_SECONDS))
    except ValueError:
        seconds = AUTOSAVE_SECONDS
    return max(100, int(seconds * 1000))


def recovery_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)
    return Path(base) / "recovery"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recovery_note(path: Path) -> dict:
    """The JSON note beside recovery file ``path`` ({} when missing or unreadable)."""
    try:
        note = json.loads(path.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return {}
    return note if isinstance(note, dict) else {}


def this_instance() -> dict[str, str]:
    """Who writes recovery files here: the user and the machine (a shared home folder may
    hold another machine's files, whose process ids mean nothing here)."""
    return {"user": getpass.getuser(), "host": socket.gethostname()}


def left_by_crash() -> list[Path]:
    """Recovery files this user's GraphLab on this machine left when its process died,
    newest first."""
    found, me = [], this_instance()
    for path in recovery_dir().glob(f"recovery-*{PROJECT_SUFFIX}"):
        pid = path.stem.removeprefix("recovery-")
        note = recovery_note(path)
        mine = path.stat().st_uid == os.getuid() and all(
            note.get(key, value) == value for key, value in me.items()
        )
        if mine and pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            found.append(path)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


class DocumentFiles(QObject):
    """The file side of one window: which file the document is, and whether it is saved."""

    #: the title or the unsaved state changed
    stateChanged = Signal()
    #: the document was replaced (new, open, example, recovery)
    opened = Signal()
    recentChanged = Signal()
    #: a line for the status bar (opened, saved, autosave failed)
    message = Signal(str)

    def __init__(self, window: QWidget, doc: GraphDocument, stack: QUndoStack):
        super().__init__(window)
        self.window, self.doc, self.stack = window, doc, stack
        self.path: Path | None = None
        #: changes the undo stack does not know of (a restored recovery file)
        self.unsaved_outside_stack = False
        self.recovery_path = recovery_dir() / f"recovery-{os.getpid()}{PROJECT_SUFFIX}"
        stack.cleanChanged.connect(self._clean_changed)
        self.autosave_timer = QTimer(self, interval=autosave_interval_ms())
        self.autosave_timer.timeout.connect(self.autosave)
        #: called with each document about to be adopted (the trust question for op code)
        self.before_adopt: list = []

    # -- state --------------------------------------------------------------------------

    def _clean_changed(self) -> None:
        # a stack being destroyed clears itself (and says so): nothing to show then
        if shiboken6.isValid(self.stack):
            self.stateChanged.emit()

    def keep_state(self):
        """A function that puts back which file the document is and its unsaved state
        (the window's guard calls it when an action fails). Changes whose undo steps the action
        cleared stay marked unsaved."""
        path, unsaved, modified = self.path, self.unsaved_outside_stack, self.is_modified()

        def restore() -> None:
            self.path = path
            self.unsaved_outside_stack = unsaved or (modified and self.stack.isClean())
            self.stateChanged.emit()

        return restore

    def is_modified(self) -> bool:
        return self.unsaved_outside_stack or not self.stack.isClean()

    def display_name(self) -> str:
        return self.path.name if self.path else self.doc.name or "untitled"

    def title(self) -> str:
        return f"{self.display_name()}{'*' if self.is_modified() else ''} - GraphLab"

    def adopt(self, doc: GraphDocument, path: Path | None, unsaved: bool = False) -> None:
        """Make ``doc`` the window's document (belonging to ``path``), with a fresh undo history."""
        for hook in self.before_adopt:
            hook(doc)
        self.doc.replace_with(doc)
        self.stack.clear()
        self.path = Path(path).resolve() if path else None
        self.unsaved_outside_stack = unsaved
        if self.path:
            self.add_recent(self.path)
        self.opened.emit()
        self.stateChanged.emit()
        self.message.emit(f"Opened {self.path or doc.name}")

    # -- actions ------------------------------------------------------------------------

    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.adopt(GraphDocument(), None)
        return True

    def open(self) -> bool:
        start = str(self.path.parent) if self.path else ""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open graph", start, OPEN_FILTER)
        return bool(path) and self.open_path(path)

    def open_path(self, path: str | os.PathLike) -> bool:
        """Open a file; a file that does not load leaves the current document untouched."""
        if Path(path).suffix.lower() == ".png":  # a picture carrying a graph: opens unnamed
            return self.open_unnamed(lambda: load_document(path), "Cannot open the file")
        if not self.maybe_save():
            return False
        dropped: list[str] = []
        try:
            doc = load_document(path, dropped, lazy=True)
        except GraphLabError as exc:
            if not Path(path).exists():
                self.forget_recent(Path(path).resolve())
            QMessageBox.critical(self.window, "Cannot open the file", str(exc))
            return False
        self.adopt(doc, Path(path), unsaved=bool(dropped))
        if dropped:
            self.message.emit(f"Opened {path}; dropped what no longer fits: {'; '.join(dropped)}")
        return True

    def open_example(self, name: str) -> bool:
        """Open a bundled example as a new, unnamed document (saving asks for a file)."""
        return self.open_unnamed(lambda: open_graph(name), "Cannot open the example")

    def open_unnamed(self, load, failure: str, unsaved: bool = False) -> bool:
        """Replace the document by ``load()`` with no file behind it (an example, an import),
        after asking to save; a load that fails shows its message under ``failure``."""
        if not self.maybe_save():
            return False
        try:
            doc = load()
        except GraphLabError as exc:
            QMessageBox.critical(self.window, failure, str(exc))
            return False
        self.adopt(doc, None, unsaved=unsaved)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self) -> bool:
        start = str(self.path or Path.home() / f"{self.doc.name or 'untitled'}{PROJECT_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save graph as", start, SAVE_FILTER)
        if not path:
            return False
        path = Path(path)
        if path.suffix not in (PROJECT_SUFFIX, ".json"):
            path = path.with_name(path.name + PROJECT_SUFFIX)
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        try:
            save_document(self.doc, path)
        except GraphLabError as exc:
            QMessageBox.critical(self.window, "Cannot save", str(exc))
            return False
        self.path = path.resolve()
        self.unsaved_outside_stack = False
        self.stack.setClean()
        self.add_recent(self.path)
        self.remove_recovery()
        self.stateChanged.emit()
        self.message.emit(f"Saved {self.path}")
        return True

    def maybe_save(self) -> bool:
        """True when the current document may be replaced (saved, discarded or unchanged)."""
        if not self.is_modified():
            return True
        answer = QMessageBox.warning(
            self.window,
            "Unsaved changes",
            f"Save the changes to {self.display_name()}?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel,
            QMessageBox.Save,
        )
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    # -- recent files -------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        value = QSettings().value(RECENT_KEY, [])
        return [value] if isinstance(value, str) else list(value or [])

    def add_recent(self, path: Path) -> None:
        files = [str(path), *(f for f in self.recent_files() if f != str(path))]
        QSettings().setValue(RECENT_KEY, files[:MAX_RECENT])
        self.recentChanged.emit()

    def forget_recent(self, path: Path) -> None:
        QSettings().setValue(RECENT_KEY, [f for f in self.recent_files() if f != str(path)])
        self.recentChanged.emit()

    # -- autosave and recovery ----------------------------------------------------------

    def start_autosave(self) -> None:
        self.autosave_timer.start()

    def autosave(self) -> None:
        """Save unsaved changes to the recovery file; with none, remove it."""
        if not self.is_modified():
            self.remove_recovery()
            return
        note = self.recovery_path.with_suffix(".json")
        try:
            self.recovery_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = note.with_name(f".{note.name}.tmp")
            about = {"title": self.display_name(), "nodes": len(self.doc.nodes), **this_instance()}
            tmp.write_text(
                json.dumps({"path": str(self.path or ""), "saved": time.time(), **about})
            )
            os.replace(tmp, note)
            save_document(self.doc, self.recovery_path)
        except (OSError, GraphLabError) as exc:
            self.message.emit(f"Autosave failed: {exc}")

    def remove_recovery(self) -> None:
        for path in (self.recovery_path, self.recovery_path.with_suffix(".json")):
            path.unlink(missing_ok=True)

    def offer_recovery(self) -> bool:
        """Offer the newest recovery file a crashed session left; True when one was restored."""
        found = left_by_crash()
        if not found:
            return False
        recovered = found[0]
        note = recovered.with_suffix(".json")
        about = recovery_note(recovered)
        original = str(about.get("path", ""))
        title = about.get("title") or Path(original).name or "an unsaved graph"
        nodes = f" ({about['nodes']} nodes)" if isinstance(about.get("nodes"), int) else ""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(recovered.stat().st_mtime))
        answer = QMessageBox.question(
            self.window,
            "Recover unsaved work",
            f'GraphLab did not close properly. Restore the unsaved changes to "{title}"'
            f"{nodes}, autosaved at {when}?",
            QMessageBox.Yes | QMessageBox.Discard,
            QMessageBox.Yes,
        )
        restored = False
        if answer == QMessageBox.Yes:
            try:
                doc = load_document(recovered, lazy=True)
            except GraphLabError as exc:
                QMessageBox.critical(self.window, "Cannot restore", str(exc))
            else:
                self.adopt(doc, Path(original) if original else None, unsaved=True)
                self.autosave()
                restored = True
        recovered.unlink(missing_ok=True)
        note.unlink(missing_ok=True)
        return restored
