"""The window's side of :mod:`graphlab.jobs`: a QTimer polls the running job and signals the GUI
thread when it moves on or ends (the job's thread never touches a widget)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from graphlab.jobs import Job

POLL_MS = 100


class JobWatcher(QObject):
    """Runs one job at a time; ``changed(job)`` while it runs (progress), ``finished(job)`` once."""

    changed = Signal(object)
    finished = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job: Job | None = None
        self._seen = ("", None)  # what a job says before its first stage
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    @property
    def running(self) -> bool:
        return self.job is not None

    def start(self, function, what: str) -> Job | None:
        """Start ``function(job)`` unless a job is running (then None)."""
        if self.job is not None:
            return None
        self.job, self._seen = Job(function, what), ("", None)
        self._timer.start()
        return self.job

    def cancel(self) -> None:
        """Ask the running job to stop at its next progress report."""
        if self.job is not None:
            self.job.cancel()

    def poll(self) -> None:
        """Emit ``changed`` on new progress and ``finished`` when the job ended."""
        job = self.job
        if job is None:
            return
        if job.finished:
            self.job = None
            self._timer.stop()
            self.finished.emit(job)
        elif (job.stage, job.progress) != self._seen:
            self._seen = (job.stage, job.progress)
            self.changed.emit(job)
