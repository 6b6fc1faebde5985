"""The Qt-free training session: steps per epoch as the optimizer answers, the one metrics
CSV format (rows held until their epoch's accuracies arrive), and the session's record."""

import csv
import subprocess
import sys

import numpy as np
import pytest

from engine.optim import make_optimizer
from graphlab.examples import open_graph
from graphlab.training import prepare_training
from graphlab.training.metrics_csv import FIELDS, MetricsCsv
from graphlab.training.session import TrainingSession, stats_interval


@pytest.mark.parametrize(
    ("optimizer", "batch_size", "per_epoch"), [("sgd", 64, 5), ("sgd", 300, 1), ("lbfgs", 64, 1)]
)
def test_steps_per_epoch_is_what_the_trainer_does(optimizer, batch_size, per_epoch):
    run = prepare_training(
        open_graph("two-layer-net-spiral"),
        {"optimizer": optimizer, "batch_size": batch_size, "epochs": 2, "lr": 0.5},
    )
    trainer = run.trainer
    assert trainer.steps_per_epoch == per_epoch  # 300 samples: 4 batches of 64 and one of 44
    steps = []
    trainer.metrics.on_step(lambda event: steps.append(event.epoch))
    trainer.run()
    assert steps == [1] * per_epoch + [2] * per_epoch


def test_lbfgs_answers_one_step_per_epoch_whatever_the_batch():
    params = {"w": np.zeros(3, dtype=np.float32)}
    lbfgs, sgd = make_optimizer("lbfgs", params), make_optimizer("sgd", params)
    assert [lbfgs.steps_per_epoch(n, 7) for n in (0, 1, 300)] == [0, 1, 1]
    assert [sgd.steps_per_epoch(n, 7) for n in (0, 1, 7, 8, 300)] == [0, 1, 1, 2, 43]
    assert stats_interval(20) == 5 and stats_interval(1) == 10


def _rows(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def test_rows_wait_for_their_epoch_accuracies_however_late_they_come(tmp_path):
    """Inline evaluation (accuracies right after the epoch's last step) and background
    evaluation (a few steps into the next epoch) write the same bytes."""
    steps = [(1 + (s - 1) // 3, s, 1.0 / s, 0.1) for s in range(1, 8)]  # epochs of 3 steps
    ends = {3: (0.5, 0.25), 6: (0.75, None)}
    inline, late = MetricsCsv(tmp_path / "inline.csv"), MetricsCsv(tmp_path / "late.csv")
    for row in steps:
        inline.add_steps([row])
        if row[1] in ends:
            inline.add_epoch_end(row[1], *ends[row[1]])
    late.add_steps(steps[:5])
    assert len(_rows(tmp_path / "late.csv")) <= 3  # the header, steps 1-2; 3 waits for epoch 1
    late.add_epoch_end(3, *ends[3])
    late.add_steps(steps[5:])
    late.add_epoch_end(6, *ends[6])
    inline.close()
    late.close()
    assert (tmp_path / "inline.csv").read_bytes() == (tmp_path / "late.csv").read_bytes()
    rows = _rows(tmp_path / "late.csv")
    assert rows[0] == list(FIELDS)
    assert rows[3] == ["1", "3", "0.333333", "0.1", "0.5", "0.25"]
    assert rows[6] == ["2", "6", "0.166667", "0.1", "0.75", ""]
    assert rows[7] == ["3", "7", "0.142857", "0.1", "", ""]  # a stopped epoch: no accuracies
    assert [r[4] for r in rows[1:]] == ["", "", "0.5", "", "", "0.75", ""]


def test_a_thread_session_records_and_streams_the_run_as_the_command_line(tmp_path):
    """The session in a thread (as ``graphlab train`` runs it) fills its record and the
    metrics file; the file equals the record's own export and the command line's."""
    path, exported, cli = tmp_path / "session.csv", tmp_path / "export.csv", tmp_path / "cli.csv"
    doc = open_graph("two-layer-net-spiral")
    run = prepare_training(doc, {"epochs": 7, "seed": 0, "batch_size": 64})
    session = TrainingSession(run, metrics=path)
    session.start()
    session.finish()
    record = session.record
    assert session.total_steps == 35 and session.steps_done() == 35
    assert record.steps == record.last_step == 35 and record.last_epoch == 7
    assert record.metrics == str(path)
    assert doc.training["progress"]["step"] == 35  # written back
    record.write_csv(exported)
    subprocess.run(
        [sys.executable, "-m", "graphlab.cli", "train", "two-layer-net-spiral", "--epochs", "7",
         "--seed", "0", "--batch-size", "64", "--metrics", str(cli)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert path.read_bytes() == exported.read_bytes() == cli.read_bytes()
    assert len(_rows(path)) == 36


def test_lbfgs_progress_on_the_command_line_counts_one_step_per_epoch():
    result = subprocess.run(
        [sys.executable, "-m", "graphlab.cli", "train", "two-layer-net-spiral",
         "--optimizer", "lbfgs", "--lr", "1", "--epochs", "3"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    lines = result.stderr.strip().splitlines()  # a pipe: epoch lines, no bar
    ends = [line.split(":")[0] for line in lines if line.startswith("epoch")]
    assert ends == ["epoch 1", "epoch 2", "epoch 3"] and "3/3 steps" in lines[-1]
    assert "done: 3 steps" in result.stdout
