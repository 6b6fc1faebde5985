"""A custom op trains in the window's forked training process, an error in its code ends
the run with the op's sentence (the user's line), not a crash, and Stop ends a run whose op
never returns (interrupting it, or terminating the process)."""

import time

import numpy as np
import pytest

from graphlab.custom_ops import parse_definition, time_limit, trust
from graphlab.examples import open_graph
from graphlab.training import prepare_training, process_worker, worker
from graphlab.training.session import TrainingSession
from tests.custom_op_sources import LATE_SPIN_LINES, SPIN, SWISH, spin_from, spiral_with
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


@pytest.mark.parametrize("in_process", [True, False], ids=["process", "thread"])
def test_stop_interrupts_an_op_that_never_returns(monkeypatch, in_process):
    """Stop interrupts the op's loop (in the process, which has no time limit: the window's,
    shortened here, would end the run by itself); the run keeps its last step's values."""
    monkeypatch.setattr(time_limit, "SECONDS", 0.2)
    monkeypatch.setattr(worker, "INTERRUPT_AFTER", 0.2)
    monkeypatch.setattr(process_worker, "STOP_GRACE", 2.0)
    trust([parse_definition("late_spin", spin_from())])
    run = prepare_training(spiral_with("late_spin"), {"epochs": 1000, "seed": 3})
    before = {k: v.copy() for k, v in run.graph.params.items()}
    session = TrainingSession(run, process=in_process)
    session.start()
    time.sleep(1.0)  # forty calls of forward are a few milliseconds
    stopped = time.perf_counter()
    session.stop()
    session.join(10)
    assert not session.is_alive() and time.perf_counter() - stopped < 1.5
    snap = session.finish()
    said = "custom op 'late_spin': forward was still running when training was stopped (an endless loop?) "  # fmt: skip
    assert said in snap.error and snap.error.endswith(LATE_SPIN_LINES)
    assert 0 < session.record.last_step == run.trainer.step
    assert any(not np.array_equal(v, before[k]) for k, v in run.graph.params.items())


def test_stop_ends_a_process_whose_op_cannot_be_interrupted(monkeypatch):
    """An op asleep in time.sleep ignores the interruption: the process is terminated after the
    grace, and the parameters are those before the run."""
    monkeypatch.setattr(worker, "INTERRUPT_AFTER", 0.2)
    monkeypatch.setattr(process_worker, "STOP_GRACE", 0.5)
    sleeper = SPIN.replace("    turns = 0\n", "    import time\n    time.sleep(3600)\n")
    trust([parse_definition("spin", sleeper)])
    run = prepare_training(spiral_with("spin"), {"epochs": 100, "seed": 3})
    before = {k: v.copy() for k, v in run.graph.params.items()}
    session = TrainingSession(run, process=True)
    session.start()
    time.sleep(0.5)
    stopped = time.perf_counter()
    session.stop()
    session.join(10)
    assert not session.is_alive() and time.perf_counter() - stopped < 3.0
    snap = session.finish()
    assert snap.error == process_worker.STOP_LOST.format(0.5)
    assert snap.error.endswith("the parameters are those before the run")
    for key, value in run.graph.params.items():
        np.testing.assert_array_equal(value, before[key])


def test_only_a_graph_with_custom_ops_is_ended_after_the_grace():
    """A built-in step always ends, however slow (an imported ResNet on big images): its
    process is waited for, never terminated with the run's training lost."""
    trust([parse_definition("swish", SWISH)])
    sessions = {
        name: TrainingSession(prepare_training(doc, {"epochs": 1, "seed": 3}), process=True)
        for name, doc in (("built-in", open_graph("two-layer-net-spiral")), ("custom", spiral_with("swish")))
    }  # fmt: skip
    long_ago = time.monotonic() - 100 * process_worker.STOP_GRACE
    for session in sessions.values():
        session.worker.stopped_at = long_ago  # never started: the grace alone decides
    assert sessions["built-in"].worker._overdue() is None
    assert sessions["custom"].worker._overdue() == process_worker.STOP_LOST.format(
        process_worker.STOP_GRACE
    )
