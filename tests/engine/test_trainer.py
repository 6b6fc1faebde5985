"""Trainer: determinism, divergence, pause/resume/stop from a thread, spiral data, metrics."""

from __future__ import annotations

import importlib.util
import math
import threading
import time

import numpy as np
import pytest

from engine.build import GraphBuilder
from engine.divergence import DivergenceRule
from engine.errors import TrainingError
from engine.metrics import Histogram
from engine.optim import SGD, Adam, make_optimizer
from engine.schedules import make_schedule
from engine.trainer import Trainer


def spiral(seed: int = 0, per_class: int = 100, classes: int = 3):
    """The CS231n spiral: X (classes * per_class, 2), y (classes * per_class,)."""
    rng = np.random.default_rng(seed)
    X = np.zeros((per_class * classes, 2))
    y = np.repeat(np.arange(classes), per_class)
    for j in range(classes):
        r = np.linspace(0.0, 1.0, per_class)
        t = np.linspace(j * 4, (j + 1) * 4, per_class) + rng.standard_normal(per_class) * 0.2
        X[y == j] = np.c_[r * np.sin(t), r * np.cos(t)]
    return X, y


def two_layer_net(hidden: int = 100, reg: float = 0.0, seed: int = 0, frozen_b2=False):
    """affine -> relu -> affine -> softmax loss (+ L2 penalties on W1, W2 when reg > 0)."""
    b = GraphBuilder()
    x = b.add("input", id="x", shape=[-1, 2])
    y = b.add("input", id="y", shape=[-1], dtype="int")
    W1 = b.add("parameter", id="W1", shape=[2, hidden], init="he")
    b1 = b.add("parameter", id="b1", shape=[hidden], init="zeros")
    h = b.add("relu", b.add("affine", x, W1, b1, id="fc1"), id="relu1")
    W2 = b.add("parameter", id="W2", shape=[hidden, 3], init="xavier")
    b2 = b.add("parameter", id="b2", shape=[3], init="relu_bias", frozen=frozen_b2)
    scores = b.add("affine", h, W2, b2, id="fc2")
    loss = b.add("softmax_cross_entropy", scores, y, id="data_loss" if reg else "loss")
    if reg:
        penalties = [b.add("l2_penalty", w, id=f"reg_{w}", strength=reg) for w in (W1, W2)]
        b.add("add", b.add("add", loss, penalties[0], id="partial"), penalties[1], id="loss")
    return b.build(seed=seed)


def make_trainer(graph=None, **options):
    X, y = spiral()
    graph = graph or two_layer_net()
    settings = {"optimizer": Adam(graph.params, lr=1e-2), "batch_size": 32, "epochs": 1}
    settings.update(options)
    return Trainer(graph, "loss", "x", "y", (X, y), **settings)


def test_same_seed_gives_bit_identical_losses_and_another_seed_does_not():
    runs = [make_trainer(epochs=3, seed=seed).run().losses for seed in (5, 5, 6)]
    assert len(runs[0]) == 30
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_compiled_plan_and_per_node_path_agree():
    planned, plain = make_trainer(epochs=2), make_trainer(epochs=2, use_plan=False)
    np.testing.assert_allclose(planned.run().losses, plain.run().losses, rtol=1e-4)
    assert plain.plan is None
    if importlib.util.find_spec("engine.plan") is not None:  # the plan covers this chain
        assert planned.plan is not None, planned.plan_reason


def test_evaluation_through_the_plan_equals_the_per_node_evaluation():
    planned = make_trainer(epochs=2)
    planned.run()
    assert planned.plan is not None, planned.plan_reason
    plain = make_trainer(epochs=0, use_plan=False)
    for key, value in planned.graph.params.items():
        plain.graph.params[key][...] = value
    calls = []
    plain_forward = planned.graph.forward
    planned.graph.forward = lambda *a, **k: calls.append(1) or plain_forward(*a, **k)
    for rows in (slice(None), slice(0, 45)):
        accuracy, loss = planned.evaluate(planned.X[rows], planned.y[rows])
        expected_accuracy, expected_loss = plain.evaluate(plain.X[rows], plain.y[rows])
        assert accuracy == expected_accuracy
        assert loss == pytest.approx(expected_loss, rel=1e-5)
    assert not calls  # the plan did the forward passes


def test_two_layer_net_learns_the_spiral():
    X, y = spiral()
    events = []
    trainer = make_trainer(epochs=60, val=(X, y))
    trainer.metrics.on_epoch(events.append)
    history = trainer.run()
    assert history.epochs == events and len(events) == 60
    assert events[-1].train_accuracy >= 0.95
    assert events[-1].val_accuracy >= 0.95
    assert events[-1].val_loss < history.losses[0] / 3


def test_regularised_net_finds_scores_through_the_penalty_sum():
    trainer = make_trainer(two_layer_net(reg=1e-3), epochs=30)
    assert trainer.scores == "fc2"
    assert trainer.run().epochs[-1].train_accuracy >= 0.9


def test_huge_learning_rate_stops_with_a_message_and_keeps_parameters():
    graph = two_layer_net(reg=1e-3)
    trainer = make_trainer(graph, optimizer=SGD(graph.params, lr=1e6), epochs=50)
    trainer.divergence = DivergenceRule(ratio=math.inf, limit=math.inf)  # on to NaN/inf
    last_good = {}
    trainer.metrics.on_step(
        lambda e: last_good.update({k: v.copy() for k, v in graph.params.items()})
    )
    with pytest.raises(TrainingError) as caught:
        trainer.run()
    message = str(caught.value)
    assert f"at step {trainer.step + 1} " in message
    assert 'node "' in message and "lower learning rate" in message
    for key, value in graph.params.items():
        assert np.isfinite(value).all(), key
        np.testing.assert_array_equal(value, last_good[key], err_msg=key)


@pytest.mark.parametrize("use_plan", [True, False])
def test_frozen_parameters_are_not_trained(use_plan):
    for build_optimizer in ("sgd", lambda params: Adam(params)):  # the second ignores frozen
        graph = two_layer_net(frozen_b2=True)
        optimizer = (
            build_optimizer if isinstance(build_optimizer, str) else build_optimizer(graph.params)
        )
        b2, W2 = graph.params["b2"].copy(), graph.params["W2"].copy()
        make_trainer(graph, optimizer=optimizer, epochs=1, use_plan=use_plan).run()
        np.testing.assert_array_equal(graph.params["b2"], b2)
        assert not np.array_equal(graph.params["W2"], W2)


def test_schedule_sets_the_learning_rate_of_each_step():
    steps = []
    schedule = make_schedule("step", lr0=0.1, every=4, gamma=0.5)
    trainer = make_trainer(optimizer="momentum", schedule=schedule, epochs=1)
    trainer.metrics.on_step(steps.append)
    trainer.run()
    assert [e.step for e in steps] == list(range(1, 11))
    assert [e.lr for e in steps] == [schedule(t) for t in range(10)]
    assert all(e.epoch == 1 and np.isfinite(e.loss) for e in steps)


def test_lbfgs_trains_full_batch_one_step_per_epoch():
    graph = two_layer_net(hidden=20)
    trainer = make_trainer(graph, optimizer=make_optimizer("lbfgs", graph.params), epochs=3)
    history = trainer.run()
    assert len(history.losses) == 3
    assert history.losses[-1] < history.losses[0] < 1.2


def run_in_thread(trainer):
    result = {}
    thread = threading.Thread(target=lambda: result.update(history=trainer.run()))
    thread.start()
    return thread, result


def wait_for_step(trainer, target, timeout=20.0):
    deadline = time.monotonic() + timeout
    while trainer.step < target:
        assert time.monotonic() < deadline, f"stuck at step {trainer.step}"
        time.sleep(0.005)


def test_pause_resume_and_stop_from_another_thread():
    trainer = make_trainer(epochs=100_000)
    thread, result = run_in_thread(trainer)
    wait_for_step(trainer, 5)
    trainer.pause()
    time.sleep(0.05)  # let the step in flight finish
    held, cpu = trainer.step, time.process_time()
    time.sleep(0.3)
    assert trainer.step == held and trainer.paused and thread.is_alive()
    assert time.process_time() - cpu < 0.1  # blocked, not spinning
    trainer.resume()
    wait_for_step(trainer, held + 5)
    trainer.stop()
    thread.join(10)
    assert not thread.is_alive()
    assert result["history"].stopped
    assert len(result["history"].losses) == trainer.step


def test_stop_while_paused_ends_the_run():
    trainer = make_trainer(epochs=100_000)
    thread, result = run_in_thread(trainer)
    wait_for_step(trainer, 2)
    trainer.pause()
    trainer.stop()
    thread.join(10)
    assert not thread.is_alive() and result["history"].stopped


def test_statistics_arrive_at_the_requested_rates_with_their_fields(monkeypatch):
    histograms = []
    original = Histogram.of.__func__
    monkeypatch.setattr(
        Histogram, "of", classmethod(lambda cls, a, b: histograms.append(1) or original(cls, a, b))
    )
    trainer = make_trainer(epochs=2)  # 20 steps: 9 of 32 rows and one of 12 per epoch
    every7, every5 = [], []
    trainer.metrics.on_stats(every7.append, every=7)
    trainer.metrics.on_stats(
        every5.append, every=5, gradients=False, histograms=True, bins=12, weights="W1", grid=16
    )
    trainer.run()

    assert [e.step for e in every7] == [7, 14]
    assert [e.epoch for e in every7] == [1, 2]
    for event in every7:
        assert set(event.grad_norms) == set(event.update_ratios) == {"W1", "b1", "W2", "b2"}
        assert all(v > 0 for v in event.grad_norms.values())
        assert all(1e-5 < v < 1 for v in event.update_ratios.values())
        assert event.activation_histograms == {} and event.grid is None

    assert [e.step for e in every5] == [5, 10, 15, 20]
    assert len(histograms) == 4 * 2  # relu1's output and gradient, only on due steps
    for event, rows in zip(every5, [32, 12, 32, 12], strict=True):
        assert event.grad_norms == {}
        histogram = event.activation_histograms["relu1"]
        assert histogram.counts.shape == (12,) and histogram.edges.shape == (13,)
        assert histogram.counts.sum() == rows * 100
        assert event.gradient_histograms["relu1"].counts.sum() == rows * 100
        assert event.weights.shape == (2, 100)
        assert event.grid.scores.shape == (16, 16, 3)
        assert event.grid.xs.shape == event.grid.ys.shape == (16,)
    np.testing.assert_array_equal(every5[-1].weights, trainer.graph.params["W1"])


def test_unsubscribed_callbacks_stop_receiving():
    trainer = make_trainer(epochs=1)
    seen = []
    trainer.metrics.on_step(seen.append)
    trainer.metrics.on_stats(seen.append, every=1)
    trainer.metrics.remove(seen.append)
    trainer.run()
    assert seen == []


def test_histograms_match_numpy_and_sample_large_arrays():
    rng = np.random.default_rng(0)
    small = rng.standard_normal(1000)
    ours = Histogram.of(small, 20)
    counts, edges = np.histogram(small, bins=20)
    np.testing.assert_allclose(ours.edges, edges)
    assert np.abs(ours.counts - counts).max() <= 1 and ours.counts.sum() == 1000
    large = np.concatenate([rng.standard_normal(200_000), [np.nan, np.inf]]).astype(np.float32)
    sampled = Histogram.of(large, 30)
    assert 3_000 < sampled.counts.sum() <= 5_000
    assert np.isfinite(sampled.edges).all() and sampled.counts.argmax() in range(12, 18)
    assert Histogram.of(np.zeros(5), 4).counts.sum() == 5


def test_histogram_samples_see_every_column_of_image_batches():
    """A (N, C, H, W) batch whose value is the column index: each column keeps its share."""
    columns = np.broadcast_to(np.arange(8.0), (64, 16, 8, 8)).copy()
    histogram = Histogram.of(columns, 8)
    assert histogram.counts.sum() > 1000
    assert histogram.counts.min() > 0.8 * histogram.counts.max()
