"""End-of-epoch evaluation overlapped with the next epoch: the same events as inline, in
order, from another thread, published by the time the run pauses or ends."""

import os
import threading
import time

import numpy as np
import pytest

from engine.errors import TrainingError
from engine.evaluation import BACKGROUND_NICENESS, grid_scores
from engine.metrics import grid_points
from tests.engine.test_trainer import make_trainer, run_in_thread


def background_trainer(**options):
    trainer = make_trainer(**options)
    trainer.background_evaluation = True
    return trainer


def evaluating_threads(trainer) -> list[tuple[str, int]]:
    """Record the thread and its nice value for every plan evaluation (the plan exists
    after the first step)."""
    names: list[tuple[str, int]] = []
    original = trainer.train_step

    def train_step(X, y):
        loss = original(X, y)
        plan = trainer.plan
        if plan is not None and not names and not hasattr(plan, "recorded"):
            evaluate, plan.recorded = plan.evaluate, True
            plan.evaluate = lambda *a: names.append(current_thread()) or evaluate(*a)
        return loss

    trainer.train_step = train_step
    return names


def current_thread() -> tuple[str, int]:
    return threading.current_thread().name, os.getpriority(
        os.PRIO_PROCESS, threading.get_native_id()
    )


def test_background_evaluation_gives_the_inline_events_from_another_thread():
    inline = make_trainer(epochs=4, seed=3)
    background = background_trainer(epochs=4, seed=3)
    threads = evaluating_threads(background)
    published = []
    background.metrics.on_epoch(lambda event: published.append((event.epoch, background.step)))
    expected, got = inline.run(), background.run()
    assert got.losses == expected.losses
    assert [e.epoch for e in got.epochs] == [1, 2, 3, 4]
    for a, b in zip(got.epochs, expected.epochs, strict=True):
        assert (a.step, a.train_accuracy) == (b.step, b.train_accuracy)
    assert threads and all(name.startswith("graphlab-evaluation") for name, _ in threads)
    assert {nice for _, nice in threads} == {current_thread()[1] + BACKGROUND_NICENESS}
    # each epoch's event went out during a later step (or at the end), never before it ended
    assert all(step >= 10 * epoch for epoch, step in published)


def test_with_validation_the_losses_and_accuracies_match():
    X, y = make_trainer().X, make_trainer().y
    val = (np.asarray(X[::7]), np.asarray(y[::7]))
    inline = make_trainer(epochs=3, val=val)
    background = background_trainer(epochs=3, val=val)
    for a, b in zip(background.run().epochs, inline.run().epochs, strict=True):
        assert a.val_accuracy == b.val_accuracy
        assert a.val_loss == pytest.approx(b.val_loss, rel=1e-6)


def test_without_the_compiled_plan_it_evaluates_inline():
    trainer = background_trainer(epochs=2, use_plan=False)
    published = []
    trainer.metrics.on_epoch(lambda event: published.append((event.epoch, trainer.step)))
    trainer.run()
    assert published == [(1, 10), (2, 20)]  # right after each epoch's last step


def test_a_full_batch_run_evaluates_inline():
    """One step per epoch: handing each evaluation to the thread would cost more than it saves."""
    trainer = background_trainer(epochs=3, batch_size=len(make_trainer().X))
    threads = evaluating_threads(trainer)
    published = []
    trainer.metrics.on_epoch(lambda event: published.append((event.epoch, trainer.step)))
    trainer.run()
    assert trainer.plan is not None, trainer.plan_reason
    assert published == [(1, 1), (2, 2), (3, 3)]  # right after each epoch's only step
    assert threads and set(threads) == {current_thread()}


def test_pausing_publishes_the_last_epoch_first():
    trainer = background_trainer(epochs=100_000)
    epochs = []
    trainer.metrics.on_epoch(lambda event: epochs.append(event.epoch))
    trainer.metrics.on_step(lambda event: event.step == 30 and trainer.pause())  # epoch 3's end
    thread, result = run_in_thread(trainer)
    try:
        deadline = time.monotonic() + 10.0
        while epochs != [1, 2, 3] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert epochs == [1, 2, 3], "the pause did not publish epoch 3's evaluation"
        assert trainer.paused and trainer.step == 30
    finally:
        trainer.stop()
        thread.join(10)
    assert not thread.is_alive() and result["history"].stopped
    assert [e.epoch for e in result["history"].epochs] == [1, 2, 3]


def test_a_diverging_run_drops_the_pending_evaluation():
    trainer = background_trainer(epochs=50)
    original = trainer.train_step

    def diverge_in_epoch_three(X, y):
        if trainer.step == 25:
            raise TrainingError("diverged")
        return original(X, y)

    trainer.train_step = diverge_in_epoch_three
    with pytest.raises(TrainingError):
        trainer.run()
    assert trainer.evaluations._pool is None and trainer.evaluations.wait() == []


def test_the_decision_grid_goes_through_the_plan_unless_an_evaluation_holds_it(monkeypatch):
    """The grid's scores equal the per-node forward's; the plan computes them, except while a
    background evaluation may be using its evaluation chain."""
    trainer = make_trainer(epochs=1)
    trainer.run()
    assert trainer.plan is not None and trainer.X.shape[1:] == (2,)
    xs, ys, points = grid_points(trainer.X, 12)
    trainer.graph.forward({"x": points, "y": np.zeros(len(points), dtype=np.int64)}, train=False)
    expected = trainer.graph.values[trainer.scores].reshape(12, 12, -1).copy()
    calls = []
    evaluate = trainer.plan.evaluate
    trainer.plan.evaluate = lambda *a: calls.append(1) or evaluate(*a)
    grid = grid_scores(trainer, 12)
    np.testing.assert_allclose(grid.scores, expected, rtol=1e-5, atol=1e-6)
    assert calls == [1]
    monkeypatch.setattr(trainer.evaluations, "running", lambda: True)
    np.testing.assert_allclose(grid_scores(trainer, 12).scores, expected, rtol=1e-5, atol=1e-6)
    assert calls == [1]  # the per-node path this time
