"""Issue 18: saves keep what the user had: killed saves, modes, symlinks, orphans, bad targets,
and ``graphlab train`` targets checked before training."""

from __future__ import annotations

import os
import random
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from engine.errors import FileFormatError
from graphlab.atomic import write_atomically
from graphlab.examples import open_graph
from graphlab.fileformat import load_document, save_document

ROOT = Path(__file__).resolve().parents[2]
SAVER = """
import os, sys, time
import numpy as np
real_fsync = os.fsync
os.fsync = lambda fd: (time.sleep(0.1), real_fsync(fd))[1]  # a slow disk: kills land mid-write
from graphlab.document import GraphDocument
from graphlab.fileformat import save_document
from tests.graphlab.test_saves import big_document
doc = big_document(int(sys.argv[2]))
print("ready", flush=True)
while True:
    save_document(doc, sys.argv[1])
"""


def big_document(seed: int):
    """A project with about 4 MB of parameters (a save takes a noticeable fraction of a second)."""
    from graphlab.document import DocNode, GraphDocument

    doc = GraphDocument(f"big{seed}")
    doc.nodes["W"] = DocNode("W", "parameter", {"shape": [1000, 1000]})
    doc.params["W"] = np.random.default_rng(seed).standard_normal((1000, 1000)).astype(np.float32)
    return doc


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_save_killed_at_random_points_leaves_the_previous_file(tmp_path):
    target = tmp_path / "p.graphlab"
    save_document(big_document(0), target)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(18)
    killed_with_orphan = 0
    for trial in range(30):
        child = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(target), str(trial + 1)],
            stdout=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        assert child.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        killed_with_orphan += bool(temporaries(tmp_path))
        doc = load_document(target)  # the previous file (or a complete new one) is loadable
        assert doc.params["W"].shape == (1000, 1000)
    save_document(open_graph("cnn-digits"), target)
    assert temporaries(tmp_path) == []
    assert killed_with_orphan > 0  # the kills did land mid-save
    assert load_document(target).name == "cnn-digits"


def test_a_save_keeps_the_mode_and_a_new_file_gets_the_umask(tmp_path):
    target = tmp_path / "p.graphlab"
    save_document(open_graph("cnn-digits"), target)
    os.chmod(target, 0o644)
    save_document(open_graph("cnn-digits"), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    os.chmod(target, 0o640)
    save_document(open_graph("cnn-digits"), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    old = os.umask(0o022)
    try:
        save_document(open_graph("cnn-digits"), tmp_path / "new.graphlab")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.graphlab").stat().st_mode) == 0o644


def test_a_save_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "p.graphlab"
    save_document(open_graph("sigmoid-neuron"), real)
    link = tmp_path / "link.graphlab"
    link.symlink_to(real)
    save_document(open_graph("cnn-digits"), link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert load_document(real).name == "cnn-digits"
    assert temporaries(tmp_path) == [] and temporaries(tmp_path / "real") == []


def test_a_failed_write_removes_its_temporary_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")

    def fail_midway(f):
        f.write(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(
        FileFormatError, match="No space left on device.*previous file is unchanged"
    ):
        write_atomically(target, fail_midway)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, lambda f: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert target.read_bytes() == b"old" and temporaries(tmp_path) == []


def test_an_orphan_of_a_dead_process_is_removed_at_the_next_save(tmp_path):
    target = tmp_path / "p.graphlab"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    orphan = tmp_path / f".p.graphlab.{dead}.abc123.tmp"
    orphan.write_bytes(b"half a project")
    other = tmp_path / f".q.graphlab.{dead}.abc123.tmp"  # another file's: left alone
    other.write_bytes(b"x")
    save_document(open_graph("cnn-digits"), target)
    assert not orphan.exists() and other.exists()


def test_saving_onto_a_fifo_or_folder_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(FileFormatError, match="not a regular file"):
        save_document(open_graph("cnn-digits"), tmp_path / "fifo")
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)
    with pytest.raises(FileFormatError, match="it is a folder"):
        save_document(open_graph("cnn-digits"), tmp_path)
    with pytest.raises(FileFormatError, match="does not exist"):
        save_document(open_graph("cnn-digits"), tmp_path / "nowhere" / "p.graphlab")


# -- graphlab train targets --------------------------------------------------------------------


def graphlab(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "graphlab.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def test_train_with_an_unwritable_save_fails_before_training_in_under_2_seconds():
    """Timed in CPU seconds of the child (wall time on these shared machines varies 5x)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = graphlab("train", "cnn-digits", "--save", "/nonexistent/p.graphlab")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    assert result.returncode == 2 and "/nonexistent" in result.stderr
    assert result.stderr.count("\n") == 1 and "training" not in result.stdout
    assert seconds < 2.0


def test_train_refuses_a_json_save_and_a_fifo_metrics_file(tmp_path):
    result = graphlab("train", "cnn-digits", "--save", str(tmp_path / "t.json"))
    assert result.returncode == 2
    assert "a .json graph keeps no weights; save as .graphlab" in result.stderr
    os.mkfifo(tmp_path / "m.csv")
    result = graphlab("train", "cnn-digits", "--metrics", str(tmp_path / "m.csv"))
    assert result.returncode == 2 and "--metrics" in result.stderr
    assert not (tmp_path / "t.json").exists()


DISK_FULL = """
import sys
from graphlab.cli import main
from graphlab.training import metrics_csv

def disk_full(self, steps):
    raise OSError(28, "No space left on device")

metrics_csv.MetricsCsv.add_steps = disk_full
sys.exit(main(sys.argv[1:]))
"""


def test_a_failed_metrics_write_keeps_the_trained_project(tmp_path):
    saved, metrics = tmp_path / "t.graphlab", tmp_path / "m.csv"
    args = ["train", "linear-softmax-spiral", "--epochs", "1", "--save", str(saved)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRAPHLAB_LOG_DIR": str(tmp_path / "log")}
    result = subprocess.run([sys.executable, "-c", DISK_FULL, *args, "--metrics", str(metrics)],
                            capture_output=True, text=True, timeout=120, env=env)  # fmt: skip
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "No space left on device" in last and "the trained project was saved" in last
    assert load_document(saved).training["progress"]["step"] > 0
