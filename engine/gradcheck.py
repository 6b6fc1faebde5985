"""Numerical gradient check: centred differences in float64 against a random upstream gradient."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.backend import to_numpy
from engine.graph import Graph

DEFAULT_STEP = 1e-5
DEFAULT_THRESHOLD = 1e-5


def relative_error(analytic, numeric, floor=1e-8) -> float:
    """The CS231n relative error: max over elements of |a - n| / max(floor, |a| + |n|)."""
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n) / np.maximum(floor, np.abs(a) + np.abs(n))))


def rounding_floor(value: float, step: float) -> float:
    """The gradient size below which rounding decides a centred difference.

    f(x + h) - f(x - h) carries a rounding error of about eps * |f|, so the difference
    quotient is uncertain by eps * |f| / h. Gradients smaller than a million times that
    cannot be compared to 1e-6 relative; they are compared against this floor instead.
    """
    return 1e-8 + 1e6 * np.finfo(np.float64).eps * max(1.0, abs(value)) / step


@dataclass
class CheckResult:
    """The check of one input or parameter node."""

    node: str
    kind: str  # 'input', 'parameter' or 'constant'
    error: float
    checked: int  # number of elements compared
    analytic: np.ndarray
    numeric: np.ndarray
    kinks: int = 0  # sampled elements left out: f is not smooth within one step of them


def gradient_check(
    graph: Graph,
    feeds=None,
    *,
    output: str | None = None,
    train: bool = False,
    seed: int = 0,
    step: float = DEFAULT_STEP,
    max_checks: int | None = 200,
    wrt=None,
) -> dict[str, CheckResult]:
    """Compare analytic and numerical gradients of every float input and parameter.

    The graph is copied to float64. The scalar checked is f = sum(output * R) for a random
    upstream gradient R (R = 1 for a scalar output). ``max_checks`` elements per array are
    sampled (None: all). Stochastic ops see the same random numbers at every evaluation.
    An element whose difference quotient disagrees is measured again with steps 10 and 100
    times smaller (a kink closer than the step spoils only the larger ones) and the closest
    is kept. Elements that still have a kink within the step (the one-sided differences
    disagree) are left out and counted; tiny gradients are compared against
    :func:`rounding_floor`.
    """
    g = graph.astype("float64")
    output = output or g.output()
    feeds = {k: np.asarray(to_numpy(v)) for k, v in (feeds or {}).items()}
    rng = np.random.default_rng(seed)
    state = {nid: dict(s) for nid, s in g.state.items()}

    def run() -> float:
        for nid, s in state.items():
            g.state[nid] = dict(s)
        g.forward(feeds, train=train, rng=np.random.default_rng(seed + 1))
        return float(g.xp.sum(g.values[output] * upstream))

    g.forward(feeds, train=train, rng=np.random.default_rng(seed + 1))
    out_shape = g.values[output].shape
    upstream = g.xp.asarray(rng.standard_normal(out_shape) if out_shape else np.ones(()))
    base = run()
    g.backward(output, grad=upstream)
    analytic_all = {nid: to_numpy(gr).copy() for nid, gr in g.grads.items()}
    targets = wrt if wrt is not None else _default_targets(g, feeds)
    results = {}
    for nid in targets:
        array, kind = _target_array(g, nid, feeds)
        analytic = analytic_all.get(nid, np.zeros(array.shape))
        flat = array.reshape(-1)
        picks = np.arange(flat.size)
        if max_checks is not None and flat.size > max_checks:
            picks = rng.choice(flat.size, size=max_checks, replace=False)
        a = analytic.reshape(-1)[picks]
        numeric, floors = np.empty(len(picks)), np.empty(len(picks))
        smooth = np.ones(len(picks), bool)
        for k, i in enumerate(picks):
            for h in (step, step / 10, step / 100):
                plus, minus = _perturbed(flat, i, h, run)
                n, floor = (plus - minus) / (2 * h), rounding_floor(base, h)
                if h == step or abs(a[k] - n) < abs(a[k] - numeric[k]):
                    numeric[k], floors[k] = n, floor
                    smooth[k] = _smooth(plus - base, base - minus, base)
                if relative_error(a[k], numeric[k], floors[k]) < 1e-8:
                    break
        error = relative_error(a[smooth], numeric[smooth], floors[smooth])
        kinks = int((~smooth).sum())
        results[nid] = CheckResult(nid, kind, error, len(picks) - kinks, a, numeric, kinks)
    return results


def _perturbed(flat, i: int, h: float, run) -> tuple[float, float]:
    """f with element ``i`` of ``flat`` moved by +h and by -h (restored afterwards)."""
    old = float(flat[i])
    flat[i] = old + h
    plus = run()
    flat[i] = old - h
    minus = run()
    flat[i] = old
    return plus, minus


def _smooth(rise: float, fall: float, base: float) -> bool:
    """False when the one-sided slopes disagree: a kink (ReLU at 0, a max-pool tie) lies
    within one step, where no finite difference approximates any derivative."""
    slack = 100 * np.finfo(np.float64).eps * max(1.0, abs(base))
    return abs(rise - fall) <= 0.01 * (abs(rise) + abs(fall)) + slack


def _default_targets(g: Graph, feeds) -> list[str]:
    floats = [
        nid for nid in g.nodes_of("input") if g.attrs[nid]["dtype"] == "float" and nid in feeds
    ]
    return floats + list(g.params)


def _target_array(g: Graph, nid: str, feeds):
    """The array that perturbing changes in place (float64, writable), and its kind."""
    if nid in g.params:
        return g.params[nid], "parameter"
    feeds[nid] = np.array(feeds[nid], dtype=np.float64)
    return feeds[nid], "input"
