"""The optimizer race: the engine's optimizers side by side on a two-parameter surface.

``Race(surface("ravine"), {"sgd": 0.45, "adam": None})`` gives each named optimizer its own
copy of the surface's graph (:mod:`graphlab.course.surfaces`) and an
:mod:`engine.optim` optimizer over its parameters x and y (None: the surface's default
rate). ``race.step()`` takes one step of every runner: forward, backward, ``opt.step``.
Each :class:`Runner` keeps its path ((steps + 1, 2) points) and losses ((steps + 1,)).
"""

from __future__ import annotations

import math

import numpy as np

from engine.optim import make_optimizer
from graphlab.course.surfaces import OPTIMIZERS, Surface


class Runner:
    """One optimizer on its own copy of the surface graph, with the path it took."""

    def __init__(self, surface: Surface, name: str, lr: float, rng: np.random.Generator) -> None:
        self.surface, self.name, self.lr, self.rng = surface, name, lr, rng
        self.graph = surface.graph("parameter")
        self.optimizer = make_optimizer(name, self.graph.params, lr=lr)
        self.points = [self.position()]
        self.losses = [self._loss(noisy=False)]
        self.diverged = False

    def position(self) -> tuple[float, float]:
        params = self.graph.params
        return float(params["x"][0]), float(params["y"][0])

    def _feeds(self, noisy: bool) -> dict:
        if not self.surface.noise:
            return {}
        offset = self.rng.normal(0.0, self.surface.noise, 2) if noisy else np.zeros(2)
        return {"nx": offset[:1], "ny": offset[1:]}

    def _loss(self, noisy: bool) -> float:
        return float(self.graph.forward(self._feeds(noisy))["loss"])

    def step(self) -> None:
        """One optimizer step on (a minibatch draw of) the surface; the clean loss is kept."""
        if self.diverged:
            return
        with np.errstate(over="ignore", invalid="ignore"):
            self._loss(noisy=True)
            grads = self.graph.backward("loss", wrt=("x", "y"))
            self.optimizer.step({k: grads[k] for k in ("x", "y")})
            loss = self._loss(noisy=False)
        point = self.position()
        self.diverged = not (math.isfinite(loss) and all(map(math.isfinite, point)))
        self.points.append(point)
        self.losses.append(loss)

    @property
    def path(self) -> np.ndarray:
        """(steps + 1, 2) positions, the start first."""
        return np.asarray(self.points)

    def distance_to_minimum(self) -> float:
        return float(np.hypot(*np.subtract(self.points[-1], self.surface.minimum)))


class Race:
    """Several runners from the surface's start, each with its own learning rate."""

    def __init__(self, surface: Surface, rates: dict[str, float | None], seed: int = 0) -> None:
        self.surface = surface
        self.runners = {
            name: Runner(surface, name, lr or surface.rates[name], np.random.default_rng(seed))
            for name, lr in rates.items()
        }
        self.steps = 0

    @classmethod
    def default(cls, surface: Surface, names=OPTIMIZERS, seed: int = 0) -> Race:
        return cls(surface, dict.fromkeys(names), seed)

    def step(self, count: int = 1) -> None:
        for _ in range(count):
            for runner in self.runners.values():
                runner.step()
            self.steps += 1

    def contour(self, resolution: int = 160) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xs (W,), ys (H,), f (H, W)) over the surface's plot window."""
        x0, x1, y0, y1 = self.surface.window
        xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
        return xs, ys, self.surface.values(xs, ys)
