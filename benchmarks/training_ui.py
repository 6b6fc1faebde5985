"""Training cnn-digits in the app with every live plot visible, against the headless trainer.

    .venv/bin/python benchmarks/training_ui.py [--rounds 3] [--epochs 100]

One process, offscreen Qt. Each round trains ``--epochs`` epochs of the bundled cnn-digits
document three times, in turn: headless (``prepare_training`` + ``Trainer.run`` in this
process, no window, no subscriptions; once as ``graphlab train`` runs it, with numpy's default
BLAS threads and each epoch's evaluation inline, and once with the app's worker settings: the
BLAS threads of ``blas_threads()`` and the evaluation overlapped with the next epoch in a
thread, ``Trainer.background_evaluation``) and in the app (the window at 1600x1000 with the
training dock shown, started as the Start button does: the dashboard's worker, its statistics
subscription and all live plots redrawn by its timer). The speed of each is the steps per
second between its first and last step event (the same clock for both: the time the event
reached this process; the app's training process sends its steps in batches every 20 ms). A
repeating 5 ms QTimer records the event loop's gaps while the app trains; the script prints the
median speeds, app/headless, and the 99th-percentile gap (targets: the app at most 10% slower,
the gap under 50 ms).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from graphlab.examples import open_graph  # noqa: E402
from graphlab.training import prepare_training  # noqa: E402
from graphlab.training.process_worker import blas_threads  # noqa: E402
from graphlab.training.worker import TrainingBridge  # noqa: E402
from ui.app import application, open_window  # noqa: E402
from ui.latency import Heartbeat  # noqa: E402
from ui.training import show_dashboard  # noqa: E402


def rate(times: list[float]) -> float:
    """Steps per second between the first and the last of ``times``."""
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else float("nan")


def headless(epochs: int, threads: int | None = None, background: bool = False) -> float:
    """Steps per second of the bare trainer; ``threads`` limits the BLAS threads meanwhile,
    ``background`` overlaps each epoch's evaluation with the next (as the app's worker does)."""
    run = prepare_training(open_graph("cnn-digits"), {"epochs": epochs})
    run.trainer.background_evaluation = background
    times: list[float] = []
    run.trainer.metrics.on_step(lambda event: times.append(time.perf_counter()))
    with threadpool_limits(threads):
        run.trainer.run()
    return rate(times)


def in_app(window, epochs: int) -> tuple[float, list[float]]:
    """Train through the dashboard; (steps per second, event-loop gaps in seconds)."""
    dashboard = window.training
    arrivals: list[tuple[float, int]] = []  # (time a batch of steps reached us, its last step)
    original = TrainingBridge.on_batch

    def timed_on_batch(bridge, steps, epochs):
        if steps:
            arrivals.append((time.perf_counter(), steps[-1][1]))
        original(bridge, steps, epochs)

    TrainingBridge.on_batch = timed_on_batch
    heartbeat = Heartbeat()
    loop = QEventLoop()
    dashboard.finished.connect(loop.quit)
    try:
        dashboard.start_training(epochs)
        heartbeat.start()
        loop.exec()
    finally:
        TrainingBridge.on_batch = original
    heartbeat.stop()
    dashboard.finished.disconnect(loop.quit)
    (start, first), (end, last) = arrivals[0], arrivals[-1]
    return (last - first) / (end - start) if end > start else float("nan"), heartbeat.gaps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    app = application()
    window = open_window("cnn-digits", "light")
    window.resize(1600, 1000)
    window.show()
    show_dashboard(window)
    for _ in range(20):
        app.processEvents()
    headless(1)  # warm up (imports, the digits)
    same = f"headless, {blas_threads()} BLAS thread(s) and background evaluation like the app's"
    speeds: dict[str, list[float]] = {"headless": [], same: [], "app": []}
    gaps: list[float] = []
    for _ in range(args.rounds):
        speeds["headless"].append(headless(args.epochs))
        speeds[same].append(headless(args.epochs, blas_threads(), background=True))
        app_rate, app_gaps = in_app(window, args.epochs)
        speeds["app"].append(app_rate)
        gaps += app_gaps
    window.files.stack.setClean()
    window.files.unsaved_outside_stack = False
    window.close()
    median = {k: statistics.median(v) for k, v in speeds.items()}
    load = os.getloadavg()[0]
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load {load:.1f}, "
          f"{args.rounds} rounds x {args.epochs} epochs")  # fmt: skip
    for name, values in speeds.items():
        rounds = ", ".join(f"{v:.1f}" for v in values)
        print(f"{name}: median {median[name]:.1f} steps/s ({rounds})")
    print(f"app/headless {median['app'] / median['headless']:.3f}, "
          f"app/headless with the app's settings {median['app'] / median[same]:.3f}")  # fmt: skip
    print(f"event loop gap: median {np.median(gaps) * 1000:.1f} ms, p99 "
          f"{np.percentile(gaps, 99) * 1000:.1f} ms, max {max(gaps) * 1000:.1f} ms "
          f"({len(gaps)} gaps)")  # fmt: skip


if __name__ == "__main__":
    main()
