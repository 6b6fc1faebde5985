"""The runs folder within a budget: listing, pruning order (stores before metrics files,
oldest first), the runs in use and recently written kept, the messages of a replay and a zoom
after a removal, and ``graphlab runs``."""

import os
import shutil
import time
from dataclasses import replace

import numpy as np
import pytest

from graphlab.cli import main
from graphlab.replay import ReplayError, SnapshotStore
from graphlab.replay.store import SnapshotMeta, SnapshotWriter
from graphlab.training.metrics_csv import MetricsCsv
from graphlab.training.runs import RunRecord
from graphlab.training.runs_folder import ACTIVE_SECONDS, REMOVED_LOG, list_runs, prune

KIB = 1024
HOUR = 3600


def fake_run(folder, name, metrics_kib, store_kib, age_s):
    """run-NAME.csv and run-NAME.snapshots/ (two files) of the given sizes, last written
    ``age_s`` seconds ago. Returns (metrics path, store path); a size of 0 leaves it out."""
    folder.mkdir(parents=True, exist_ok=True)
    when = time.time() - age_s
    metrics, store = folder / f"run-{name}.csv", folder / f"run-{name}.snapshots"
    if metrics_kib:
        metrics.write_bytes(b"m" * metrics_kib * KIB)
        os.utime(metrics, (when, when))
    if store_kib:
        store.mkdir()
        for part, kib in (("store.json", 1), ("s0.npz", store_kib - 1)):
            (store / part).write_bytes(b"s" * kib * KIB)
            os.utime(store / part, (when, when))
        os.utime(store, (when, when))
    return metrics, store


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """The runs folder (GRAPHLAB_RUNS_DIR) with four runs, oldest first: a (4 h), b (3 h),
    c (2 h), d (1 h) ago; each a 10 KiB metrics file and a 100 KiB store."""
    runs = tmp_path / "runs"
    monkeypatch.setenv("GRAPHLAB_RUNS_DIR", str(runs))
    for age, name in enumerate("dcba", start=1):
        fake_run(runs, name, 10, 100, age * HOUR)
    (runs / "notes.txt").write_text("not a run")
    (runs / "run-link.snapshots").symlink_to(tmp_path)  # a link is never followed
    return runs


def names(paths) -> list[str]:
    return [p.name for p in paths]


def test_the_listing_gives_each_run_its_bytes_and_time_oldest_first(folder):
    fake_run(folder, "e", 0, 50, 10 * HOUR)  # a store without a metrics file (graphlab train)
    runs = list_runs()
    assert [r.name for r in runs] == ["run-e", "run-a", "run-b", "run-c", "run-d"]
    a = runs[1]
    assert (a.metrics_bytes, a.snapshot_bytes, a.size) == (10 * KIB, 100 * KIB, 110 * KIB)
    assert a.metrics == folder / "run-a.csv" and a.snapshots == folder / "run-a.snapshots"
    assert runs[0].metrics is None and runs[0].snapshot_bytes == 50 * KIB
    assert abs(a.modified - (time.time() - 4 * HOUR)) < 60
    assert list_runs(folder / "nowhere") == []


def test_stores_go_oldest_first_before_any_metrics_file(folder):
    pruned = prune(400 * KIB)  # 440 KiB: one store goes
    assert names(pruned.removed) == ["run-a.snapshots"]
    assert (pruned.freed, pruned.size) == (100 * KIB, 340 * KIB)
    pruned = prune(100 * KIB)  # every store before the oldest metrics file
    assert names(pruned.removed) == ["run-b.snapshots", "run-c.snapshots", "run-d.snapshots"]
    assert pruned.size == 40 * KIB
    pruned = prune(15 * KIB)
    assert names(pruned.removed) == ["run-a.csv", "run-b.csv", "run-c.csv"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "notes.txt",
        REMOVED_LOG,
        "run-d.csv",
        "run-link.snapshots",
    ]
    last = prune(0)
    assert last.removed == [folder / "run-d.csv"] and list_runs() == []
    assert last.summary(0).startswith("Runs folder: removed 1 metrics file (10.0 KiB);")


def test_runs_in_use_and_runs_written_recently_are_kept_whole(folder):
    fake_run(folder, "live", 10, 100, ACTIVE_SECONDS / 2)  # another window trains it
    in_use = [str(folder / "run-a.csv"), None, str(folder / "run-c.snapshots")]
    pruned = prune(0, in_use)
    assert names(pruned.removed) == ["run-b.snapshots", "run-d.snapshots", "run-b.csv",
                                     "run-d.csv"]  # fmt: skip
    assert pruned.protected == 3 and pruned.size == 3 * 110 * KIB
    assert {r.name for r in list_runs()} == {"run-a", "run-c", "run-live"}
    assert pruned.summary(0).endswith("; it keeps 3 runs in use or written in the last 10 minutes.")


def test_a_file_that_cannot_be_removed_stays_counted(folder, monkeypatch):
    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("shutil.rmtree", refuse)
    pruned = prune(435 * KIB)  # no store can go: the oldest metrics file goes instead
    assert names(pruned.removed) == ["run-a.csv"] and pruned.size == 430 * KIB


def test_replaying_a_pruned_run_says_its_snapshots_were_removed_for_the_budget(folder):
    store = folder / "run-a.snapshots"
    prune(400 * KIB)
    with pytest.raises(ReplayError) as removed:
        SnapshotStore(store)
    message = str(removed.value)
    assert "were removed to keep the runs folder within its budget" in message
    assert str(store) in message and "\n" not in message
    (folder / "run-b.snapshots").rename(folder / "moved")  # gone, but not by the budget
    with pytest.raises(ReplayError, match=r"run-b.snapshots\) are gone; replay needs them"):
        SnapshotStore(folder / "run-b.snapshots")


def test_a_store_pruned_while_its_run_trains_stops_recording_without_an_error(tmp_path):
    writer = SnapshotWriter(tmp_path / "run-x.snapshots", {"budget": 2**20})
    meta = SnapshotMeta(0, 1, 0, {}, {}, 0, {}, False, False, None, "s0.npz")
    assert writer.write(meta, {"param/W": np.ones(3)})
    shutil.rmtree(writer.folder)  # as another window's prune does
    assert not writer.write(replace(meta, step=1, file="s1.npz"), {"param/W": np.ones(3)})
    assert not writer.write(replace(meta, step=2, file="s2.npz"), {"param/W": np.ones(3)})
    writer.per_node(3)  # the open line file takes it
    writer.close()


def test_a_record_whose_metrics_file_was_pruned_keeps_its_summary_and_says_so(folder):
    path = folder / "run-z.csv"
    writer = MetricsCsv(path)
    steps = [(1, s, 1.0 / s, 0.1) for s in range(1, 5001)]
    writer.add_steps(steps)
    writer.close()
    record = RunRecord("run 3", metrics=str(path), index=writer.index)
    record.add_steps(steps)
    assert record.rows(10, 12)[:, 1].tolist() == [10.0, 11.0, 12.0]
    assert record.steps_gone() is None
    os.utime(path, (time.time() - 5 * HOUR,) * 2)
    assert path in prune(0).removed
    assert record.rows(10, 12) is None  # indexed before, gone now: no error
    assert record.steps == 5000 and np.isfinite(record.loss.arrays()[2]).all()
    gone = record.steps_gone()
    assert gone.startswith("The full-resolution steps of run 3")
    assert "removed to keep the runs folder within its budget" in gone


def test_graphlab_runs_lists_the_folder_and_prunes_it(folder, capsys):
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    for name in "abcd":
        line = next(line for line in out.splitlines() if line.startswith(f"run-{name} "))
        assert "10.0 KiB" in line and "100.0 KiB" in line
    assert out.strip().endswith(f"{folder}: 4 runs, 440.0 KiB")
    assert main(["runs", "--prune", "0"]) == 0
    out = capsys.readouterr().out
    assert "removed 4 snapshot stores and 4 metrics files (440.0 KiB)" in out
    assert out.strip().endswith(f"{folder}: 0 runs, 0 bytes") and list_runs() == []
    with pytest.raises(SystemExit) as refused:
        main(["runs", "--prune", "-1"])
    assert refused.value.code == 2 and "--prune" in capsys.readouterr().err
