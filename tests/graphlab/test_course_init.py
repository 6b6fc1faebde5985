"""The initialization experiment reproduces what the notes describe."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab.course.init_experiment import initial_weight, run_experiment


def test_small_weights_collapse_tanh_activations_to_zero():
    result = run_experiment("tanh", "0.01")
    std = result.activations.std
    assert len(std) == 10
    assert std[9] < 1e-3 * std[0]
    assert result.gradients.std[0] < 1e-3 * result.gradients.std[9]  # and the gradients vanish


def test_xavier_keeps_tanh_activations_alive():
    std = run_experiment("tanh", "xavier").activations.std
    assert 0.3 * std[0] <= std[9] <= 3 * std[0]


def test_unit_weights_saturate_tanh_at_plus_minus_one():
    result = run_experiment("tanh", "1.0", samples=200)
    counts, edges = result.activations.counts[9], result.activations.edges[9]
    outer = counts[0] + counts[-1]
    assert outer > 0.8 * counts.sum() and abs(edges[-1] - 1.0) < 1e-6


def test_he_keeps_relu_activations_alive():
    std = run_experiment("relu", "he", samples=200).activations.std
    assert 0.3 * std[0] <= std[9] <= 3 * std[0]


def test_statistics_match_a_plain_numpy_forward():
    result = run_experiment("relu", "xavier", layers=3, width=20, samples=30, seed=4)
    rng = np.random.default_rng(4)
    weights = [initial_weight("xavier", 20, 20, rng) for _ in range(3)]
    h = rng.standard_normal((30, 20))
    for i, w in enumerate(weights):
        h = np.maximum(h @ w, 0)
        assert abs(result.activations.std[i] - h.std()) < 1e-12
        assert abs(result.activations.counts[i].sum() - h.size) == 0


def test_an_unknown_scale_is_refused():
    with pytest.raises(ValueError, match="unknown scale"):
        run_experiment("tanh", "2.0")
