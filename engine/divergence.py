"""When a training run has diverged: the loss is not finite, or grew far past where it started.

``DivergenceRule(ratio=1e4, limit=1e6)``: a step's loss diverges when it is NaN or infinite,
when its magnitude exceeds ``limit``, or when it exceeds ``ratio`` times the first loss of the
run (only once it is above 1, so a loss that starts near 0 may still wobble).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import TrainingError


@dataclass
class DivergenceRule:
    """The divergence test of one run; remembers the run's first loss."""

    ratio: float = 1e4
    limit: float = 1e6
    first: float | None = None

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> DivergenceRule:
        """From a training setting ``{"ratio": 1e4, "limit": 1e6}`` (either key optional)."""
        settings = dict(settings or {})
        unknown = set(settings) - {"ratio", "limit"}
        if unknown:
            raise TrainingError(
                f"training setting 'divergence': unknown key {sorted(unknown)[0]!r} "
                "(known: ratio, limit)"
            )
        rule = cls(**settings)
        for key in ("ratio", "limit"):
            value = getattr(rule, key)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise TrainingError(
                    f"training setting 'divergence.{key}': expected a positive number, got {value!r}"
                )
        return rule

    def reason(self, loss: float) -> str | None:
        """Why ``loss`` (this step's) means divergence, in words; None while training is sane."""
        if not math.isfinite(loss):
            return f"the loss is {loss:g}"
        if self.first is None:
            self.first = loss
        if abs(loss) > self.limit:
            return f"the loss grew to {loss:.3g}, above the limit of {self.limit:g}"
        if self.first > 0 and loss > 1.0 and loss > self.ratio * self.first:
            return (
                f"the loss grew to {loss:.3g}, more than {self.ratio:g} times its first "
                f"value {self.first:.3g}"
            )
        return None


def diverged_error(trainer, step: int, feeds) -> TrainingError:
    """The error for a step whose loss, gradient or update is not finite."""
    graph = trainer.graph
    graph.forward(feeds, train=True, rng=np.random.default_rng(0))
    loss = float(graph.values[trainer.loss])
    if math.isfinite(loss):
        graph.backward(trainer.loss, wrt=trainer.trainable)
    overflowed = getattr(trainer.optimizer, "nonfinite", list)()
    culprit = "the update overflowed"
    if overflowed:
        culprit = f"{graph.label(overflowed[0])} got an update that is not finite"
    bad_value = _first_nonfinite(graph.order, graph.values)
    bad_grad = _first_nonfinite(graph.order, graph.grads)
    if bad_value is not None:
        culprit = f"{graph.label(bad_value)} is the first node whose output is not finite"
    elif bad_grad is not None:
        culprit = f"{graph.label(bad_grad)} is the first node whose gradient is not finite"
    return TrainingError(
        f"training stopped at step {step} (epoch {trainer.epoch}): the loss is {loss:g}; "
        f"{culprit}. The parameters are as they were before this step. Try a lower "
        f"learning rate (this step used {trainer.optimizer.lr:g})."
    )


def _first_nonfinite(order, arrays) -> str | None:
    """The first node id in ``order`` whose float array in ``arrays`` holds a NaN or inf."""
    for nid in order:
        array = arrays.get(nid)
        floats = array is not None and array.dtype.kind == "f" and array.size
        if floats and not math.isfinite(float(abs(array).max())):
            return nid
    return None
