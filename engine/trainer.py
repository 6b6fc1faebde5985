"""Minibatch training of an engine :class:`~engine.graph.Graph` on arrays (no Qt).

``Trainer(graph, loss="loss", data_input="x", label_input="y", train=(X, y)).run()`` runs
``epochs`` passes over shuffled minibatches (a numpy Generator seeded by ``seed``: the same
seed gives bit-identical losses on the CPU), steps in training mode and evaluates in eval mode
after each epoch. ``pause()``, ``resume()`` and ``stop()`` may be called from another thread;
they take effect between steps. A NaN or infinite loss, gradient or update, or a loss grown
past ``trainer.divergence`` (:mod:`engine.divergence`), stops training with
:class:`TrainingError` before the parameters are touched. Metrics go to ``trainer.metrics``
(see :mod:`engine.metrics`).

When :mod:`engine.plan` compiles the graph and its first step agrees with the per-node path,
steps run through the compiled plan, except steps that publish per-node statistics.
"""

from __future__ import annotations

import contextlib
import math
import threading
from dataclasses import dataclass, field

import numpy as np

from engine.backend import to_numpy, translate_device_errors
from engine.divergence import DivergenceRule, diverged_error
from engine.errors import GraphError, TrainingError
from engine.evaluation import EpochEvaluations, evaluate, grid_scores
from engine.fpenv import flush_to_zero
from engine.lbfgs import LBFGS
from engine.metrics import (
    EpochEvent,
    GridScores,
    Histogram,
    Metrics,
    StatsEvent,
    StepEvent,
)
from engine.optim import make_optimizer

#: relative tolerance for accepting the compiled plan against the per-node path
PLAN_TOLERANCE = 1e-4


@dataclass
class TrainingHistory:
    """What a run produced: the loss of every step, every epoch's event, whether stopped."""

    losses: list[float] = field(default_factory=list)
    epochs: list[EpochEvent] = field(default_factory=list)
    stopped: bool = False


class Trainer:
    """Train ``graph`` by minimising node ``loss``; X (N, ...) feeds ``data_input``, y (N,)
    feeds ``label_input``.

    optimizer: an optimizer over ``graph.params`` or a name from :mod:`engine.optim` (frozen
    parameters are excluded either way when built here). L-BFGS takes one full-batch step per
    epoch. schedule: a callable t -> lr (:mod:`engine.schedules`), t = steps taken so far.
    scores: the node whose argmax is the predicted class (default: the node feeding the
    ``scores`` port of the loss, or of the nearest classification loss above it).
    augment: a callable (X batch as numpy, Generator) -> X batch, applied to training batches
    only (random flips and crops of images). Set ``background_evaluation`` to overlap each
    epoch's evaluation with the next epoch's steps (see :mod:`engine.evaluation`).
    """

    def __init__(
        self,
        graph,
        loss: str,
        data_input: str,
        label_input: str,
        train,
        val=None,
        optimizer="adam",
        schedule=None,
        batch_size: int = 64,
        epochs: int = 1,
        seed: int = 0,
        *,
        scores: str | None = None,
        train_eval_samples: int = 1000,
        eval_batch_size: int = 1024,
        use_plan: bool = True,
        augment=None,
    ) -> None:
        for nid in (loss, data_input, label_input, scores):
            if nid is not None and nid not in graph.nodes:
                raise GraphError(f"the graph has no node {nid!r}")
        self.graph, self.loss = graph, loss
        self.data_input, self.label_input = data_input, label_input
        self.X, self.y = self._to_device(train)
        self.val = self._to_device(val) if val is not None else None
        self.trainable = graph.trainable()
        if isinstance(optimizer, str):
            frozen = set(graph.params) - set(self.trainable)
            optimizer = make_optimizer(optimizer, graph.params, frozen=frozen)
        self.optimizer, self.schedule = optimizer, schedule
        self.batch_size, self.epochs = batch_size, epochs
        self.augment = augment
        self.eval_batch_size = eval_batch_size
        self.scores = scores or find_scores(graph, loss)
        shuffle, ops, sample = np.random.SeedSequence(seed).spawn(3)
        self.shuffle_rng = np.random.default_rng(shuffle)
        self.op_rng = np.random.default_rng(ops)
        count = min(len(self.X), train_eval_samples)
        self.train_sample = np.sort(np.random.default_rng(sample).permutation(len(self.X))[:count])
        self.metrics = Metrics()
        self.step = self.epoch = 0
        self.plan, self.plan_reason = None, "not tried"
        self._use_plan = use_plan and not isinstance(optimizer, LBFGS)
        self._resume, self._stop = threading.Event(), threading.Event()
        self._resume.set()
        self.background_evaluation = False
        #: whether ``run`` returns every loss and epoch event (off: an empty history, so a
        #: long run's memory stays flat; the callbacks still get every event)
        self.keep_history = True
        self.flush_subnormals = True
        self.evaluations = EpochEvaluations(self)
        #: when a finite loss still counts as diverged (see :mod:`engine.divergence`)
        self.divergence = DivergenceRule()
        #: steps that take the per-node path even with a plan (a replay repeats a run's
        #: statistics steps); ``planned``: whether the last step went through the plan
        self.per_node_steps: set[int] = set()
        self.planned = False

    def _to_device(self, split):
        X, y = split
        graph = self.graph
        integer = graph.attrs[self.label_input].get("dtype") == "int"
        labels = graph.xp.asarray(y, dtype=np.int64 if integer else graph.dtype)
        return graph.xp.asarray(X, dtype=graph.dtype), labels

    # -- control from another thread -----------------------------------------------------

    def pause(self) -> None:
        """Hold before the next step until :meth:`resume` (or :meth:`stop`)."""
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    def stop(self) -> None:
        """End the run before the next step; ``run`` returns with ``stopped`` set."""
        self._stop.set()
        self._resume.set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    def _may_continue(self, history: TrainingHistory) -> bool:
        if not self._resume.is_set():  # pausing: publish the last epoch's numbers first
            self._publish_epochs(history, self.evaluations.wait())
        self._resume.wait()
        return not self._stop.is_set()

    # -- the loop ------------------------------------------------------------------------

    @translate_device_errors
    def run(self) -> TrainingHistory:
        """Train for ``epochs`` epochs (or until stopped); raises TrainingError on divergence.

        numpy's overflow warnings are silenced: non-finite results are caught by the checks.
        With ``flush_subnormals`` (the default) subnormal floats count as 0 meanwhile
        (:mod:`engine.fpenv`: they made a fitted network's steps up to 2x slower).
        """
        with self.numerics():
            return self._run()

    @contextlib.contextmanager
    def numerics(self):
        """The float environment every step runs in (:meth:`run` and a replay of a step)."""
        with (
            np.errstate(over="ignore", invalid="ignore", divide="ignore"),
            flush_to_zero(self.flush_subnormals),
        ):
            yield

    def _run(self) -> TrainingHistory:
        history = TrainingHistory()
        try:
            self._epochs(history)
            self._publish_epochs(history, self.evaluations.wait())
        finally:  # after an error, a pending evaluation is dropped
            self.evaluations.close()
        return history

    @property
    def steps_per_epoch(self) -> int:
        """Steps in one epoch, as the optimizer answers (L-BFGS: one full-batch step)."""
        return self.optimizer.steps_per_epoch(len(self.X), self.batch_size)

    def _epochs(self, history: TrainingHistory) -> None:
        for epoch in range(self.epoch + 1, self.epoch + self.epochs + 1):
            self.epoch = epoch
            order = self.epoch_order()
            for index in range(self.steps_per_epoch):
                if not self._may_continue(history):
                    history.stopped = True
                    return
                loss = self.train_step(*self.batch(order, index))
                if self.keep_history:
                    history.losses.append(loss)
                self._publish_epochs(history, self.evaluations.finished())
            self._publish_epochs(history, self.evaluations.end_epoch())

    def epoch_order(self):
        """An epoch's shuffled sample order (N,), drawn from the shuffling generator."""
        return self.graph.xp.asarray(self.shuffle_rng.permutation(len(self.X)))

    def batch(self, order, index: int):
        """Batch ``index`` (X, y) of an epoch's ``order``, augmented with draws from ``op_rng``."""
        size = len(self.X) if self.optimizer.full_batch else self.batch_size
        rows = order[index * size : (index + 1) * size]
        X = self.X[rows]
        if self.augment is not None:
            X = self.graph.xp.asarray(self.augment(to_numpy(X), self.op_rng))
        return X, self.y[rows]

    @property
    def plan_pending(self) -> bool:
        """Whether the next gradient step compiles and tries the plan (a run's first step)."""
        return self._use_plan

    @plan_pending.setter
    def plan_pending(self, value: bool) -> None:
        self._use_plan = value

    def _publish_epochs(self, history: TrainingHistory, events: list[EpochEvent]) -> None:
        for event in events:
            if self.keep_history:
                history.epochs.append(event)
            for callback in self.metrics.epoch_callbacks:
                callback(event)

    @translate_device_errors
    def train_step(self, X, y) -> float:
        """One optimizer step on the batch (X, y); publishes the step's events."""
        step = self.step + 1
        if self.schedule is not None:
            self.optimizer.lr = self.schedule(self.step)
        feeds = {self.data_input: X, self.label_input: y}
        due = self.metrics.due(step) if self.metrics.stats_requests else []
        before = None
        if isinstance(self.optimizer, LBFGS):
            loss = self.optimizer.step(lambda: self._per_node(feeds))
            if not math.isfinite(loss):
                raise diverged_error(self, step, feeds)
        else:
            per_node = bool(due) or step in self.per_node_steps
            loss, grads = self._gradients(feeds, per_node=per_node)
            if not math.isfinite(loss):
                raise diverged_error(self, step, feeds)
            self._check_growth(step, loss)
            if any(request.gradients for request in due):
                before = {k: self.graph.params[k].copy() for k in self.trainable}
            if not self.optimizer.step(grads, check_finite=True):
                raise diverged_error(self, step, feeds)
        self.step = step
        event = StepEvent(self.epoch, step, loss, float(self.optimizer.lr))
        for callback in self.metrics.step_callbacks:
            callback(event)
        if due:
            self._publish_stats(due, before)
        return loss

    def _per_node(self, feeds):
        graph = self.graph
        graph.forward(feeds, train=True, rng=self.op_rng)
        grads = graph.backward(self.loss, wrt=self.trainable)
        return float(graph.values[self.loss]), grads

    def _gradients(self, feeds, per_node: bool):
        """(loss, grads) of the batch: through the compiled plan when it is in use
        (afterwards ``planned`` says whether the plan computed them)."""
        self.planned = False
        if self._use_plan:
            self._use_plan = False
            return self._try_plan(feeds)
        if per_node or self.plan is None:
            return self._per_node(feeds)
        self.planned = True
        loss, grads = self.plan.step(feeds), self.plan.grads
        return loss, {k: grads[k] for k in self.trainable if k in grads}

    def _try_plan(self, feeds):
        """Keep the compiled plan if it exists and agrees with the per-node path on ``feeds``.

        Returns the per-node path's (loss, grads), which this step uses either way.
        """
        try:
            from engine.plan import compile_training_plan
        except ImportError:
            self.plan_reason = "engine.plan is not available"
            return self._per_node(feeds)
        plan = compile_training_plan(self.graph, self.loss, rng=self.op_rng)
        if not plan.compiled:
            self.plan_reason = plan.reason
            return self._per_node(feeds)
        loss = plan.step(feeds)
        planned = {k: to_numpy(g).copy() for k, g in plan.grads.items()}
        reference, grads = self._per_node(feeds)
        wanted = [k for k in self.trainable if k in grads]
        agree = _close(loss, reference) and all(
            k in planned and _close(planned[k], to_numpy(grads[k])) for k in wanted
        )
        self.plan = plan if agree else None
        self.plan_reason = "" if agree else "the compiled plan disagreed with the per-node path"
        return reference, grads

    # -- divergence ----------------------------------------------------------------------

    def _check_growth(self, step: int, loss: float) -> None:
        """Stop before updating when the finite loss has grown past :attr:`divergence`."""
        reason = self.divergence.reason(loss)
        if reason is not None:
            raise TrainingError(
                f"training stopped at step {step} (epoch {self.epoch}): {reason}; training "
                f"diverged. The parameters are as they were before this step. Try a lower "
                f"learning rate (this step used {self.optimizer.lr:g})."
            )

    # -- evaluation and statistics -------------------------------------------------------

    def evaluate(self, X, y) -> tuple[float | None, float]:
        """(accuracy or None, mean loss) of the graph in eval mode on X, y (device arrays)."""
        return evaluate(self, X, y)

    def _publish_stats(self, due, before) -> None:
        """Build every due event from this step's values, then the grids (which overwrite them)."""
        events = [self._stats(request, before) for request in due]
        grids: dict[int, GridScores] = {}
        for request, event in zip(due, events, strict=True):
            if request.grid and self.scores is not None and self.X.shape[1:] == (2,):
                if request.grid not in grids:
                    grids[request.grid] = grid_scores(self, request.grid)
                event.grid = grids[request.grid]
            request.callback(event)

    def _stats(self, request, before) -> StatsEvent:
        graph, xp = self.graph, self.graph.xp
        event = StatsEvent(self.epoch, self.step)
        if request.gradients:
            for key in self.trainable:
                if key in graph.grads:
                    event.grad_norms[key] = float(xp.linalg.norm(graph.grads[key]))
                if before is not None:
                    scale = float(xp.linalg.norm(before[key])) or 1.0
                    change = float(xp.linalg.norm(graph.params[key] - before[key]))
                    event.update_ratios[key] = change / scale
        if request.histograms:
            for nid in request.nodes or self._histogram_nodes():
                if nid in graph.values:
                    event.activation_histograms[nid] = Histogram.of(graph.values[nid], request.bins)
                if nid in graph.grads:
                    event.gradient_histograms[nid] = Histogram.of(graph.grads[nid], request.bins)
        if request.weights is not None:
            event.weights = to_numpy(graph.params[request.weights]).copy()
        return event

    def _histogram_nodes(self) -> list[str]:
        graph = self.graph
        nodes = [n for n in graph.order if graph.ops[n].category == "Activations"]
        return nodes or [n for n in graph.order if graph.ops[n].inputs and n != self.loss]


def find_scores(graph, loss: str) -> str | None:
    """The node feeding the ``scores`` port of ``loss`` or of the nearest loss above it."""
    ancestors, stack = set(), [loss]
    while stack:
        nid = stack.pop()
        if nid not in ancestors:
            ancestors.add(nid)
            stack.extend(graph.sources[nid].values())
    for nid in reversed(graph.order):
        if nid in ancestors and "scores" in graph.sources[nid]:
            return graph.sources[nid]["scores"]
    return None


def _close(a, b) -> bool:
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    return bool(np.allclose(a, b, rtol=PLAN_TOLERANCE, atol=PLAN_TOLERANCE * scale))
