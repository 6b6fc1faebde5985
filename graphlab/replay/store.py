"""The snapshot store of one training run: a folder beside the run's metrics file.

A run's record (``RunRecord.snapshots``) names the folder; nothing in it is read when a
project opens. It holds (docs/file-format.md, "Snapshot store"):

- ``store.json``: the run's plan, written when the run starts: format, version, budget (bytes),
  ``every`` (steps between mid-epoch snapshots, 0 for none), ``epoch_every`` (epochs between
  epoch-start snapshots), the step before the run's first, steps per epoch, total steps, the
  training settings, the parameters' shapes and the graph's fingerprint.
- ``snapshots.jsonl``: one JSON line per snapshot (step, epoch, the step its epoch started
  after, the shuffling and op generators' states, the optimizer's counts, whether the
  compiled plan was in use or pending, the divergence rule's first loss, the array file) and
  one ``{"per_node": step}`` line per step that took the per-node path while a plan was in use.
- ``sSTEP.npz``: the arrays of the snapshot taken after step STEP (before step STEP + 1):
  ``param/KEY``, ``optimizer/NAME`` and ``state/NODE/KEY``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import GraphLabError
from graphlab.budget import read_file
from graphlab.npzfile import read_npz
from graphlab.training.runs_folder import gone

FORMAT, VERSION = "graphlab-snapshots", 1
#: the default budget of a run's store
DEFAULT_BUDGET = 200 * 2**20
STORE, LINES = "store.json", "snapshots.jsonl"
#: fewest steps between two mid-epoch snapshots (a replay retrains at most this many)
MIN_EVERY = 50
#: bytes a member costs beyond its values (npy header, zip local and central entries)
MEMBER_OVERHEAD = 256
#: bytes reserved per training step for the per-node lines, and for store.json
PER_STEP_RESERVE, STORE_RESERVE = 24, 64 * 1024


class ReplayError(GraphLabError):
    """A run cannot be replayed (no store, a damaged one, a step outside the run)."""


def graph_fingerprint(doc) -> str:
    """A hash of what a run's computation depends on in ``doc``: its nodes (ids, ops, attrs),
    edges, loss node and dataset binding (not positions, labels or values, nor the
    preprocessing statistics a run stores when it ends: they are the ones it fitted)."""
    from graphlab.fileformat import document_to_dict

    data = document_to_dict(doc)
    nodes = sorted((n["id"], n["op"], n["attrs"]) for n in data["nodes"])
    edges = sorted((e["from"], e["to"], e["port"]) for e in data["edges"])
    dataset = dict(data["dataset"])
    if isinstance(dataset.get("preprocess"), dict):
        dataset["preprocess"] = {k: v for k, v in dataset["preprocess"].items() if k != "fitted"}
    text = json.dumps([nodes, edges, data["loss"], dataset], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def snapshot_bytes(arrays: dict[str, np.ndarray]) -> int:
    """An upper bound on the bytes one snapshot of ``arrays`` takes in the store."""
    meta = 4096  # its JSON line: two generator states, counts and names
    return meta + sum(a.nbytes + MEMBER_OVERHEAD + 2 * len(k) for k, a in arrays.items())


def choose_interval(total_steps: int, steps_per_epoch: int, each: int, budget: int):
    """(every, epoch_every) so that the snapshots of a run fit ``budget`` bytes, or None.

    Snapshots ``each`` bytes apiece go at the start of every ``epoch_every``-th epoch and every
    ``every`` steps (0: none between epoch starts); the per-node lines have their reserve.
    """
    room = budget - STORE_RESERVE - PER_STEP_RESERVE * total_steps
    slots = room // each if each > 0 else 0
    epochs = -(-total_steps // max(steps_per_epoch, 1))
    if slots < 1 or total_steps < 1:
        return None
    if slots <= epochs:
        return 0, -(-epochs // slots)
    return max(-(-total_steps // (slots - epochs)), MIN_EVERY), 1


@dataclass(frozen=True)
class SnapshotMeta:
    """One snapshot's line: taken after ``step`` (the state before step + 1)."""

    step: int
    epoch: int
    epoch_step: int
    shuffle: dict
    op_rng: dict
    optimizer_t: int
    optimizer_steps: dict
    plan: bool
    plan_pending: bool
    divergence_first: float | None
    file: str


class SnapshotWriter:
    """Writes a run's store into ``folder`` (created): store.json now, snapshots as they come."""

    def __init__(self, folder: str | Path, header: dict) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.budget = int(header["budget"])
        text = json.dumps({"format": FORMAT, "version": VERSION, **header})
        (self.folder / STORE).write_text(text)
        self.used = len(text)
        self.lines = open(self.folder / LINES, "a")  # noqa: SIM115 (open for the run)

    def write(self, meta: SnapshotMeta, arrays: dict[str, np.ndarray]) -> bool:
        """Add one snapshot unless it would pass the budget or the folder is gone (another
        window pruned it while this run was paused); returns whether it was added."""
        if self.used + snapshot_bytes(arrays) > self.budget:
            return False
        path = self.folder / meta.file
        try:
            np.savez(path, **arrays)
            size = path.stat().st_size
        except OSError:  # the training goes on without snapshots
            return False
        line = json.dumps(meta.__dict__) + "\n"
        self.used += size + len(line)
        self.lines.write(line)
        self.lines.flush()
        return True

    def per_node(self, step: int) -> None:
        line = json.dumps({"per_node": step}) + "\n"
        self.used += len(line)
        self.lines.write(line)
        self.lines.flush()

    def close(self) -> None:
        self.lines.close()


class SnapshotStore:
    """A run's store opened for reading: the plan and the lines now, arrays on demand."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        where = f"the snapshots of this run ({self.folder})"
        if not (self.folder / STORE).is_file():
            raise ReplayError(f"the snapshots of this run {gone(self.folder)}; replay needs them")
        try:
            self.header = json.loads((self.folder / STORE).read_text())
            lines = (self.folder / LINES).read_text().splitlines()
            entries = [json.loads(line) for line in lines if line.strip()]
        except (OSError, ValueError) as exc:
            raise ReplayError(f"{where} cannot be read ({exc})") from None
        if self.header.get("format") != FORMAT or self.header.get("version") != VERSION:
            raise ReplayError(f"{where} are not a snapshot store this version reads")
        self.snapshots = [SnapshotMeta(**e) for e in entries if "per_node" not in e]
        self.per_node_steps = {int(e["per_node"]) for e in entries if "per_node" in e}
        self.where = where

    @property
    def first_step(self) -> int:
        return int(self.header["first_step"])

    @property
    def last_step(self) -> int:
        """The run's last planned step (a stopped run logged fewer)."""
        return self.first_step + int(self.header["total_steps"])

    def nearest(self, step: int) -> SnapshotMeta:
        """The latest snapshot taken before ``step`` (steps count from 1)."""
        if not self.snapshots:
            raise ReplayError(f"{self.where} hold no snapshot (a budget too small for one)")
        before = [s for s in self.snapshots if s.step < step]
        if not before or step > self.last_step:
            raise ReplayError(
                f"step {step} is not in this run (it has steps {self.first_step + 1} to "
                f"{self.last_step})"
            )
        return max(before, key=lambda s: s.step)

    def arrays(self, meta: SnapshotMeta) -> dict[str, np.ndarray]:
        """The snapshot's arrays: read now, from its own file."""
        path = self.folder / meta.file
        return read_npz(read_file(path, ReplayError), self.where, ReplayError)

    def size(self) -> int:
        """Bytes the store takes on disk."""
        return sum(p.stat().st_size for p in self.folder.iterdir() if p.is_file())
