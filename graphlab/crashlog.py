"""One policy for unexpected exceptions: the traceback goes to a log file, the person gets a line.

Expected problems are :class:`~engine.errors.GraphLabError`s and their message is shown as it
is. Anything else is a bug: :func:`unexpected_message` writes the traceback to a log file
(``$GRAPHLAB_LOG_DIR``, else ``$XDG_STATE_HOME/graphlab``, else ``~/.local/state/graphlab``)
and returns one sentence naming what failed and where the details are. The command line
prints it (status 3), the window shows it in its error dialog, background jobs in their panel.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path

from engine.errors import GraphLabError

LOG_NAME = "graphlab-errors.log"


def log_dir() -> Path:
    """The folder of the error log (created on first use)."""
    if os.environ.get("GRAPHLAB_LOG_DIR"):
        return Path(os.environ["GRAPHLAB_LOG_DIR"])
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "graphlab"


def log_exception(exc: BaseException, what: str) -> Path | None:
    """Append ``exc``'s traceback to the error log; returns its path (None if unwritable)."""
    path = log_dir() / LOG_NAME
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {stamp} while {what}\n{text}\n")
    except OSError:
        return None
    return path


def unexpected_message(exc: BaseException, what: str) -> str:
    """One sentence for an unexpected ``exc`` (its traceback logged): what failed and where to look."""
    path = log_exception(exc, what)
    where = f"details in {path}" if path else "the error log could not be written"
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return f"unexpected error while {what}: {type(exc).__name__}: {detail} ({where})"


def failure_message(exc: BaseException, what: str) -> str:
    """The message for any failure: a GraphLabError's own text, else :func:`unexpected_message`."""
    if isinstance(exc, GraphLabError):
        return str(exc)
    return unexpected_message(exc, what)
