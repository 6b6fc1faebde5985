"""Flush-to-zero while training: subnormal floats count as 0 inside the trainer, not after."""

import numpy as np
import pytest

from engine import fpenv
from graphlab.examples import open_graph
from graphlab.training import prepare_training

TINY = np.float32(1e-39)  # subnormal in float32


@pytest.mark.skipif(not fpenv.supported(), reason="flush-to-zero is set on Linux x86-64 only")
def test_subnormals_flush_inside_the_block_and_the_trainer_only():
    assert TINY * np.float32(1) == TINY
    with fpenv.flush_to_zero():
        assert TINY * np.float32(1) == 0
    assert TINY * np.float32(1) == TINY  # restored
    run = prepare_training(open_graph("two-layer-net-spiral"), {"epochs": 2})
    seen = []
    run.trainer.metrics.on_step(lambda event: seen.append(float(TINY * np.float32(1))))
    run.trainer.run()
    run.trainer.flush_subnormals = False
    run.trainer.run()
    assert seen == [0.0, 0.0, float(TINY), float(TINY)]
