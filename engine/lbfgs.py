"""Limited-memory BFGS (lecture 7) for full-batch, deterministic losses: ``step(closure)``
with a backtracking line search. Registered with the other optimizers in :mod:`engine.optim`."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from engine.ops.base import Attr
from engine.optim import configure


class LBFGS:
    """Limited-memory BFGS for a full-batch, deterministic loss (lecture 7).

    ``step(closure)`` runs up to ``max_iter`` iterations; ``closure()`` evaluates the loss at
    the current parameters and returns ``(loss, grads)`` (grads: name -> array). Each
    iteration takes the two-loop-recursion direction from the last ``history`` curvature
    pairs and a backtracking line search from ``lr`` (Armijo condition; each retry goes to the
    minimum of the fitted parabola, kept within [t/10, t/2]; the first step is scaled to
    ``lr * min(1, 1 / |g|_1)`` as in PyTorch). A NaN loss counts as no decrease. Pairs with
    too little curvature (s.y <= 1e-10) are skipped, keeping the inverse Hessian positive
    definite.
    """

    name = "lbfgs"
    settings = (
        Attr("lr", "float", 1.0, "initial line-search step", minimum=0.0, exclusive_minimum=True),
        Attr("history", "int", 10, "curvature pairs kept", minimum=1),
        Attr("max_iter", "int", 20, "iterations per step call", minimum=1),
        Attr("tolerance_grad", "float", 1e-7, "stop when max |gradient| is below", minimum=0.0),
        Attr("tolerance_change", "float", 1e-9, "stop when loss or step change less", minimum=0.0),
    )
    armijo = 1e-4
    max_backtracks = 30
    #: each step takes the whole training split (its iterations are inside the step)
    full_batch = True

    def __init__(self, params: Mapping[str, Any], frozen=(), **settings) -> None:
        configure(self, params, frozen, settings)
        self.pairs: deque = deque(maxlen=self.history)

    def steps_per_epoch(self, samples: int, batch_size: int) -> int:
        """One full-batch step per epoch (of up to ``max_iter`` iterations), whatever the batch size."""
        return 1 if samples else 0

    def _evaluate(self, closure):
        loss, grads = closure()
        return float(loss), self.layout.gather(grads, self.layout.empty())

    def step(self, closure) -> float:
        """Minimise from the current parameters; returns the last loss."""
        xp, layout = self.xp, self.layout
        loss, grad = self._evaluate(closure)
        x = layout.gather(self.params, layout.empty())
        for _ in range(self.max_iter):
            if _max_abs(grad) <= self.tolerance_grad:
                break
            direction = self._direction(grad)
            slope = float(direction @ grad)
            if slope >= 0:  # not a descent direction: restart from steepest descent
                self.pairs.clear()
                direction, slope = -grad, -float(grad @ grad)
            t = self.lr if self.pairs else self.lr * min(1.0, 1.0 / float(xp.sum(xp.abs(grad))))
            for _ in range(self.max_backtracks):
                layout.scatter(x + t * direction)
                new_loss, new_grad = self._evaluate(closure)
                if new_loss <= loss + self.armijo * t * slope:
                    break
                t = _backtrack(t, loss, slope, new_loss)
            else:
                layout.scatter(x)
                break
            s, y = t * direction, new_grad - grad
            sy = float(s @ y)
            if sy > 1e-10:
                self.pairs.append((s, y, 1.0 / sy))
            converged = abs(new_loss - loss) < self.tolerance_change
            converged = converged or _max_abs(s) <= self.tolerance_change
            x, loss, grad = x + s, new_loss, new_grad
            if converged:
                break
        return loss

    def _direction(self, grad):
        """-H grad by the two-loop recursion over the stored pairs."""
        q = grad.copy()
        alphas = []
        for s, y, rho in reversed(self.pairs):
            alpha = rho * float(s @ q)
            q -= alpha * y
            alphas.append(alpha)
        if self.pairs:
            s, y, _ = self.pairs[-1]
            q *= float(s @ y) / float(y @ y)
        for (s, y, rho), alpha in zip(self.pairs, reversed(alphas), strict=True):
            beta = rho * float(y @ q)
            q += (alpha - beta) * s
        return -q


def _backtrack(t: float, loss: float, slope: float, new_loss: float) -> float:
    """The minimiser of the parabola through loss, slope at 0 and new_loss at t, kept in
    [t/10, t/2] (exact on a quadratic loss)."""
    curvature = new_loss - loss - slope * t
    best = -slope * t * t / (2.0 * curvature) if curvature > 0 else 0.5 * t
    return min(max(best, 0.1 * t), 0.5 * t)


def _max_abs(vector) -> float:
    return float(abs(vector).max()) if vector.size else 0.0
