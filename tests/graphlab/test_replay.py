"""Replaying past training steps: exact losses, per-node gradients, the store's budget,
lazy reading, the record, and ``graphlab replay``."""

import numpy as np
import pytest

from graphlab.examples import open_graph
from graphlab.fileformat import load_document, save_document
from graphlab.replay import ReplayError, SnapshotStore, replay_step
from graphlab.replay.store import SnapshotWriter, choose_interval
from graphlab.training import prepare_training
from graphlab.training.runs import saved_runs, with_run
from graphlab.training.session import TrainingSession
from tests.graphlab.replay_setup import cnn_digits_dropout
from tests.graphlab.test_cli import graphlab


def train(doc, folder, *, process=False, stats=False, budget=None):
    """Train ``doc`` in a session with snapshots; returns (session, {step: logged loss})."""
    folder.mkdir(parents=True, exist_ok=True)
    run = prepare_training(doc)
    options = {"snapshot_budget": budget} if budget else {}
    session = TrainingSession(
        run, process=process, stats=stats, metrics=folder / "m.csv", **options
    )
    logged, add = {}, session.record.add_steps

    def keep(steps):  # what reaches the record: the run's own floats, from either worker
        logged.update((int(s[1]), s[2]) for s in steps)
        add(steps)

    session.record.add_steps = keep
    session.start()
    session.join()
    session.finish()
    return session, logged


def fresh_pass(doc, replayed):
    """A new graph's forward/backward from the replayed weights, batch and dropout draws."""
    graph = doc.compile()
    for key, value in replayed.params.items():
        np.copyto(graph.params[key], value)
    rng = np.random.default_rng()
    rng.bit_generator.state = replayed.rng_state
    run = prepare_training(doc)
    graph.forward(replayed.feeds, train=True, rng=rng)
    graph.backward(run.trainer.loss)
    return graph


@pytest.fixture(scope="module")
def dropout_run(tmp_path_factory):
    doc = cnn_digits_dropout(epochs=3)
    session, logged = train(doc, tmp_path_factory.mktemp("run"))
    return doc, session.record, logged


def test_replayed_steps_give_the_logged_losses_bit_for_bit(dropout_run):
    doc, record, logged = dropout_run
    last = max(logged)
    assert last == 3 * SnapshotStore(record.snapshots).header["steps_per_epoch"]
    for step in (1, 57, last):
        replayed = replay_step(doc, record, step)
        assert replayed.step == step
        assert replayed.loss == logged[step], step  # float32 values, compared exactly


def test_cpu_training_is_deterministic_with_dropout_and_augmentation(tmp_path):
    """The same seed gives the same losses and weights, bit for bit, whether the run trains in
    a thread (``graphlab train``) or in a forked process with the dashboard's statistics."""
    thread, thread_losses = train(cnn_digits_dropout(epochs=1), tmp_path / "a")
    process, process_losses = train(
        cnn_digits_dropout(epochs=1), tmp_path / "b", process=True, stats=True
    )
    assert len(thread_losses) == 20 and thread_losses == process_losses
    for key, value in thread.run.graph.params.items():
        np.testing.assert_array_equal(process.run.graph.params[key], value, err_msg=key)


def test_a_run_that_continues_an_earlier_one_replays_exactly(tmp_path):
    doc = cnn_digits_dropout(epochs=1)
    train(doc, tmp_path / "first")
    session, logged = train(doc, tmp_path / "second")  # continues at step 21, epoch 2
    assert min(logged) == 21 and session.record.first_step == 20
    for step in (21, 33, max(logged)):
        assert replay_step(doc, session.record, step).loss == logged[step], step
    assert replay_step(doc, session.record, 33).epoch == 2


def test_replayed_gradients_equal_a_fresh_pass_from_the_restored_weights_and_batch(dropout_run):
    doc, record, logged = dropout_run
    replayed = replay_step(doc, record, 57)
    graph = replayed.graph
    assert float(graph.values["loss"]) == logged[57]  # this graph takes the per-node path
    fresh = fresh_pass(doc, replayed)
    assert set(fresh.grads) == set(graph.grads) and len(graph.grads) > 10
    for nid in graph.grads:
        np.testing.assert_array_equal(fresh.grads[nid], graph.grads[nid], err_msg=nid)
    norms = replayed.grad_norms()
    assert norms["conv1_W"] == pytest.approx(float(np.linalg.norm(fresh.grads["conv1_W"])))


def test_a_window_run_with_the_compiled_plan_and_statistics_replays_exactly(tmp_path):
    """Statistics steps take the per-node path while the plan takes the others, as timing
    decides: the store records which, and the replay follows the same path."""
    doc = open_graph("cnn-digits")  # no dropout: the compiled plan covers it
    doc.set_training({**doc.training, "epochs": 3})
    session, logged = train(doc, tmp_path, process=True, stats=True)
    store = SnapshotStore(session.record.snapshots)
    assert store.per_node_steps, "statistics steps should be recorded"
    assert any(s.plan for s in store.snapshots)
    for step in (2, max(store.per_node_steps), max(logged)):
        assert replay_step(doc, session.record, step).loss == logged[step], step


def test_the_store_of_a_15_epoch_run_stays_under_a_small_budget(tmp_path):
    doc = cnn_digits_dropout(epochs=15)
    run = prepare_training(doc)
    params = sum(p.nbytes for p in run.graph.params.values())
    budget = 9 * 3 * params  # about 9 snapshots of parameters and Adam's two moments
    session, logged = train(doc, tmp_path, budget=budget)
    store = SnapshotStore(session.record.snapshots)
    assert store.size() <= budget
    assert 3 <= len(store.snapshots) < 15  # fewer slots than epochs: every other epoch or so
    assert store.header["epoch_every"] > 1
    last = max(logged)
    assert replay_step(doc, session.record, last).loss == logged[last]


@pytest.mark.parametrize(
    ("steps", "per_epoch", "each", "budget", "expected"),
    [
        (300, 20, 1000, 10**9, (50, 1)),  # plenty of room: every 50 steps (the floor)
        (100_000, 10_000, 10**6, 1_010_000_000, (101, 1)),  # the budget sets the interval
        (300, 20, 10**6, 5 * 10**6, (0, 4)),  # fewer slots than epochs: every 4th epoch
        (300, 20, 10**6, 10**5, None),  # not even one
    ],
)
def test_the_interval_keeps_the_snapshots_within_the_budget(
    steps, per_epoch, each, budget, expected
):
    chosen = choose_interval(steps, per_epoch, each, budget)
    assert chosen == expected
    if chosen:
        every, epoch_every = chosen
        epochs = -(-steps // per_epoch)
        count = -(-epochs // epoch_every) + (steps // every if every else 0)
        assert count * each <= budget


def test_opening_a_project_reads_no_snapshot(dropout_run, tmp_path, monkeypatch):
    doc, record, _ = dropout_run
    doc.set_training(with_run(doc.training, record))
    path = tmp_path / "p.graphlab"
    save_document(doc, path)
    reads = []
    monkeypatch.setattr(SnapshotStore, "arrays", lambda self, meta: reads.append(meta))
    monkeypatch.setattr(SnapshotStore, "__init__", lambda self, folder: reads.append(folder))
    reopened = load_document(path)
    assert saved_runs(reopened.training)[-1].snapshots == record.snapshots
    assert reads == []


def test_replay_names_what_is_missing(dropout_run, tmp_path):
    doc, record, _ = dropout_run
    with pytest.raises(ReplayError, match="not in this run"):
        replay_step(doc, record, 10_000)
    stopped = saved_runs(with_run({}, record))[0]
    stopped.last_step = 30  # a run stopped at step 30 never took step 31
    with pytest.raises(ReplayError, match="step 31 is not in this run .it has steps 1 to 30"):
        replay_step(doc, stopped, 31)
    empty = SnapshotWriter(tmp_path / "empty", {"budget": 10, "first_step": 0, "total_steps": 9})
    empty.close()
    with pytest.raises(ReplayError, match="hold no snapshot"):
        SnapshotStore(empty.folder).nearest(1)
    edited = doc.snapshot()
    edited.set_attrs("drop", {"p": 0.5})
    edited.move_node("drop", (40.0, 40.0))
    with pytest.raises(ReplayError, match="the graph or its dataset changed since"):
        replay_step(edited, record, 3)
    moved = doc.snapshot()
    moved.move_node("drop", (40.0, 40.0))  # a position is not part of the computation
    assert replay_step(moved, record, 3).step == 3
    gone = saved_runs(with_run({}, record))[0]
    gone.snapshots = str(tmp_path / "nowhere")
    with pytest.raises(ReplayError, match="are gone"):
        replay_step(doc, gone, 3)


def test_graphlab_replay_prints_the_loss_and_gradient_norms_and_saves_arrays(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_RUNS_DIR", str(tmp_path / "runs"))
    project = tmp_path / "p.graphlab"
    save_document(cnn_digits_dropout(epochs=1), project)
    metrics = tmp_path / "m.csv"
    graphlab("train", str(project), "--save", str(project), "--metrics", str(metrics))
    graphlab("train", str(project), "--save", str(project))  # a second run, continuing
    out_file = tmp_path / "step.npz"
    out = graphlab("replay", str(project), "--run", "1", "--step", "7", "--out", str(out_file))
    doc = load_document(project)
    record, second = saved_runs(doc.training)
    assert second.name.startswith("run 2") and second.first_step == record.last_step
    assert "runs" not in second.settings  # a record never nests the document's runs
    assert "runs" not in SnapshotStore(second.snapshots).header["settings"]
    replayed = replay_step(doc, record, 7)
    assert f"step 7 (epoch 1): loss {replayed.loss!r}" in out.stdout
    assert "conv1_W" in out.stdout
    with np.load(out_file) as arrays:
        assert float(arrays["loss"]) == replayed.loss
        np.testing.assert_array_equal(arrays["grad/conv1_W"], replayed.graph.grads["conv1_W"])
        assert {f"value/{n}" for n in replayed.graph.values} <= set(arrays.files)
    later = graphlab("replay", str(project), "--run", "2", "--step", str(second.last_step))
    assert f"loss {replay_step(doc, second, second.last_step).loss!r}" in later.stdout
    refused = graphlab("replay", str(project), "--run", "3", "--step", "1", check=False)
    assert refused.returncode == 2 and "holds runs 1 to 2" in refused.stderr
