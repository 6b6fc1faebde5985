"""Learning-rate schedules from the curriculum (lecture 7): step, exponential and 1/t decay.

A schedule maps the number of optimizer steps taken so far, t = 0, 1, 2, ..., to a learning
rate; the trainer sets ``optimizer.lr = schedule(t)`` before step t. ``lr0`` is the rate at
t = 0. Settings are :class:`engine.ops.base.Attr` records, read by the command line and the app.
"""

from __future__ import annotations

import math
from typing import ClassVar

from engine.errors import GraphLabError
from engine.ops.base import Attr
from engine.optim import validate_settings


def _lr0() -> Attr:
    return Attr("lr0", "float", 1e-3, "learning rate at step 0", 0.0, exclusive_minimum=True)


def _rate(doc: str, default: float) -> Attr:
    return Attr("k", "float", default, doc, minimum=0.0)


class Schedule:
    """Base class: ``schedule(t) -> lr``; subclasses set ``settings`` and ``rate``."""

    name: ClassVar[str]
    settings: ClassVar[tuple[Attr, ...]]

    def __init__(self, **settings) -> None:
        for key, value in validate_settings(type(self), settings).items():
            setattr(self, key, value)

    def __call__(self, t: int) -> float:
        return self.rate(t)

    def rate(self, t: int) -> float:
        raise NotImplementedError


class Constant(Schedule):
    """lr = lr0."""

    name = "constant"
    settings = (_lr0(),)

    def rate(self, t):
        return self.lr0


class StepDecay(Schedule):
    """lr = lr0 * gamma ** floor(t / every): multiply by gamma every ``every`` steps."""

    name = "step"
    settings = (
        _lr0(),
        Attr("every", "int", 1000, "steps between decays", minimum=1),
        Attr("gamma", "float", 0.5, "factor applied at each decay", 0.0, 1.0),
    )

    def rate(self, t):
        return self.lr0 * self.gamma ** (t // self.every)


class ExponentialDecay(Schedule):
    """lr = lr0 * exp(-k * t) (the curriculum's form; gamma ** t with gamma = exp(-k))."""

    name = "exponential"
    settings = (_lr0(), _rate("decay rate per step", 1e-3))

    def rate(self, t):
        return self.lr0 * math.exp(-self.k * t)


class InverseTimeDecay(Schedule):
    """lr = lr0 / (1 + k * t)."""

    name = "1/t"
    settings = (_lr0(), _rate("decay rate per step", 1e-3))

    def rate(self, t):
        return self.lr0 / (1.0 + self.k * t)


SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls for cls in (Constant, StepDecay, ExponentialDecay, InverseTimeDecay)
}


def schedule_class(name: str) -> type[Schedule]:
    """The schedule class registered as ``name`` (its ``settings`` list the Attr records)."""
    if name not in SCHEDULES:
        raise GraphLabError(f"unknown schedule {name!r}: expected one of {', '.join(SCHEDULES)}")
    return SCHEDULES[name]


def make_schedule(name: str, **settings) -> Schedule:
    """``make_schedule('step', lr0=1e-2, every=500, gamma=0.1)``."""
    return schedule_class(name)(**settings)
