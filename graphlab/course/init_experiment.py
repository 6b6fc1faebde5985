"""Numbers of the initialization experiment (the notes' "weight initialization" section).

A deep MLP (default 10 layers of width 500, tanh or ReLU, zero biases) is built as an engine
graph and run forward on random inputs x ~ N(0, 1), then backward from the last layer with a
random upstream gradient. Per layer we keep the mean, std and a histogram of the activations
and of their gradients, which show the collapse to zero (scale 0.01), saturation at +-1
(scale 1.0 with tanh) and the healthy case (Xavier for tanh, He for ReLU).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.build import GraphBuilder

SCALES = {
    "0.01": "W ~ 0.01 N(0, 1)",
    "1.0": "W ~ N(0, 1)",
    "xavier": "W ~ N(0, 1) / sqrt(fan_in)",
    "he": "W ~ N(0, 1) sqrt(2 / fan_in)",
}
ACTIVATIONS = ("tanh", "relu")
BINS = 40


@dataclass(frozen=True)
class LayerStats:
    """Per-layer statistics (L layers): mean (L,), std (L,), histogram counts (L, BINS) and
    bin edges (L, BINS + 1)."""

    mean: np.ndarray
    std: np.ndarray
    counts: np.ndarray
    edges: np.ndarray


@dataclass(frozen=True)
class InitResult:
    """The experiment's activations and activation gradients, layer by layer."""

    activation: str
    scale: str
    activations: LayerStats
    gradients: LayerStats


def initial_weight(scale: str, fan_in: int, fan_out: int, rng: np.random.Generator):
    """A (fan_in, fan_out) weight drawn with one of SCALES."""
    factors = {
        "0.01": 0.01,
        "1.0": 1.0,
        "xavier": 1.0 / math.sqrt(fan_in),
        "he": math.sqrt(2.0 / fan_in),
    }
    if scale not in factors:
        raise ValueError(f"unknown scale {scale!r}: expected one of {', '.join(SCALES)}")
    return rng.standard_normal((fan_in, fan_out)) * factors[scale]


def run_experiment(
    activation: str = "tanh",
    scale: str = "xavier",
    layers: int = 10,
    width: int = 500,
    samples: int = 1000,
    seed: int = 0,
) -> InitResult:
    """Forward and backward through the MLP; statistics of every hidden layer's output."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}: expected tanh or relu")
    rng = np.random.default_rng(seed)
    builder, params, outputs = GraphBuilder(), {}, []
    h = builder.add("input", id="x", shape=[-1, width])
    for i in range(1, layers + 1):
        w = builder.add("parameter", id=f"W{i}", shape=[width, width])
        b = builder.add("parameter", id=f"b{i}", shape=[width], init="zeros")
        params[w] = initial_weight(scale, width, width, rng)
        params[b] = np.zeros(width)
        h = builder.add(activation, builder.add("affine", h, w, b, id=f"fc{i}"), id=f"act{i}")
        outputs.append(h)
    graph = builder.build(dtype="float64", params=params)
    values = graph.forward({"x": rng.standard_normal((samples, width))})
    grads = graph.backward(output=h, grad=rng.standard_normal((samples, width)), wrt=outputs)
    return InitResult(
        activation,
        scale,
        layer_stats([values[o] for o in outputs]),
        layer_stats([grads[o] for o in outputs]),
    )


def layer_stats(arrays: list[np.ndarray]) -> LayerStats:
    """Mean, std and a histogram of each array, all over one symmetric range (the largest
    magnitude of any layer), so that shrinking and saturating layers look it side by side."""
    reach = max(float(np.abs(a).max()) for a in arrays) or 1.0
    histograms = [np.histogram(a, bins=BINS, range=(-reach, reach)) for a in arrays]
    return LayerStats(
        np.array([a.mean() for a in arrays]),
        np.array([a.std() for a in arrays]),
        np.array([counts for counts, _ in histograms]),
        np.array([edges for _, edges in histograms]),
    )
