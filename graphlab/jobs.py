"""One-shot background work: a function in a daemon thread with one error policy (Qt-free).

A :class:`Job` runs ``function(job)`` and ends in exactly one of DONE (``result``), FAILED
(``error``: one sentence from :func:`graphlab.crashlog.failure_message`, so a GraphLabError
shows its own text and anything else is logged with its traceback) or CANCELLED. The
function may call ``job.say(text)`` (what it does now) and ``job.report(done, total)``; once
:meth:`Job.cancel` was asked, those calls raise :class:`JobCancelled` so the work stops at its
next report (work that polls instead asks :meth:`Job.cancelled`). The window watches jobs
with ``ui.jobs.JobWatcher``; the command line can :meth:`Job.wait`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from graphlab.crashlog import failure_message

RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"


class JobCancelled(Exception):
    """Raised by :meth:`Job.report` inside the job's function after :meth:`Job.cancel`."""


class Job:
    """``function(job)`` running in a daemon thread; ``what`` names the work in messages
    ("running the kNN cross-validation")."""

    def __init__(self, function: Callable[[Job], Any], what: str) -> None:
        self.what = what
        self.state = RUNNING
        self.result: Any = None
        self.error: str | None = None
        self.progress: tuple[int, int] | None = None
        #: what the work does now (``say``), "" until it says
        self.stage = ""
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(function,), name=f"graphlab-job: {what}", daemon=True
        )
        self._thread.start()

    def _run(self, function) -> None:
        try:
            result = function(self)
        except JobCancelled:
            self.state = CANCELLED
        except BaseException as exc:  # noqa: BLE001 - the one policy: a message, never a hang
            self.error = failure_message(exc, self.what)
            self.state = FAILED
        else:
            if self._cancel.is_set():
                self.state = CANCELLED
            else:
                self.result, self.state = result, DONE
        self._finished.set()

    @property
    def finished(self) -> bool:
        """True once the job is DONE, FAILED or CANCELLED."""
        return self._finished.is_set()

    def report(self, done: int, total: int) -> None:
        """Record progress (``done`` of ``total``); raises JobCancelled once cancel was asked."""
        self.progress = (done, total)
        if self._cancel.is_set():
            raise JobCancelled

    def say(self, text: str) -> None:
        """Record what the work does now (its progress starts again); raises JobCancelled
        once cancel was asked."""
        self.stage, self.progress = text, None
        if self._cancel.is_set():
            raise JobCancelled

    def cancelled(self) -> bool:
        """Whether cancel was asked (for work that polls rather than reports)."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the job to stop at its next :meth:`report` (its result, if any, is dropped)."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job finished (or ``timeout`` seconds passed); True if finished."""
        return self._finished.wait(timeout)

    def message(self) -> str:
        """One line for a status label: the state, progress or error."""
        if self.state == FAILED:
            return self.error or f"{self.what} failed"
        if self.state == RUNNING and self.progress is not None:
            return f"running... {self.progress[0]}/{self.progress[1]}"
        return f"{self.state}..." if self.state == RUNNING else self.state
