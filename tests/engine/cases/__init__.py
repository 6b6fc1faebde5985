"""Test cases for every op: inputs, attrs and the PyTorch reference, collected from the modules here.

Each module defines ``CASES``, a list of :class:`OpCase`. The harness in
``tests/engine/test_op_cases.py`` gradient-checks each case in float64 and compares forward
and backward with PyTorch when it is installed. Every registered op except those in
:data:`NO_CASES` must have at least three cases (broadcasting where it applies, a batch of 1,
odd sizes).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: ops without cases here, and why (tests/test_op_tables.py checks every op is in one or other)
NO_CASES = {
    "input": "a leaf: its value is fed, nothing to differentiate (tests/engine/test_graph.py)",
    "parameter": "a leaf: its value is the parameter itself (tests/engine/test_gradcheck.py)",
    "constant": "a leaf: its value is its attr (tests/engine/test_graph.py)",
}


@dataclass
class OpCase:
    """One op call to test.

    inputs maps each input port to an array (float64 for data, int64 for labels).
    torch, when given, takes (torch, *tensors in port order, **attrs) and returns the
    reference output; gradients are compared for the float inputs.
    """

    op: str
    inputs: dict[str, np.ndarray]
    attrs: dict[str, Any] = field(default_factory=dict)
    torch: Callable | None = None
    train: bool = False
    label: str = ""
    #: relative-error threshold of the gradient check (1e-6 unless a case says why not)
    tolerance: float = 1e-6

    @property
    def id(self) -> str:
        return f"{self.op}-{self.label}" if self.label else self.op


def rand(rng: np.random.Generator, *shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """Uniform float64 values in [low, high)."""
    return rng.uniform(low, high, size=shape)


def away_from(rng, *shape, kink=0.0, gap=0.1, scale=2.0) -> np.ndarray:
    """Values at least ``gap`` from ``kink`` on either side (for relu, abs, max, ...)."""
    magnitude = rng.uniform(gap, scale, size=shape)
    sign = rng.choice([-1.0, 1.0], size=shape)
    return kink + sign * magnitude


def all_cases() -> list[OpCase]:
    cases: list[OpCase] = []
    for module in pkgutil.iter_modules(__path__):
        cases.extend(importlib.import_module(f"{__name__}.{module.name}").CASES)
    return cases
