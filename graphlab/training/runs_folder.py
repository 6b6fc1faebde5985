"""The runs folder and its budget.

Every run trained in the window streams its metrics file (``run-X.csv``) to :func:`runs_folder`
and keeps its snapshot store beside it (``run-X.snapshots/``, :mod:`graphlab.replay`); nothing
else removes them. :func:`list_runs` lists the runs (bytes, last modified); :func:`prune`
removes the oldest until they fit a budget: snapshot stores first (large; only a replay needs
them), then metrics files (small; the zoom into a long loss curve re-reads them). It never
removes a run given as in use (the open document's runs, the one training) nor one written in
the last ACTIVE_SECONDS (another window may be training it). Each removal is noted in
REMOVED_LOG, so that a replay or a zoom can say why a file is gone (:func:`gone`).
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from graphlab.budget import human

#: a run written this recently (seconds) may still be training in another window: kept
ACTIVE_SECONDS = 600
#: the runs folder's note of what :func:`prune` removed (names, one a line; the last KEPT_NOTES)
REMOVED_LOG, KEPT_NOTES = "removed.txt", 2000
METRICS, SNAPSHOTS = ".csv", ".snapshots"


def runs_folder() -> Path:
    """Where the window's runs keep their metrics files: ``$GRAPHLAB_RUNS_DIR``, else
    ``$XDG_DATA_HOME/graphlab/runs``, else ``~/.local/share/graphlab/runs``."""
    if os.environ.get("GRAPHLAB_RUNS_DIR"):
        return Path(os.environ["GRAPHLAB_RUNS_DIR"])
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "graphlab" / "runs"


@dataclass
class RunFiles:
    """One run in the folder: its metrics file and snapshot store (None where absent), their
    bytes, and when any of its files last changed (seconds since the epoch)."""

    name: str
    metrics: Path | None = None
    snapshots: Path | None = None
    metrics_bytes: int = 0
    snapshot_bytes: int = 0
    modified: float = 0.0

    @property
    def size(self) -> int:
        return self.metrics_bytes + self.snapshot_bytes


@dataclass
class Pruned:
    """What :func:`prune` did: the paths it removed, the bytes they held, the bytes the runs
    take now, and how many runs it kept because they were in use or recently written."""

    removed: list[Path] = field(default_factory=list)
    freed: int = 0
    size: int = 0
    protected: int = 0

    def summary(self, budget: int) -> str:
        """One sentence for the person: what went, what the runs take now."""
        stores = sum(p.suffix == SNAPSHOTS for p in self.removed)
        counts = ((stores, "snapshot store"), (len(self.removed) - stores, "metrics file"))
        parts = [f"{n} {what}{'' if n == 1 else 's'}" for n, what in counts if n]
        text = f"Runs folder: removed {' and '.join(parts) or 'nothing'}"
        text += f" ({human(self.freed)})" if self.freed else ""
        text += f"; its runs take {human(self.size)} of its {human(budget)} budget"
        if self.size > budget:
            runs = f"{self.protected} run{'' if self.protected == 1 else 's'}"
            text += (
                f"; it keeps {runs} in use or written in the last {ACTIVE_SECONDS // 60} minutes"
            )
        return text + "."


def list_runs(folder: str | Path | None = None) -> list[RunFiles]:
    """The runs in ``folder`` (default :func:`runs_folder`), oldest first. Links and other
    files are left out; a folder that does not exist holds none."""
    folder = Path(folder) if folder is not None else runs_folder()
    runs: dict[str, RunFiles] = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        path = Path(entry.path)
        if not entry.name.startswith("run-") or path.suffix not in (METRICS, SNAPSHOTS):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        run = runs.setdefault(path.stem, RunFiles(path.stem))
        if path.suffix == METRICS and stat.S_ISREG(info.st_mode):
            run.metrics, run.metrics_bytes = path, info.st_size
            run.modified = max(run.modified, info.st_mtime)
        elif path.suffix == SNAPSHOTS and stat.S_ISDIR(info.st_mode):
            run.snapshots = path
            run.snapshot_bytes, newest = _tree(path)
            run.modified = max(run.modified, info.st_mtime, newest)
    found = (r for r in runs.values() if r.metrics or r.snapshots)
    return sorted(found, key=lambda r: (r.modified, r.name))


def _tree(folder: Path) -> tuple[int, float]:
    """(bytes, newest modification time) of the regular files under ``folder`` (no links)."""
    total, newest = 0, 0.0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                info = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                total, newest = total + info.st_size, max(newest, info.st_mtime)
    return total, newest


def prune(
    budget: int,
    in_use: Iterable[str | Path | None] = (),
    folder: str | Path | None = None,
    now: float | None = None,
) -> Pruned:
    """Remove runs' files, oldest first, until the runs in ``folder`` take at most ``budget``
    bytes: every snapshot store that may go before any metrics file. A run with a path in
    ``in_use`` (metrics files or stores; None is skipped) or written in the last
    ACTIVE_SECONDS is kept whole. A file that cannot be removed stays (and counts)."""
    runs = list_runs(folder)
    now = time.time() if now is None else now
    used = {_same(p) for p in in_use if p}
    kept = {r.name for r in runs if _kept(r, used, now)}
    result = Pruned(size=sum(r.size for r in runs), protected=len(kept))
    order = [(r.snapshots, r.snapshot_bytes, r.name) for r in runs]
    order += [(r.metrics, r.metrics_bytes, r.name) for r in runs]  # stores first
    for path, nbytes, name in order:
        if result.size <= budget:
            break
        if path is None or name in kept:
            continue
        try:
            if path.suffix == SNAPSHOTS:
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        result.removed.append(path)
        result.freed, result.size = result.freed + nbytes, result.size - nbytes
    if result.removed:
        _note_removed(Path(folder) if folder is not None else runs_folder(), result.removed)
    return result


def _kept(run: RunFiles, used: set, now: float) -> bool:
    """Whether ``run`` is in use (one of its paths in ``used``) or written recently."""
    return bool({_same(run.metrics), _same(run.snapshots)} & used) or (
        now - run.modified < ACTIVE_SECONDS
    )


def _same(path: str | Path | None) -> str | None:
    return None if path is None else os.path.realpath(path)


def _note_removed(folder: Path, paths: list[Path]) -> None:
    """Add the names of ``paths`` to the folder's REMOVED_LOG (its last KEPT_NOTES lines)."""
    log = folder / REMOVED_LOG
    try:
        lines = log.read_text().splitlines() if log.is_file() else []
        lines = [*lines, *(p.name for p in paths)][-KEPT_NOTES:]
        log.write_text("".join(f"{line}\n" for line in lines))
    except (OSError, ValueError):  # only the messages lose their reason
        pass


def was_pruned(path: str | Path) -> bool:
    """Whether :func:`prune` removed ``path`` (its folder's REMOVED_LOG names it)."""
    path = Path(path)
    try:
        return path.name in (path.parent / REMOVED_LOG).read_text().splitlines()
    except (OSError, ValueError):  # no note, or not one this module wrote
        return False


def gone(path: str | Path) -> str:
    """Why ``path`` is not there, as the end of a sentence: pruned for the budget, or gone."""
    if was_pruned(path):
        return (
            f"({path}) were removed to keep the runs folder within its budget "
            "(Edit > Preferences, graphlab runs)"
        )
    return f"({path}) are gone"
