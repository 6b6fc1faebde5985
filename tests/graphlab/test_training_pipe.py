"""The forked training process's pipe: steps and epochs travel in batches (a full-batch run ends
an epoch at every step), in order and complete; statistics come a full interval apart; a run
whose snapshot store holds none adds nothing per step."""

import time

from engine.metrics import EpochEvent, StatsRequest, StepEvent
from graphlab.examples import open_graph
from graphlab.replay.recorder import SnapshotRecorder
from graphlab.training import prepare_training
from graphlab.training.process_worker import PipeBridge
from graphlab.training.session import TrainingSession


class Recorded:
    """A pipe end that keeps what is sent."""

    def __init__(self) -> None:
        self.sent: list[tuple] = []

    def send(self, message) -> None:
        self.sent.append(message)


def test_steps_and_epochs_go_together_in_one_message_per_flush(monkeypatch):
    monkeypatch.setattr(PipeBridge, "FLUSH_SECONDS", 3600.0)
    conn = Recorded()
    bridge = PipeBridge(conn)
    for step in range(1, 201):
        bridge.on_step(StepEvent(step, step, 1.0 / step, 0.1))
        bridge.on_epoch(EpochEvent(step, step, 0.5, None, None))
    assert conn.sent == []  # nothing per step or per epoch
    bridge.on_stats("statistics")
    (kind, (steps, epochs)), stats = conn.sent
    assert kind == "batch" and stats == ("stats", "statistics")
    assert [s[1] for s in steps] == [e.step for e in epochs] == list(range(1, 201))


def test_what_waits_when_the_run_pauses_is_sent_all_the_same(monkeypatch):
    """The epoch published as the run pauses (no step follows it) reaches the window."""
    monkeypatch.setattr(PipeBridge, "FLUSH_SECONDS", 0.02)
    conn = Recorded()
    bridge = PipeBridge(conn)
    bridge.on_epoch(EpochEvent(3, 60, 0.5, 0.4, 1.2))
    deadline = time.monotonic() + 5
    while not conn.sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert conn.sent == [("batch", ([], [EpochEvent(3, 60, 0.5, 0.4, 1.2)]))]
    time.sleep(0.1)
    assert len(conn.sent) == 1  # nothing more while nothing waits


def run_in_process(tmp_path, epochs: int, stats: bool):
    run = prepare_training(open_graph("two-layer-net-spiral"), {"epochs": epochs, "seed": 1})
    session = TrainingSession(run, process=True, stats=stats, metrics=tmp_path / f"{stats}.csv")
    session.start()
    session.join(120)
    session.finish()
    return session.record, (tmp_path / f"{stats}.csv").read_text()


def test_a_full_batch_run_in_the_process_records_every_step_and_epoch(tmp_path):
    record, text = run_in_process(tmp_path, 300, stats=True)
    assert record.last_step == record.last_epoch == 300
    rows = text.splitlines()[1:]
    assert len(rows) == 300 and all(row.split(",")[-2] for row in rows)  # each has its accuracy
    _, without_stats = run_in_process(tmp_path, 300, stats=False)
    assert text == without_stats  # the statistics change nothing the run computes


def test_statistics_come_a_full_interval_after_the_last_when_it_changes():
    request = StatsRequest(print, every=10)
    assert [s for s in range(1, 40) if request.due(s)] == [10, 20, 30]
    request.every, request.start = 7, 23  # set at step 23: the next at 30, not 28
    assert [s for s in range(24, 45) if request.due(s)] == [30, 37, 44]


def test_a_store_too_small_for_a_snapshot_adds_no_step_callback(tmp_path):
    run = prepare_training(open_graph("two-layer-net-spiral"), {"epochs": 10_000_000})
    callbacks = list(run.trainer.metrics.step_callbacks)
    recorder = SnapshotRecorder(run, tmp_path / "none", budget=1024)
    assert recorder.every == recorder.epoch_every == 0
    assert run.trainer.metrics.step_callbacks == callbacks
