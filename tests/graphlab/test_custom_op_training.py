"""A custom op trains in the window's forked training process, and an error in its code ends
the run with the op's sentence (the user's line), not a crash."""

import numpy as np

from graphlab.custom_ops import parse_definition, trust
from graphlab.training import prepare_training
from graphlab.training.session import TrainingSession
from tests.custom_op_sources import SWISH, spiral_with
from tests.graphlab.test_custom_ops import train_losses


def session_run(doc, epochs):
    run = prepare_training(doc, {"epochs": epochs, "seed": 3})
    session = TrainingSession(run, process=True)
    session.start()
    session.join(60)
    snap = session.finish()
    return session, snap


def test_the_forked_training_process_runs_the_op():
    trust([parse_definition("swish", SWISH)])
    session, snap = session_run(spiral_with("swish"), 5)
    assert snap.error is None and session.record.last_step == 5
    expected = train_losses(spiral_with("swish"), 5)[-1]
    np.testing.assert_allclose(session.record.latest["loss"], expected, atol=1e-6)


def test_an_error_in_the_ops_code_ends_the_run_with_its_line():
    failing = SWISH.replace("    return x * s, (x, s)", "    assert x.max() < 1e-4, 'too big'\n    return x * s, (x, s)")  # fmt: skip
    trust([parse_definition("swish", failing)])
    doc = spiral_with("swish")
    session, snap = session_run(doc, 3)
    assert "custom op 'swish': forward raised AssertionError: too big" in snap.error
    assert "(line 10: assert x.max() < 1e-4, 'too big')" in snap.error
