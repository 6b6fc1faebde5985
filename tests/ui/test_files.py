"""File actions: save and open, corrupt files, unsaved-changes prompts, recent files,
autosave and recovery after the process is killed."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.errors import FileFormatError
from graphlab.fileformat import document_to_dict, load_document
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.commands import SetLabel
from ui.files import recovery_dir

ROOT = Path(__file__).resolve().parents[2]


#: every test gets its own settings and recovery folder under tmp_path
pytestmark = pytest.mark.usefixtures("isolated_settings")


@pytest.fixture
def window(qtbot, request):
    request.getfixturevalue("isolated_settings")
    return make_window(qtbot)


class Answers:
    """Stand-ins for QMessageBox's static dialogs: record each and give a chosen answer."""

    def __init__(self, monkeypatch, answer=QMessageBox.Discard):
        self.shown, self.answer = [], answer
        for name in ("critical", "warning", "question"):
            monkeypatch.setattr(QMessageBox, name, self.record(name))

    def record(self, kind):
        def show(parent, title, text, *args):
            self.shown.append((kind, title, text))
            return self.answer

        return staticmethod(show)


def test_save_as_then_open_round_trips_and_updates_title_and_recent(window, tmp_path, monkeypatch):
    target = tmp_path / "mine"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(target), ""))
    window.stack.push(SetLabel(window.doc, "q", "sum"))
    assert window.files.save()  # no file yet: asks for one, adds the suffix
    saved = tmp_path / "mine.graphlab"
    assert saved.is_file() and window.windowTitle() == "mine.graphlab - GraphLab"
    assert window.files.recent_files() == [str(saved)]
    assert window.recent_menu.actions()[0].text() == "&1  mine.graphlab"
    assert window.recent_menu.actions()[0].toolTip() == str(saved)
    window.files.new()
    assert window.doc.nodes == {} and window.windowTitle() == "untitled - GraphLab"
    assert window.files.open_path(saved)
    assert window.doc.nodes["q"].label == "sum" and window.files.path == saved
    assert document_to_dict(window.doc) == document_to_dict(load_document(saved))


def test_opening_a_corrupt_file_shows_the_loader_message_and_keeps_the_document(
    window, tmp_path, monkeypatch
):
    answers = Answers(monkeypatch)
    bad = tmp_path / "bad.graphlab"
    bad.write_text('{"format": "graphlab", "version": 1, "nodes": [')
    with pytest.raises(FileFormatError) as loader:
        load_document(bad)
    window.stack.push(SetLabel(window.doc, "q", "kept"))
    before = document_to_dict(window.doc)
    assert not window.files.open_path(bad)
    assert answers.shown[-1] == ("critical", "Cannot open the file", str(loader.value))
    assert document_to_dict(window.doc) == before and window.stack.count() == 1
    assert window.windowTitle() == "circuit-add-mul* - GraphLab"
    # the unsaved-changes question came first and was answered Discard
    assert answers.shown[0][0] == "warning"


def test_closing_with_unsaved_changes_asks(window, monkeypatch):
    answers = Answers(monkeypatch, QMessageBox.Cancel)
    window.stack.push(SetLabel(window.doc, "q", "sum"))
    assert not window.close() and window.isVisible()
    assert answers.shown == [("warning", "Unsaved changes", "Save the changes to circuit-add-mul?")]
    answers.answer = QMessageBox.Discard
    assert window.close()


def test_save_answer_saves_before_replacing(window, tmp_path, monkeypatch):
    Answers(monkeypatch, QMessageBox.Save)
    target = tmp_path / "kept.graphlab"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(target), ""))
    window.stack.push(SetLabel(window.doc, "q", "sum"))
    assert window.files.open_example("vector-norm")
    assert load_document(target).nodes["q"].label == "sum" and window.doc.name == "vector-norm"


def test_autosave_writes_recovery_only_while_unsaved_and_clean_exit_removes_it(window):
    files = window.files
    files.autosave()
    assert not files.recovery_path.exists()
    window.stack.push(SetLabel(window.doc, "q", "sum"))
    files.autosave()
    assert files.recovery_path.parent == recovery_dir()
    assert load_document(files.recovery_path).nodes["q"].label == "sum"
    window.stack.undo()
    files.autosave()
    assert not files.recovery_path.exists()
    window.stack.redo()
    files.autosave()
    window.stack.setClean()
    window.close()
    assert list(recovery_dir().iterdir()) == []


EDIT_AND_WAIT = """
    import sys
    from PySide6.QtCore import QCoreApplication, QTimer
    from ui.app import application, open_window
    from ui.commands import SetLabel

    app = application()
    QCoreApplication.setOrganizationName("GraphLabTest")
    QCoreApplication.setApplicationName(sys.argv[1])
    window = open_window("circuit-add-mul")
    window.show()
    window.files.start_autosave()
    window.stack.push(SetLabel(window.doc, "q", "recovered sum"))
    QTimer.singleShot(0, lambda: print("edited", flush=True))
    app.exec()
"""


def test_unsaved_edits_are_recovered_after_the_process_is_killed(qtbot, tmp_path, monkeypatch):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "GRAPHLAB_AUTOSAVE_SECONDS": "0.5",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(EDIT_AND_WAIT), QCoreApplication.applicationName()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert child.stdout.readline().strip() == b"edited"
        recovery = recovery_dir() / f"recovery-{child.pid}.graphlab"
        deadline = time.monotonic() + 30
        while not recovery.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert recovery.exists(), "no autosave within 30 s"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    answers = Answers(monkeypatch, QMessageBox.Yes)
    window = make_window(qtbot)
    assert window.doc.nodes["q"].label == ""
    assert window.files.offer_recovery()
    assert answers.shown[0][:2] == ("question", "Recover unsaved work")
    assert '"circuit-add-mul" (5 nodes), autosaved at ' in answers.shown[0][2]
    assert window.doc.nodes["q"].label == "recovered sum"
    assert window.windowTitle() == "circuit-add-mul* - GraphLab"
    assert not recovery.exists() and window.files.recovery_path.exists()
    assert not window.files.offer_recovery()  # offered once
    window.files.unsaved_outside_stack = False


def test_only_this_users_instances_files_are_offered(window, monkeypatch):
    folder = recovery_dir()
    folder.mkdir(parents=True)
    other = folder / "recovery-999999998.graphlab"
    other.write_text("{}")
    note = {"path": "", "title": "theirs", "nodes": 3, "user": "someone-else", "host": "x"}
    other.with_suffix(".json").write_text(json.dumps(note))
    answers = Answers(monkeypatch, QMessageBox.Discard)
    assert not window.files.offer_recovery() and not answers.shown
    assert other.exists()  # not ours to remove


def test_discarding_a_recovery_file_removes_it(window, monkeypatch):
    stale = recovery_dir() / "recovery-999999999.graphlab"
    stale.parent.mkdir(parents=True)
    stale.write_text("not even json")
    Answers(monkeypatch, QMessageBox.Discard)
    assert not window.files.offer_recovery()
    assert not stale.exists() and window.doc.name == "circuit-add-mul"


def test_file_shortcuts_new_open_save(window, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "keys.graphlab"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(target), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: (str(target), ""))
    window.view.setFocus()
    window.stack.push(SetLabel(window.doc, "q", "sum"))
    qtbot.keyClick(window.view, Qt.Key_S, Qt.ControlModifier)
    assert target.is_file() and not window.files.is_modified()
    qtbot.keyClick(window.view, Qt.Key_N, Qt.ControlModifier)
    assert window.doc.nodes == {}
    qtbot.keyClick(window.view, Qt.Key_O, Qt.ControlModifier)
    assert window.doc.nodes["q"].label == "sum" and window.files.path == target
    other = tmp_path / "other.graphlab"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(other), ""))
    qtbot.keyClick(window.view, Qt.Key_S, Qt.ControlModifier | Qt.ShiftModifier)
    assert other.is_file() and window.windowTitle() == "other.graphlab - GraphLab"
