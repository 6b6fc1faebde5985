"""Learning-rate schedules: 100 steps against their formulas, registry and validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.errors import GraphLabError
from engine.schedules import SCHEDULES, make_schedule, schedule_class

STEPS = np.arange(100)


def rates(schedule):
    return np.array([schedule(int(t)) for t in STEPS])


def test_constant():
    np.testing.assert_array_equal(rates(make_schedule("constant", lr0=0.3)), np.full(100, 0.3))


def test_step_decay_multiplies_by_gamma_every_k_steps():
    got = rates(make_schedule("step", lr0=0.1, every=30, gamma=0.5))
    expected = np.repeat([0.1, 0.05, 0.025, 0.0125], [30, 30, 30, 10])
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_exponential_decay():
    got = rates(make_schedule("exponential", lr0=0.1, k=0.05))
    np.testing.assert_allclose(got, 0.1 * np.exp(-0.05 * STEPS), rtol=1e-14)
    assert got[-1] == pytest.approx(0.1 * math.exp(-0.05 * 99))


def test_inverse_time_decay():
    got = rates(make_schedule("1/t", lr0=0.2, k=0.5))
    np.testing.assert_allclose(got, 0.2 / (1 + 0.5 * STEPS), rtol=1e-15)
    assert got[2] == pytest.approx(0.1)


def test_registry_defaults_and_errors():
    assert list(SCHEDULES) == ["constant", "step", "exponential", "1/t"]
    assert [a.name for a in schedule_class("step").settings] == ["lr0", "every", "gamma"]
    assert make_schedule("exponential")(0) == 1e-3
    with pytest.raises(GraphLabError, match="unknown schedule 'cosine'"):
        make_schedule("cosine")
    with pytest.raises(GraphLabError, match="'every'"):
        make_schedule("step", every=0)
    with pytest.raises(GraphLabError, match="no setting gamma"):
        make_schedule("1/t", gamma=0.5)
