"""A background computation for the course views: a plain thread, polled by a QTimer.

``BackgroundJob(work, on_done, on_error, on_progress)`` runs ``work(job)`` in a thread; the
work reports with ``job.report(text, done, total)`` and polls ``job.cancelled()``. The timer
delivers progress, the result and failures on the UI thread; a failure becomes one sentence
through :func:`graphlab.crashlog.failure_message`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from graphlab.crashlog import failure_message


class BackgroundJob(QObject):
    def __init__(self, parent, work, what: str, on_done, on_error, on_progress=None) -> None:
        super().__init__(parent)
        self.work, self.what = work, what
        self.on_done, self.on_error, self.on_progress = on_done, on_error, on_progress
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._progress: tuple[str, int, int] | None = None
        self._outcome: tuple[bool, object] | None = None
        self.timer = QTimer(self, interval=100)
        self.timer.timeout.connect(self._poll)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> BackgroundJob:
        self.thread.start()
        self.timer.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    def report(self, text: str, done: int = 0, total: int = 0) -> None:
        with self._lock:
            self._progress = (text, done, total)

    def progress_callback(self, text: str) -> Callable[[int, int], None]:
        """A ``progress(done, total)`` for engine-side loops that reports ``text``."""
        return lambda done, total: self.report(text, done, total)

    def _run(self) -> None:
        try:
            outcome = (True, self.work(self))
        except Exception as exc:
            outcome = (False, failure_message(exc, self.what))
        with self._lock:
            self._outcome = outcome

    def _poll(self) -> None:
        with self._lock:
            progress, outcome = self._progress, self._outcome
            self._progress = None
        if progress is not None and self.on_progress is not None:
            self.on_progress(*progress)
        if outcome is not None:
            self.timer.stop()
            ok, value = outcome
            (self.on_done if ok else self.on_error)(value)

    def wait(self, timeout: float | None = None) -> None:
        """Block until the thread ends, then deliver its outcome (tests, closing)."""
        self.thread.join(timeout)
        self._poll()
