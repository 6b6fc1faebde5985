"""Ctrl+C keeps the run: ``graphlab train`` as a subprocess, interrupted by SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from graphlab.cli import main
from graphlab.examples import open_graph
from graphlab.fileformat import load_document
from graphlab.training.metrics_csv import read_metrics

ROOT = Path(__file__).resolve().parents[2]
ARGV = ["train", "cnn-digits", "--epochs", "100000000", "--save", "p.graphlab",
        "--metrics", "m.csv"]  # fmt: skip


def start_training(folder: Path) -> subprocess.Popen:
    """The CLI in ``folder``, SIGINT at its default (a background shell ignores it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "graphlab.cli", *ARGV], cwd=folder, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


def wait_for_steps(folder: Path, process: subprocess.Popen, steps: int = 3) -> None:
    """Until the metrics file has ``steps`` rows (training is under way: 2-3 s in)."""
    deadline = time.monotonic() + 120
    metrics = folder / "m.csv"
    while time.monotonic() < deadline and process.poll() is None:
        if metrics.exists() and len(metrics.read_text().splitlines()) > steps:
            return
        time.sleep(0.05)
    raise AssertionError(f"training did not start: {process.communicate()}")


def metric_steps(path: Path) -> list[int]:
    """The step column of a metrics file (FIELDS order: epoch, step, ...)."""
    return [int(s) for rows in read_metrics(path) for s in rows[:, 1]]


def test_ctrl_c_saves_the_run_so_far_and_training_it_again_continues(tmp_path, capsys):
    process = start_training(tmp_path)
    wait_for_steps(tmp_path, process)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "interrupted at epoch" in err and "p.graphlab" in err
    doc = load_document(tmp_path / "p.graphlab")
    progress = doc.training["progress"]
    step = progress["step"]
    assert progress["interrupted"] == f"interrupted at epoch {progress['epoch']}, step {step}"
    initial = open_graph("cnn-digits").compile(seed=0).params
    assert any(not np.array_equal(doc.params[k], initial[k]) for k in initial)
    steps = metric_steps(tmp_path / "m.csv")
    assert steps[0] == 1 and steps[-1] == step and len(steps) == step
    again = tmp_path / "m2.csv"
    assert (
        main(["train", str(tmp_path / "p.graphlab"), "--epochs", "1", "--metrics", str(again)]) == 0
    )
    capsys.readouterr()
    assert metric_steps(again)[0] == step + 1


def test_two_ctrl_c_stop_at_once_leaving_no_half_file(tmp_path):
    process = start_training(tmp_path)
    wait_for_steps(tmp_path, process)
    process.send_signal(signal.SIGINT)
    time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in err, err
    names = sorted(p.name for p in tmp_path.iterdir())
    # no temporary files (m.snapshots: the replay store beside the metrics it kept)
    assert set(names) <= {"p.graphlab", "m.csv", "m.snapshots"}, names
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    if "p.graphlab" in names:
        load_document(tmp_path / "p.graphlab")
