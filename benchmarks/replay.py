"""The replay's costs on cnn-digits: the snapshot store of a run, training with and without it,
replaying steps, and reopening a project whose runs kept snapshots.

    .venv/bin/python benchmarks/replay.py [--epochs 15] [--batch 64] [--rounds 5] [--opens 40]

- train: ``--rounds`` runs of ``--epochs`` epochs of the bundled cnn-digits (Adam, lr 3e-3),
  in a training session on a thread as ``graphlab train`` runs it, alternating a run that keeps
  snapshots (the default 200 MB budget) and one that keeps none; median seconds of each, and
  the time spent inside the recorder's step callback (snapshot copies and writes included),
  which on a loaded machine says more than the difference of two noisy runs.
- store: size on disk, snapshots, the interval chosen, against the budget.
- replay: seconds to replay each of 20 steps spread over the run (each retrains up to the
  interval's steps from its snapshot), median and maximum.
- reopen: ``load_document`` of the saved project whose 8 kept runs all point at snapshot
  stores, against the same project whose runs point at none, alternating ``--opens`` times;
  the ratio of the medians (the target: under 1.2).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphlab.examples import open_graph  # noqa: E402
from graphlab.fileformat import load_document, save_document  # noqa: E402
from graphlab.replay import SnapshotStore, replay_step  # noqa: E402
from graphlab.replay.store import DEFAULT_BUDGET  # noqa: E402
from graphlab.training import prepare_training  # noqa: E402
from graphlab.training.runs import RunRecord, run_settings, saved_runs, with_run  # noqa: E402
from graphlab.training.session import TrainingSession  # noqa: E402


def train(doc, folder: Path, snapshots: bool):
    """One run in a session on a thread; returns (seconds, record)."""
    run = prepare_training(doc)
    name = f"run {len(saved_runs(doc.training)) + 1}"
    record = RunRecord(name, run_settings(run.settings))
    metrics = folder / f"run-{time.perf_counter_ns()}.csv"
    session = TrainingSession(
        run, record=record, metrics=metrics, snapshots=None if snapshots else False
    )
    recorder = session.recorder
    if recorder is not None:  # time spent inside the recorder's step callback
        on_step, spent = recorder.on_step, []

        def timed(event):
            begun = time.perf_counter()
            on_step(event)
            spent.append(time.perf_counter() - begun)

        callbacks = run.trainer.metrics.step_callbacks
        callbacks[callbacks.index(on_step)] = timed
    started = time.perf_counter()
    session.start()
    session.join()
    session.finish(write_back=False)
    seconds = time.perf_counter() - started
    if recorder is not None:
        RECORDER.append((sum(spent), seconds))
    return seconds, session.record


#: (seconds inside the recorder, seconds of the run) of each run that kept snapshots
RECORDER: list[tuple[float, float]] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--opens", type=int, default=40)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="graphlab-replay-bench-"))
    doc = open_graph("cnn-digits")
    doc.set_training({**doc.training, "epochs": args.epochs, "batch_size": args.batch})

    times: dict[bool, list[float]] = {True: [], False: []}
    record = None
    for index in range(2 * args.rounds):
        keep = index % 2 == 0
        seconds, got = train(doc, folder, keep)
        times[keep].append(seconds)
        record = got if keep else record
    with_store, without = statistics.median(times[True]), statistics.median(times[False])
    inside = statistics.median(spent / total for spent, total in RECORDER)
    print(
        f"recorder: {statistics.median(s for s, _ in RECORDER) * 1000:.1f} ms per run "
        f"inside its step callback ({inside * 100:.2f}% of the run)"
    )
    print(
        f"train {args.epochs} epochs: {with_store:.2f} s with snapshots, {without:.2f} s without "
        f"({(with_store / without - 1) * 100:+.1f}%)"
    )

    store = SnapshotStore(record.snapshots)
    header = store.header
    print(
        f"store: {store.size() / 2**20:.2f} MB of {DEFAULT_BUDGET / 2**20:.0f} MB, "
        f"{len(store.snapshots)} snapshots over {header['total_steps']} steps, "
        f"every {header['every']} steps and every {header['epoch_every']} epoch(s)"
    )

    last = store.last_step
    steps = sorted({max(1, round(last * (i + 1) / 20)) for i in range(20)})
    replays = []
    for step in steps:
        started = time.perf_counter()
        replay_step(doc, record, step)
        replays.append(time.perf_counter() - started)
    print(
        f"replay: median {statistics.median(replays):.2f} s, max {max(replays):.2f} s "
        f"over steps {steps[0]}..{steps[-1]}"
    )

    kept, bare = doc.snapshot(), doc.snapshot()
    for _ in range(8):
        kept.set_training(with_run(kept.training, record))
        plain = RunRecord.from_json(record.to_json())
        plain.snapshots = None
        bare.set_training(with_run(bare.training, plain))
    paths = {"snapshots": folder / "kept.graphlab", "none": folder / "bare.graphlab"}
    save_document(kept, paths["snapshots"])
    save_document(bare, paths["none"])
    opens: dict[str, list[float]] = {name: [] for name in paths}
    for index in range(2 * args.opens):
        name = ("snapshots", "none")[index % 2]
        started = time.perf_counter()
        load_document(paths[name])
        opens[name].append(time.perf_counter() - started)
    kept_ms, bare_ms = (statistics.median(opens[n]) * 1000 for n in ("snapshots", "none"))
    print(
        f"reopen: {kept_ms:.1f} ms with 8 runs' snapshots, {bare_ms:.1f} ms without, "
        f"ratio {kept_ms / bare_ms:.3f} (target < 1.2)"
    )
    print(f"(cpu count {os.cpu_count()}, load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
