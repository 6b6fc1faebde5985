"""Recording a run as it trains: snapshots of a trainer into its store (a step callback).

``SnapshotRecorder(run, folder, budget)`` writes the store's plan and the first snapshot at
once (the state before the run's first step), then, from the trainer's step callback, a
snapshot at the start of every ``epoch_every``-th epoch and every ``every`` steps (chosen so
the store stays under ``budget``), and a line for each step that took the per-node path
while a compiled plan was in use. It runs in whatever process trains (a forked child keeps
writing the folder its parent opened).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.backend import to_numpy
from graphlab.replay.store import (
    DEFAULT_BUDGET,
    SnapshotMeta,
    SnapshotWriter,
    choose_interval,
    graph_fingerprint,
    snapshot_bytes,
)
from graphlab.training.runs import run_settings


def recordable(trainer) -> bool:
    """Whether a trainer's state can be snapshotted (first-order optimizers; not L-BFGS)."""
    return hasattr(trainer.optimizer, "state") and not trainer.optimizer.full_batch


def trainer_arrays(trainer) -> dict[str, np.ndarray]:
    """Copies of the parameters, the optimizer's flat state and the op state of a trainer."""
    graph = trainer.graph
    arrays = {f"param/{k}": to_numpy(v).copy() for k, v in graph.params.items()}
    arrays |= {f"optimizer/{k}": to_numpy(v).copy() for k, v in trainer.optimizer.state.items()}
    for nid, state in graph.state.items():
        arrays |= {f"state/{nid}/{k}": to_numpy(v).copy() for k, v in (state or {}).items()}
    return arrays


class SnapshotRecorder:
    """Takes ``run.trainer``'s snapshots into ``folder`` while it trains (see the module)."""

    def __init__(self, run, folder: str | Path, budget: int = DEFAULT_BUDGET) -> None:
        trainer = self.trainer = run.trainer
        self.first, self.spe = trainer.step, max(trainer.steps_per_epoch, 1)
        self.total = trainer.steps_per_epoch * trainer.epochs
        self.start_epoch = trainer.epoch
        arrays = trainer_arrays(trainer)
        chosen = choose_interval(self.total, self.spe, snapshot_bytes(arrays), budget)
        self.every, self.epoch_every = chosen or (0, 0)
        graph = trainer.graph
        self.writer = SnapshotWriter(
            folder,
            {
                "budget": int(budget),
                "every": self.every,
                "epoch_every": self.epoch_every,
                "first_step": self.first,
                "steps_per_epoch": trainer.steps_per_epoch,
                "total_steps": self.total,
                "settings": run_settings(run.settings),
                "graph": graph_fingerprint(run.doc),
                "params": {k: list(v.shape) for k, v in graph.params.items()},
            },
        )
        self.folder = self.writer.folder
        self.epoch_shuffle = trainer.shuffle_rng.bit_generator.state
        self.epoch_step = self.first
        if chosen:  # else the store holds no snapshot and nothing is left to record
            self._snapshot(self.first, arrays)
            trainer.metrics.on_step(self.on_step)

    def on_step(self, event) -> None:
        """After each step, in the training thread: the per-node line and a due snapshot."""
        trainer, done = self.trainer, event.step - self.first
        if trainer.plan is not None and not trainer.planned:
            self.writer.per_node(event.step)
        if done % self.spe == 0:  # the next epoch's order is not drawn yet
            self.epoch_shuffle = trainer.shuffle_rng.bit_generator.state
            self.epoch_step = event.step
        if done < self.total and self._due(done):
            self._snapshot(event.step, trainer_arrays(trainer))

    def _due(self, done: int) -> bool:
        epoch_start = done % self.spe == 0 and (done // self.spe) % max(self.epoch_every, 1) == 0
        return bool(self.epoch_every) and (
            epoch_start or (self.every > 0 and done % self.every == 0)
        )

    def _snapshot(self, step: int, arrays: dict[str, np.ndarray]) -> None:
        trainer = self.trainer
        optimizer = trainer.optimizer
        meta = SnapshotMeta(
            step=step,
            epoch=self.start_epoch + (step - self.first) // self.spe + 1,
            epoch_step=self.epoch_step,
            shuffle=self.epoch_shuffle,
            op_rng=trainer.op_rng.bit_generator.state,
            optimizer_t=int(optimizer.t),
            optimizer_steps={k: int(v) for k, v in optimizer.steps.items()},
            plan=trainer.plan is not None,
            plan_pending=trainer.plan_pending,
            divergence_first=trainer.divergence.first,
            file=f"s{step:09d}.npz",
        )
        self.writer.write(meta, arrays)

    def close(self) -> None:
        self.writer.close()
