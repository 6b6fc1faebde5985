"""A time limit on each call of a custom op's code, so an endless loop cannot freeze the window.

``with TimeLimit(seconds):`` arms ``signal.setitimer(ITIMER_REAL, ...)`` with a SIGALRM
handler that raises :class:`CallTimedOut` in the code running then. Python runs the handler
between bytecodes, so a pure-Python loop (or ``time.sleep``) stops at once, while one long
numpy call ends first. It raises again every :data:`REPEAT` seconds until the block ends
(code that catches the first one is stopped by the next). Afterwards the previous handler and
timer are back. Off the main thread, without SIGALRM (Windows), where a handler was set
outside Python, or with :data:`SECONDS` None, there is no limit (the block just runs): the
window calls op code on its main thread; the training process lifts the limit
(:func:`no_limit_in_this_process`: Stop ends that process instead).
"""

from __future__ import annotations

import signal
import threading
import time

#: the longest one call of a custom op's code may run (seconds); None: no limit
SECONDS: float | None = 5.0
#: seconds between further interruptions once the limit has passed
REPEAT = 0.1


class CallTimedOut(BaseException):
    """Raised inside op code that ran past the limit (a BaseException, so that the user's
    ``except Exception`` does not swallow it)."""


def no_limit_in_this_process() -> None:
    """Lift the limit for this process (the training process: a long call freezes nothing
    there, and Stop ends the process)."""
    global SECONDS
    SECONDS = None


class TimeLimit:
    """Raise :class:`CallTimedOut` in the block once it has run ``seconds`` (default
    :data:`SECONDS`), where a limit is possible (see the module docstring)."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = SECONDS if seconds is None else seconds
        self.armed = False
        self.previous = None
        self.timer = (0.0, 0.0)
        self.started = 0.0

    def _possible(self) -> bool:
        return (
            self.seconds is not None
            and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGALRM) is not None
        )

    def _raise(self, signum, frame) -> None:
        if self.armed:
            raise CallTimedOut

    def __enter__(self) -> TimeLimit:
        if self._possible():
            self.previous = signal.signal(signal.SIGALRM, self._raise)
            self.armed, self.started = True, time.monotonic()
            self.timer = signal.setitimer(signal.ITIMER_REAL, self.seconds, REPEAT)
        return self

    def __exit__(self, *exc) -> None:
        if not self.armed:
            return
        self.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)
        left, interval = self.timer
        if left > 0:  # an outer timer goes on, less the time this block took
            elapsed = time.monotonic() - self.started
            signal.setitimer(signal.ITIMER_REAL, max(left - elapsed, 1e-6), interval)
