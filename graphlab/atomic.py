"""Saving a file so that what the user had is never lost.

:func:`write_atomically` writes a temporary file beside the target, flushes it to disk and
renames it over the target: a save that fails or is killed leaves the old file whole. The
temporary file is removed on every failure path; one left by a killed save (its writer's
process is gone) is removed at the next save of that file. The file keeps its permission
bits, a symlink is saved through (its target is replaced, the link stays), and a target that
is a folder, FIFO or device is refused before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import tempfile
from pathlib import Path

from engine.errors import FileFormatError


def write_atomically(path: str | os.PathLike, write, error=FileFormatError) -> None:
    """Write through ``write(file)`` to a temporary file beside ``path``, then rename it over."""
    target = save_target(path, error)
    mode = _mode_for(target)
    remove_orphans(target)
    tmp = None
    try:
        with _interrupts_held():  # Ctrl+C cannot land between making the file and knowing it
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp",
                                       dir=target.parent)  # fmt: skip
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        _discard(tmp)
        raise error(
            f"{path}: could not save ({exc.strerror or exc}); the previous file is unchanged"
        ) from None
    except BaseException:  # Ctrl+C (KeyboardInterrupt) included: no temporary file stays
        _discard(tmp)
        raise


def _discard(tmp: str | None) -> None:
    if tmp is not None:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


@contextlib.contextmanager
def _interrupts_held():
    """SIGINT waits (blocked in this thread) until the block ends, then arrives as usual."""
    held = hasattr(signal, "pthread_sigmask")
    if held:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if held:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def save_target(path: str | os.PathLike, error=FileFormatError) -> Path:
    """The file a save of ``path`` replaces (a symlink's target), checked to be writable:
    its folder exists and it is a regular file or absent. Raises ``error`` otherwise."""
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path.absolute()
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise error(f"{path}: could not save here ({exc.strerror or exc})") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: could not save: it is a folder; give a file name")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: could not save: not a regular file (a device, FIFO or socket)")
    folder = target.parent
    if not folder.is_dir():
        raise error(f"{path}: could not save: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise error(f"{path}: could not save: the folder {folder} is not writable")
    return target


def remove_orphans(target: Path) -> None:
    """Remove temporary files of earlier saves of ``target`` whose process is gone."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[^.]+\.tmp")
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            match = pattern.fullmatch(entry.name)
            if match and not _alive(int(match[1])) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # os.kill(pid, 0) would end a process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _mode_for(target: Path) -> int:
    """The existing file's permission bits, else what a new file gets (0666 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
