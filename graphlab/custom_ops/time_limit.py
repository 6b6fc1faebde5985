"""Custom op code can be stopped: a time limit on each call in the window, and an interruption
when a training run is stopped.

``with TimeLimit(seconds):`` arms ``signal.setitimer(ITIMER_REAL, ...)`` with a SIGALRM
handler that raises :class:`CallTimedOut` in the code running then. Python runs the handler
between bytecodes, so a pure-Python loop (or ``time.sleep``) stops at once, while one long
numpy call ends first. It raises again every :data:`REPEAT` seconds until the block ends
(code that catches the first one is stopped by the next). Afterwards the previous handler and
timer are back. Off the main thread, without SIGALRM (Windows), where a handler was set
outside Python, or with :data:`SECONDS` None, there is no limit (the block just runs): the
window sets the limit as it starts (:func:`limit_this_process`: it calls op code on its main
thread, where a loop would freeze it); the command line and scripts run without one (a slow
op there freezes nothing), and so does the window's training process
(:func:`no_limit_in_this_process`).

:func:`interrupt` stops the op code another thread (or the main thread) runs inside a
``TimeLimit``, with ``PyThreadState_SetAsyncExc``: Stop on a training run uses it, in a thread
or in the training process. It too acts between bytecodes (not in ``time.sleep``).
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time

#: the longest one call of a custom op's code may run (seconds); None: no limit
SECONDS: float | None = None
#: the limit the window sets
WINDOW_SECONDS = 5.0
#: seconds between further interruptions once the limit has passed
REPEAT = 0.1

_lock = threading.Lock()
#: thread ident -> the innermost TimeLimit that thread is in
_inside: dict[int, TimeLimit] = {}


class CallTimedOut(BaseException):
    """Raised inside op code that ran past the limit (``seconds``) or was interrupted (None);
    a BaseException, so that the user's ``except Exception`` does not swallow it."""

    def __init__(self, seconds: float | None = None) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def limit_this_process(seconds: float = WINDOW_SECONDS) -> None:
    """Limit every call of op code in this process to ``seconds`` (the window, as it starts)."""
    global SECONDS
    SECONDS = seconds


def no_limit_in_this_process() -> None:
    """Lift the limit for this process (the training process: a long call freezes nothing
    there, and Stop ends the process)."""
    global SECONDS
    SECONDS = None


def interrupt(thread: int | None) -> bool:
    """Raise :class:`CallTimedOut` in thread ``thread`` (an ident) if it runs op code now
    without a timer (once per call); whether it did."""
    with _lock:
        limit = _inside.get(thread)
        if limit is None or limit.armed or limit.interrupted:
            return False
        limit.interrupted = True
        _set_async(thread, CallTimedOut)
        return True


def _set_async(thread: int, exc) -> None:
    """``PyThreadState_SetAsyncExc``: ``exc`` raised in ``thread`` at its next bytecode (None:
    a pending one cleared)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), ctypes.py_object(exc) if exc else None)  # fmt: skip


class TimeLimit:
    """Raise :class:`CallTimedOut` in the block once it has run ``seconds`` (default
    :data:`SECONDS`), where a limit is possible (see the module docstring), inside the code
    compiled as file ``code`` when given (so its line is known); the block can be
    :func:`interrupt`-ed anywhere."""

    def __init__(self, seconds: float | None = None, code: str | None = None) -> None:
        self.seconds = SECONDS if seconds is None else seconds
        self.code = code  # the file name of the limited code: raise only in (below) its frames
        self.armed = self.interrupted = False
        self.previous = self.outer = None
        self.timer = (0.0, 0.0)
        self.started = 0.0
        self.thread = threading.get_ident()

    def _possible(self) -> bool:
        return (
            self.seconds is not None
            and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGALRM) is not None
        )

    def _raise(self, signum, frame) -> None:
        if self.armed and self._in_code(frame):  # else the next one, REPEAT seconds later
            raise CallTimedOut(self.seconds)

    def _in_code(self, frame) -> bool:
        """Whether ``frame`` runs the limited code or what it called (never this module's)."""
        if frame is None or frame.f_code.co_filename == __file__:
            return False
        while self.code is not None and frame is not None:
            if frame.f_code.co_filename == self.code:
                return True
            frame = frame.f_back
        return self.code is None

    def __enter__(self) -> TimeLimit:
        with _lock:
            self.outer, _inside[self.thread] = _inside.get(self.thread), self
        if self._possible():
            self.previous = signal.signal(signal.SIGALRM, self._raise)
            self.armed, self.started = True, time.monotonic()
            self.timer = signal.setitimer(signal.ITIMER_REAL, self.seconds, REPEAT)
        return self

    def __exit__(self, kind, *exc) -> None:
        if self.armed:
            self.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
            left, interval = self.timer
            if left > 0:  # an outer timer goes on, less the time this block took
                elapsed = time.monotonic() - self.started
                signal.setitimer(signal.ITIMER_REAL, max(left - elapsed, 1e-6), interval)
        with _lock:
            if self.outer is None:
                _inside.pop(self.thread, None)
            else:
                _inside[self.thread] = self.outer
            if self.interrupted and not (kind and issubclass(kind, CallTimedOut)):
                _set_async(self.thread, None)  # too late to act here: it must not act later
