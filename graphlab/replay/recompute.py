"""Recomputing a past training step from a run's snapshots.

``replay_step(doc, record, step)`` opens the run's store, restores a fresh trainer (built from
the document with the run's settings) to the latest snapshot before ``step``, retrains the
steps in between exactly as the run did (same batches, augmentation and dropout draws, same
path through the compiled plan or the per-node graph, in the same float environment) and then
takes step ``step``: its loss is the one the run logged, bit for bit on the CPU. The graph is
then left as at that step: the weights before its update, and every node's forward value and
gradient from the per-node path on the same batch and dropout draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.backend import to_numpy
from graphlab.replay.store import ReplayError, SnapshotMeta, SnapshotStore, graph_fingerprint


@dataclass
class ReplayedStep:
    """One step as it was: ``loss`` as the run computed it; ``graph`` (an engine Graph) holding
    every node's value and gradient; ``feeds`` the batch; ``params`` the weights before the
    step's update; ``rng_state`` the op generator's state before the forward pass."""

    step: int
    epoch: int
    loss: float
    graph: Any
    feeds: dict[str, np.ndarray]
    params: dict[str, np.ndarray]
    rng_state: dict
    loss_node: str
    snapshot: int = 0

    def grad_norms(self) -> dict[str, float]:
        """Node id -> L2 norm of its gradient at this step (nodes with a gradient, in order)."""
        graph = self.graph
        return {
            nid: float(np.linalg.norm(to_numpy(graph.grads[nid])))
            for nid in graph.order
            if nid in graph.grads
        }

    def trace(self):
        """The step's forward and backward as the stepper walks them: the engine's trace
        events over ``graph`` (same weights, batch and dropout draws, so the same values)."""
        rng = np.random.default_rng()
        rng.bit_generator.state = self.rng_state
        feeds = {k: self.graph.xp.asarray(v) for k, v in self.feeds.items()}
        return self.graph.trace(feeds, train=True, rng=rng, output=self.loss_node)

    def arrays(self) -> dict[str, np.ndarray]:
        """``value/NODE`` and ``grad/NODE`` for every node, and ``loss``, as numpy arrays."""
        graph = self.graph
        out = {f"value/{k}": to_numpy(v) for k, v in graph.values.items()}
        out |= {f"grad/{k}": to_numpy(v) for k, v in graph.grads.items()}
        out["loss"] = np.asarray(self.loss)
        return out


def replay_step(doc, record, step: int) -> ReplayedStep:
    """Step ``step`` of the run ``record`` of ``doc``, recomputed (see the module)."""
    from graphlab.training.settings import prepare_training

    if not record.snapshots:
        raise ReplayError(f"{record.name} kept no snapshots (it trained before replay existed)")
    store = SnapshotStore(record.snapshots)
    if record.first_step is not None and not record.first_step < step <= record.last_step:
        raise ReplayError(
            f"step {step} is not in this run (it has steps {record.first_step + 1} to "
            f"{record.last_step})"
        )
    meta = store.nearest(step)
    header = store.header
    if graph_fingerprint(doc) != header["graph"]:
        raise ReplayError(
            f"the graph or its dataset changed since {record.name}; replay needs them as they "
            "trained"
        )
    run = prepare_training(doc, header["settings"], device="cpu")
    trainer = run.trainer
    order = _restore(trainer, store, meta)
    position = meta.step - meta.epoch_step
    with trainer.numerics():
        for done in range(meta.step, step):
            if position == store.header["steps_per_epoch"]:
                trainer.epoch, order, position = trainer.epoch + 1, trainer.epoch_order(), 0
            X, y = trainer.batch(order, position)
            position += 1
            if done + 1 < step:
                trainer.train_step(X, y)
        return _take_step(trainer, X, y, meta)


def _restore(trainer, store: SnapshotStore, meta: SnapshotMeta):
    """The trainer put in the snapshot's state; returns the order of the epoch it is in."""
    graph, optimizer, xp = trainer.graph, trainer.optimizer, trainer.graph.xp
    arrays = store.arrays(meta)
    for key, param in graph.params.items():
        xp.copyto(param, xp.asarray(arrays[f"param/{key}"], dtype=param.dtype))
    for key, buffer in optimizer.state.items():
        xp.copyto(buffer, xp.asarray(arrays[f"optimizer/{key}"], dtype=buffer.dtype))
    for name, value in arrays.items():
        if name.startswith("state/"):
            nid, key = name[len("state/") :].rsplit("/", 1)
            graph.state.setdefault(nid, {})[key] = xp.asarray(value, dtype=graph.dtype)
    optimizer.steps.update(meta.optimizer_steps)
    optimizer.t = meta.optimizer_t
    trainer.step, trainer.epoch = meta.step, meta.epoch
    trainer.divergence.first = meta.divergence_first
    trainer.per_node_steps = store.per_node_steps
    trainer.shuffle_rng.bit_generator.state = meta.shuffle
    order = trainer.epoch_order()
    trainer.op_rng.bit_generator.state = meta.op_rng
    trainer.plan_pending = meta.plan_pending
    if meta.plan and not meta.plan_pending:
        from engine.plan import compile_training_plan

        trainer.plan = compile_training_plan(graph, trainer.loss, rng=trainer.op_rng)
        if not trainer.plan.compiled:
            reason = trainer.plan.reason
            raise ReplayError(f"the compiled plan of this run cannot be rebuilt ({reason})")
    return order


def _take_step(trainer, X, y, meta: SnapshotMeta) -> ReplayedStep:
    """The step on batch (X, y): its loss by the run's own path, then the per-node values and
    gradients from the same weights, batch and dropout draws."""
    graph = trainer.graph
    weights = {k: v.copy() for k, v in graph.params.items()}
    state = {n: {k: v.copy() for k, v in s.items()} for n, s in graph.state.items()}
    rng_state = trainer.op_rng.bit_generator.state
    loss = trainer.train_step(X, y)
    for key, param in graph.params.items():
        graph.xp.copyto(param, weights[key])
    graph.state.update(state)
    trainer.op_rng.bit_generator.state = rng_state
    feeds = {trainer.data_input: X, trainer.label_input: y}
    graph.forward(feeds, train=True, rng=trainer.op_rng)
    graph.backward(trainer.loss)  # every node's gradient, as the stepper shows
    return ReplayedStep(
        trainer.step,
        trainer.epoch,
        loss,
        graph,
        {k: to_numpy(v) for k, v in feeds.items()},
        {k: to_numpy(v) for k, v in weights.items()},
        rng_state,
        trainer.loss,
        snapshot=meta.step,
    )
