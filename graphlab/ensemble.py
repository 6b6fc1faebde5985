"""Training the members of an ensemble, as the CS231n notes list them.

- independent models: the graph trained from fresh parameters with seeds seed, seed+1, ...;
- snapshots: from each run, its parameters at the end of each of its last K epochs;
- a running average: each member keeps an exponential moving average of its parameters,
  updated after every step (``avg = decay * avg + (1 - decay) * params``), and is that average.

Every member is a copy of the document holding its trained values; evaluate them with
:func:`graphlab.evaluate.evaluate_documents`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.backend import to_numpy
from engine.errors import GraphLabError
from graphlab.consistency import OPTIMIZER_STATE
from graphlab.document import GraphDocument
from graphlab.training import prepare_training


def fresh_copy(doc: GraphDocument) -> GraphDocument:
    """``doc`` without trained values or progress: a member starts from its seed's init."""
    bare = doc.snapshot()
    bare.params, bare.state = {}, {}
    bare.extra_arrays.pop(OPTIMIZER_STATE, None)
    bare.training = {k: v for k, v in bare.training.items() if k != "progress"}
    return bare


def train_member(
    doc: GraphDocument,
    seed: int,
    epochs: int | None = None,
    snapshots: int = 1,
    average: float | None = None,
) -> list[tuple[int, GraphDocument]]:
    """Train a fresh copy of ``doc`` with ``seed``: (epoch, trained copy) at the end of each
    of the last ``snapshots`` epochs; with ``average`` (a decay in (0, 1)) the copies hold the
    running average of the parameters instead of their last values."""
    if average is not None and not 0.0 < average < 1.0:
        raise GraphLabError(f"--average {average}: the decay must be between 0 and 1")
    member = fresh_copy(doc)
    run = prepare_training(member, {"seed": seed, "epochs": epochs})
    trainer, graph = run.trainer, run.graph
    total = trainer.epochs
    if not 1 <= snapshots <= total:
        raise GraphLabError(
            f"--snapshots {snapshots}: must be from 1 to the {total} epochs trained"
        )
    mean: dict[str, np.ndarray] = {}
    if average is not None:
        mean.update({k: to_numpy(v).astype(np.float64) for k, v in graph.params.items()})

        def update(_event) -> None:
            for k, v in graph.params.items():
                mean[k] *= average
                mean[k] += (1.0 - average) * to_numpy(v)

        trainer.metrics.on_step(update)
    taken: list[tuple[int, dict, dict]] = []

    def take(event) -> None:  # a fresh copy counts epochs from 1
        if event.epoch > total - snapshots:
            taken.append((event.epoch, *_values(graph, mean)))

    trainer.metrics.on_epoch(take)
    trainer.run()
    run.finish()
    copies = []
    for epoch, params, state in taken:
        copy = member.snapshot()
        copy.set_params(params, state)
        copies.append((epoch, copy))
    return copies


def _values(graph, mean: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """Copies of the graph's parameters (or their running ``mean``) and op state."""
    params = {
        k: (mean[k] if mean else to_numpy(v)).astype(np.float32) for k, v in graph.params.items()
    }
    state = {
        nid: {k: to_numpy(v).copy() for k, v in s.items()} for nid, s in graph.state.items() if s
    }
    return params, state


def train_ensemble(
    doc: GraphDocument,
    runs: int,
    seed: int = 0,
    epochs: int | None = None,
    snapshots: int = 1,
    average: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[GraphDocument], list[str]]:
    """The member documents and their names: runs with seeds ``seed`` .. ``seed + runs - 1``,
    each giving its last ``snapshots`` epochs (1: its trained parameters only)."""
    if runs < 1:
        raise GraphLabError(f"--members {runs}: an ensemble needs at least one member")
    docs, names = [], []
    for s in range(seed, seed + runs):
        if progress:
            progress(f"training member {s - seed + 1} of {runs} (seed {s})")
        for epoch, copy in train_member(doc, s, epochs, snapshots, average):
            docs.append(copy)
            names.append(f"{doc.name} seed {s}" + (f" epoch {epoch}" if snapshots > 1 else ""))
    return docs, names
