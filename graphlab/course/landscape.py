"""The loss landscape of a real network (Goodfellow et al. 2015; Li et al. 2018).

``path = train_with_path(doc, epochs)`` trains a copy of the document from its current
parameters, keeping the initial weights, the trained ones and snapshots along the way.
``Landscape(path)`` then evaluates the training loss (eval mode, on up to MAX_SAMPLES
training examples) along the straight line from the initial to the trained weights
(:meth:`line`) and on a plane through the trained weights (:meth:`plane`) spanned by two
random directions normalized per filter: each filter (a conv filter, or an affine weight's
column: one output unit) of a direction gets the norm of the same filter of the trained
weights; biases and other 1-D parameters get no direction (zero), as in Li et al.
The training path is projected onto that plane by least squares (:meth:`project`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.errors import GraphLabError
from engine.plan import compile_training_plan
from graphlab.binding import BoundData, bound_data
from graphlab.course.parallel import fork_map
from graphlab.course.sanity import fresh_copy
from graphlab.document import GraphDocument
from graphlab.training import prepare_training

#: the landscape's loss is measured on at most this many training examples
MAX_SAMPLES = 2000

Params = dict[str, np.ndarray]


@dataclass
class TrainedPath:
    """A run's document copy, its data, and the weights at its start, end and along the way."""

    doc: GraphDocument
    data: BoundData
    initial: Params
    trained: Params
    snapshots: list[Params] = field(default_factory=list)


def train_with_path(
    doc: GraphDocument,
    epochs: int | None = None,
    snapshots_per_epoch: int = 4,
    cancelled: Callable[[], bool] = lambda: False,
) -> TrainedPath:
    """Train a copy of ``doc`` (its own settings, ``epochs`` if given), keeping snapshots."""
    copy = fresh_copy(doc)
    data = bound_data(copy)
    run = prepare_training(copy, {"epochs": epochs}, data=data)
    graph, trainer = run.graph, run.trainer
    initial = _copy(graph.params)
    per_epoch = -(-len(data.splits.train) // trainer.batch_size)
    every = max(1, per_epoch // snapshots_per_epoch)
    snapshots = [initial]

    def on_step(event) -> None:
        if event.step % every == 0:
            snapshots.append(_copy(graph.params))
        if cancelled():
            trainer.stop()

    trainer.metrics.on_step(on_step)
    trainer.run()
    if cancelled():
        raise GraphLabError("training for the loss landscape was cancelled")
    trained = _copy(graph.params)
    snapshots.append(trained)
    return TrainedPath(copy, data, initial, trained, snapshots)


def _copy(params) -> Params:
    return {k: np.array(v, dtype=np.float64) for k, v in params.items()}


def filter_normalized_direction(trained: Params, rng: np.random.Generator) -> Params:
    """A random direction with each filter scaled to the trained filter's norm (1-D: zero)."""
    direction = {}
    for key, weights in trained.items():
        if weights.ndim < 2:
            direction[key] = np.zeros_like(weights)
            continue
        d = rng.standard_normal(weights.shape)
        axes = tuple(range(1, weights.ndim)) if weights.ndim > 2 else (0,)  # per filter / column
        norm_w = np.sqrt((weights**2).sum(axis=axes, keepdims=True))
        norm_d = np.sqrt((d**2).sum(axis=axes, keepdims=True))
        direction[key] = d * norm_w / np.maximum(norm_d, 1e-12)
    return direction


class Landscape:
    """Loss along the line initial -> trained and on a filter-normalized plane."""

    def __init__(self, path: TrainedPath, seed: int = 0, workers: int | None = None) -> None:
        self.path, self.workers = path, workers
        rng = np.random.default_rng(seed)
        self.directions = [filter_normalized_direction(path.trained, rng) for _ in range(2)]
        train = path.data.splits.train
        self.feeds = {
            path.data.data_input: train.X[:MAX_SAMPLES],
            path.data.label_input: train.y[:MAX_SAMPLES],
        }
        self.graph = path.doc.compile()
        self.loss_node = path.doc.loss_node(self.graph)
        self.plan = compile_training_plan(self.graph, self.loss_node)
        if self.plan.compiled and not math.isclose(
            self._plan_loss(path.trained), self._node_loss(path.trained), rel_tol=1e-4
        ):
            self.plan = None

    def loss(self, params: Params) -> float:
        """The loss (eval mode) at ``params``: forward only, through the compiled training
        plan when it covers the graph (about 4x faster on cnn-digits), else node by node."""
        with np.errstate(over="ignore", invalid="ignore"):
            if self.plan is not None and self.plan.compiled:
                return self._plan_loss(params)
            return self._node_loss(params)

    def _plan_loss(self, params: Params) -> float:
        xp, dtype = self.graph.xp, self.graph.dtype
        return float(
            self.plan.evaluate(self.feeds, {k: xp.asarray(v, dtype) for k, v in params.items()})[0]
        )

    def _node_loss(self, params: Params) -> float:
        graph = self.graph
        for key, value in params.items():
            graph.params[key][...] = value
        return float(graph.forward(self.feeds)[self.loss_node])

    def line(self, points: int = 25, **run) -> tuple[np.ndarray, np.ndarray]:
        """(alphas (points,) from 0 to 1, losses (points,)) at (1 - a) initial + a trained.

        ``run``: workers, progress(done, total), cancelled() (see :func:`fork_map`)."""
        alphas = np.linspace(0.0, 1.0, points)
        start, end = self.path.initial, self.path.trained
        line = [{k: (1 - a) * start[k] + a * end[k] for k in end} for a in alphas]
        return alphas, np.array(self._map(self.loss, line, run))

    def plane(self, size: int = 21, extent: float = 1.0, **run) -> tuple[np.ndarray, np.ndarray]:
        """(coords (size,) from -extent to extent, losses (size, size) indexed [beta, alpha])
        at trained + alpha d1 + beta d2, one row per beta; the centre is the trained weights."""
        coords = np.linspace(-extent, extent, size)
        row = lambda beta: [self.loss(self.point(a, beta)) for a in coords]  # noqa: E731
        return coords, np.array(self._map(row, list(coords), run))

    def point(self, alpha: float, beta: float) -> Params:
        d1, d2 = self.directions
        return {k: w + alpha * d1[k] + beta * d2[k] for k, w in self.path.trained.items()}

    def project(self, snapshots: list[Params] | None = None) -> np.ndarray:
        """(S, 2) least-squares coordinates of the snapshots' offsets from the trained
        weights in the plane's two directions."""
        keys = sorted(self.path.trained)

        def flat(params: Params) -> np.ndarray:
            return np.concatenate([params[k].ravel() for k in keys])

        basis = np.stack([flat(d) for d in self.directions], axis=1)
        centre = flat(self.path.trained)
        offsets = np.stack([flat(p) - centre for p in snapshots or self.path.snapshots], axis=1)
        return np.linalg.lstsq(basis, offsets, rcond=None)[0].T

    def _map(self, function, items, run: dict) -> list:
        return fork_map(
            function,
            items,
            run.get("workers", self.workers),
            run.get("progress"),
            run.get("cancelled", lambda: False),
            "the loss landscape",
        )
