"""Training off the caller's thread: a worker thread running the engine's Trainer, and the
bridge that turns its callbacks into a thread-safe latest snapshot that the training session
(:mod:`graphlab.training.session`) pulls: the dashboard on a timer, ``graphlab train`` in a loop.

The trainer calls the bridge synchronously in the training thread; the bridge only appends or
replaces small records under a lock, so a step never waits for the window. Everything heavy
(activation maps, the final confusion matrix) is computed here in the worker, never per step
on the UI thread.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from engine.backend import to_numpy
from engine.evaluation import grid_scores
from engine.metrics import EpochEvent, GridScores, StatsEvent, StepEvent
from graphlab.crashlog import failure_message
from graphlab.custom_ops import time_limit, uses_custom_ops

#: how many misclassified validation samples the results keep
MISCLASSIFIED_KEPT = 24
#: statistics per second the worker aims at (a statistics step runs the slower per-node path,
#: about 5.6 ms more on cnn-digits, so at hundreds of steps per second they are spread out:
#: 5 a second cost the app about 8% of its speed and give the histograms a column each)
STATS_PER_SECOND = 5.0
#: seconds after Stop before custom op code still running in the training thread is interrupted
INTERRUPT_AFTER = 1.0


@dataclass
class FinalResults:
    """Validation results at the end of a run: confusion (classes, classes) rows = true class;
    misclassified: images (M, C, H, W) (None for points), true (M,), predicted (M,); grid: the
    final class scores over 2-D training data (None for other data)."""

    confusion: np.ndarray
    class_names: tuple[str, ...]
    images: np.ndarray | None
    true: np.ndarray
    predicted: np.ndarray
    grid: GridScores | None = None


@dataclass
class Snapshot:
    """What the session reads on one poll: new steps (epoch, step, loss, lr), epochs and
    statistics since it last asked, and the latest rest."""

    steps: list[tuple[int, int, float, float]]
    epochs: list[EpochEvent]
    stats: list[StatsEvent]
    activations: np.ndarray | None
    results: FinalResults | None
    error: str | None
    finished: bool
    paused: bool
    elapsed: float


@dataclass
class TrainingBridge:
    """Thread-safe store of a run's events; :meth:`take` hands the session what is new since
    last time."""

    steps: list[tuple[int, int, float, float]] = field(default_factory=list)
    epochs: list[EpochEvent] = field(default_factory=list)
    stats: list[StatsEvent] = field(default_factory=list)
    activations: np.ndarray | None = None
    results: FinalResults | None = None
    error: str | None = None
    finished: bool = False
    paused: bool = False
    started: float = field(default_factory=time.perf_counter)
    ended: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_step(self, event: StepEvent) -> None:
        with self._lock:
            self.steps.append((event.epoch, event.step, event.loss, event.lr))

    def on_epoch(self, event: EpochEvent) -> None:
        with self._lock:
            self.epochs.append(event)

    def on_batch(self, steps: list[tuple[int, int, float, float]], epochs: list[EpochEvent]):
        """Steps (epoch, step, loss, lr) and the epochs that ended among them, at once."""
        with self._lock:
            self.steps.extend(steps)
            self.epochs.extend(epochs)

    def on_stats(self, event: StatsEvent) -> None:
        with self._lock:
            self.stats.append(event)

    def set(self, **values) -> None:
        with self._lock:
            for name, value in values.items():
                setattr(self, name, value)
            if values.get("finished"):
                self.ended = time.perf_counter()

    def take(self) -> Snapshot:
        """The steps, epochs and statistics added since the previous call (handed over: the
        bridge keeps nothing a run accumulates), and the latest rest."""
        with self._lock:
            steps, epochs, stats = self.steps, self.epochs, self.stats
            self.steps, self.epochs, self.stats = [], [], []
            end = self.ended or time.perf_counter()
            return Snapshot(
                steps,
                epochs,
                stats,
                self.activations,
                self.results,
                self.error,
                self.finished,
                self.paused,
                end - self.started,
            )


class TrainingWorker(threading.Thread):
    """Runs ``run.trainer`` to the end (or Stop) and publishes into ``bridge``.

    stats_every: steps between the first statistics (gradient norms, update ratios,
    histograms, the chosen conv weights, the decision-boundary grid for 2-D data, activation
    maps); afterwards the interval follows the speed, about STATS_PER_SECOND a second. Each
    epoch's end also sends the chosen weights and activation maps, and the run's end its
    :class:`FinalResults`. With ``stats_every=None`` only steps and epochs are published.
    ``exception`` keeps what ended the run with an error (the bridge gets its message).
    """

    def __init__(
        self, run, bridge: TrainingBridge, stats_every: int | None = 10, grid: int | None = 60
    ):
        super().__init__(name="graphlab-training", daemon=True)
        self.training, self.bridge = run, bridge
        trainer = run.trainer
        trainer.keep_history = False  # the session's record keeps what matters, bounded
        self.conv_layer: str | None = None
        self.image_index = 0
        self.exception: BaseException | None = None
        #: called in the training thread as the trainer's loop ends, before the final results
        self.on_trained = lambda: None
        self.runner: int | None = None  # the ident of the thread while it runs the trainer
        #: whether Stop may need to interrupt user code (built-in ops always end their step)
        self.may_hang = uses_custom_ops(run.graph)
        trainer.metrics.on_step(bridge.on_step)
        trainer.metrics.on_epoch(bridge.on_epoch)
        self._last_stats: tuple[int, float] | None = None
        self.request = None
        if stats_every is not None:
            trainer.metrics.on_epoch(self._epoch_end)
            two_d = trainer.X.shape[1:] == (2,)
            self.request = trainer.metrics.on_stats(
                self._stats, every=stats_every, gradients=True, histograms=True,
                grid=grid if two_d else None,
            )  # fmt: skip

    # -- control (any thread) -------------------------------------------------------------

    def set_weights(self, param: str | None) -> None:
        """Which parameter's values the statistics carry (a conv filter bank)."""
        if self.request is not None:
            self.request.weights = param

    def pause(self) -> None:
        self.training.trainer.pause()
        self.bridge.set(paused=True)

    def resume(self) -> None:
        self.training.trainer.resume()
        self.bridge.set(paused=False)

    def stop(self) -> None:
        """End the run before the next step; op code still running INTERRUPT_AFTER seconds
        later (an endless loop) is interrupted, and the run ends with its sentence."""
        self.training.trainer.stop()
        self.bridge.set(paused=False)
        if self.may_hang:  # the thread is read when the timer fires, not now
            timer = threading.Timer(INTERRUPT_AFTER, lambda: time_limit.interrupt(self.runner))
            timer.daemon = True
            timer.start()

    # -- the thread -----------------------------------------------------------------------

    def run(self) -> None:
        self.runner, error = threading.get_ident(), None
        try:
            try:
                self.training.trainer.run()
            finally:
                self.runner = None  # the final results are not Stop's to interrupt
                self.on_trained()
            if self.request is not None:
                self.bridge.set(results=final_results(self.training, self.request.grid))
        except Exception as exc:  # a bug must not kill the window: one sentence in the panel
            self.exception, error = exc, failure_message(exc, "training")
        self.bridge.set(error=error, finished=True, paused=False)

    def _stats(self, event: StatsEvent) -> None:
        """In the training thread, between steps: store the event and the activation maps;
        set the interval to the next statistics from the speed since the previous ones."""
        now = time.perf_counter()
        if self._last_stats is not None:
            steps, elapsed = event.step - self._last_stats[0], now - self._last_stats[1]
            rate = steps / elapsed if elapsed > 0 else 1.0
            self.request.every = int(min(max(rate / STATS_PER_SECOND, 1), 10_000))
            self.request.start = event.step  # the next a full interval from now
        self._last_stats = (event.step, now)
        self._publish(event)

    def _epoch_end(self, event: EpochEvent) -> None:
        """The chosen weights and activation maps as the epoch ends (cheap: no per-node step),
        unless statistics went out less than 1/STATS_PER_SECOND seconds ago."""
        last = self._last_stats
        if last is not None and time.perf_counter() - last[1] < 1.0 / STATS_PER_SECOND:
            return
        self._last_stats = (event.step, time.perf_counter())
        weights = self.request.weights
        graph = self.training.graph
        values = to_numpy(graph.params[weights]).copy() if weights in graph.params else None
        self._publish(StatsEvent(event.epoch, event.step, weights=values))

    def _publish(self, event: StatsEvent) -> None:
        self.bridge.on_stats(event)
        if self.conv_layer is not None:
            self.bridge.set(
                activations=activation_maps(self.training, self.conv_layer, self.image_index)
            )


def activation_maps(run, layer: str, index: int) -> np.ndarray | None:
    """The output (C, H, W) of node ``layer`` for validation (else training) sample ``index``."""
    split = run.data.splits.val if len(run.data.splits.val) else run.data.splits.train
    if not len(split) or layer not in run.graph.nodes:
        return None
    graph, trainer = run.graph, run.trainer
    row = slice(index % len(split), index % len(split) + 1)
    xp = graph.xp
    feeds = {
        trainer.data_input: xp.asarray(split.X[row], dtype=graph.dtype),
        trainer.label_input: xp.asarray(split.y[row]),
    }
    graph.forward(feeds, train=False)
    value = to_numpy(graph.values[layer])
    return value[0].copy() if value.ndim == 4 else None


def predictions(run, X: np.ndarray) -> np.ndarray:
    """The engine's predicted classes (N,) for samples X in eval mode (batches of 1024)."""
    graph, trainer = run.graph, run.trainer
    xp, out = graph.xp, []
    for start in range(0, len(X), 1024):
        rows = X[start : start + 1024]
        feeds = {
            trainer.data_input: xp.asarray(rows, dtype=graph.dtype),
            trainer.label_input: xp.zeros(len(rows), dtype=np.int64),
        }
        graph.forward(feeds, train=False)
        out.append(to_numpy(graph.values[trainer.scores]).argmax(axis=1))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def final_results(run, grid: int | None = None) -> FinalResults | None:
    """Confusion matrix and misclassified samples of the validation split (else training), and
    with ``grid`` points per axis the final decision-boundary scores of 2-D data."""
    splits = run.data.splits
    split = splits.val if len(splits.val) else splits.train
    if run.trainer.scores is None or not len(split):
        return None
    predicted = predictions(run, split.X)
    classes = max(len(split.class_names), int(predicted.max()) + 1, int(split.y.max()) + 1)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (split.y, predicted), 1)
    wrong = np.flatnonzero(predicted != split.y)[:MISCLASSIFIED_KEPT]
    images = split.X[wrong] if split.is_image else None
    return FinalResults(
        confusion,
        tuple(split.class_names),
        images,
        split.y[wrong],
        predicted[wrong],
        grid_scores(run.trainer, grid) if grid else None,
    )
