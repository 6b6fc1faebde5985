"""The UI suite's own excepthook (tests/ui/conftest.py) fails, in teardown, a test whose slot
raised (even with pytest-qt's capture off) and one whose guarded action logged an error."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBES = """
import pytest
from PySide6.QtGui import QAction


def boom():
    raise ValueError("raised in a slot")


@pytest.mark.qt_no_exception_capture
def test_slot_raises(qapp):
    action = QAction("probe")
    action.triggered.connect(boom)
    action.trigger()  # Qt calls boom: its exception goes to sys.excepthook, not here


def test_guard_logs(qapp):
    from PySide6.QtWidgets import QWidget
    from ui.guard import ActionGuard

    ActionGuard(None, None, QWidget()).run("Probe", boom)  # caught, shown, logged


def test_guard_logs_on_purpose(qapp, crash_log):
    from PySide6.QtWidgets import QWidget
    from ui.guard import ActionGuard

    ActionGuard(None, None, QWidget()).run("Probe", boom)
    assert "raised in a slot" in crash_log.read_text()


def test_quiet(qapp):
    QAction("nothing raised").trigger()
"""


def test_the_ui_suite_fails_tests_whose_slots_raise(tmp_path):
    (tmp_path / "test_probes.py").write_text(PROBES)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.ui.conftest", "-p", "no:cacheprovider",
         "-q", "-rfE", str(tmp_path / "test_probes.py")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )  # fmt: skip
    out = run.stdout
    assert run.returncode == 1 and "2 errors" in out, out  # failed in the fixture's teardown
    failed = {
        line.split()[1].split("::")[1] for line in out.splitlines() if line.startswith("ERROR")
    }
    assert failed == {"test_slot_raises", "test_guard_logs"}
    assert "escaped into sys.excepthook" in out and "raised in a slot" in out
    assert "the window caught an unexpected exception" in out
