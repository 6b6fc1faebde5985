"""Numerical gradient check: centred differences in float64 against a random upstream gradient."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.backend import to_numpy
from engine.graph import Graph

DEFAULT_STEP = 1e-5
DEFAULT_THRESHOLD = 1e-5


def relative_error(analytic, numeric) -> float:
    """The CS231n relative error: max over elements of |a - n| / max(1e-8, |a| + |n|)."""
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))))


@dataclass
class CheckResult:
    """The check of one input or parameter node."""

    node: str
    kind: str  # 'input', 'parameter' or 'constant'
    error: float
    checked: int  # number of elements compared
    analytic: np.ndarray
    numeric: np.ndarray


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

    The graph is copied to float64. The scalar checked is sum(output * R) for a random
    upstream gradient R (R = 1 for a scalar output). ``max_checks`` elements per array are
    sampled (None: all). Stochastic ops see the same random numbers at every evaluation.
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
    run()
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
        numeric = np.empty(len(picks))
        for k, i in enumerate(picks):
            old = float(flat[i])
            flat[i] = old + step
            plus = run()
            flat[i] = old - step
            minus = run()
            flat[i] = old
            numeric[k] = (plus - minus) / (2 * step)
        a = analytic.reshape(-1)[picks]
        results[nid] = CheckResult(nid, kind, relative_error(a, numeric), len(picks), a, numeric)
    return results


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
