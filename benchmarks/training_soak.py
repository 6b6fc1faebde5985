"""Long training in the real window (offscreen): memory, event-loop latency, speed and Stop.

    .venv/bin/python benchmarks/training_soak.py [--examples two-layer-net-spiral,cnn-digits]
                                                 [--minutes 10] [--every 10] [--headless 20]

For each example: the window at 1600x1000 with the training dock shown starts a run of many
epochs as Start does (the forked training process, every live plot) and trains for
``--minutes``; every ``--every`` seconds the script samples the window's and the training
process's resident memory (/proc), the 99th-percentile gap of a 5 ms QTimer (the event loop's
latency) and the steps per second over the interval. Then it presses Stop and times it until
the run is written back into the document. Last, the same example trains headless for
``--headless`` seconds with the app's worker settings (the BLAS threads of ``blas_threads()``,
background evaluation) for the speed the window should reach. Targets (issue 25): RSS growth
after the first minute under 50 MB per hour in both processes, p99 gap under 20 ms throughout,
steps/s in the last interval within 10% of the first and within 5% of headless, Stop under 1 s.

``--decay EPOCHS`` instead trains cnn-digits headless (the app's worker settings) for EPOCHS
epochs, once with the trainer's flush-to-zero of subnormal floats (the default) and once
without, and prints the steps per second over epochs 10-20 and over the last 10 (target: the
last within 10% of the first).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from graphlab.examples import open_graph  # noqa: E402
from graphlab.training import prepare_training  # noqa: E402
from graphlab.training.process_worker import blas_threads  # noqa: E402
from ui.app import application, open_window  # noqa: E402
from ui.latency import Heartbeat  # noqa: E402
from ui.training import show_dashboard  # noqa: E402

EPOCHS = 10_000_000  # "until stopped"


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` (all its threads) in seconds (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait(app, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def soak(app, example: str, minutes: float, every: float) -> tuple[list[tuple], float]:
    """Train ``example`` in the window; the samples (t, window MB, trainer MB, p99 ms,
    steps/s, window CPU, trainer CPU: cores busy over the interval) and the Stop time in
    seconds."""
    window = open_window(example, "light")
    window.resize(1600, 1000)
    window.show()
    show_dashboard(window)
    wait(app, 0.5)
    dashboard = window.training
    assert dashboard.start_training(EPOCHS), dashboard.panel.message.text()
    session = dashboard.session
    child = getattr(session.worker, "process", None)
    samples, heartbeat = [], Heartbeat()
    started = time.perf_counter()
    last_step, last_time = session.record.last_step, started
    pids = (os.getpid(), child.pid if child else None)
    last_cpu = [cpu_seconds(pid) if pid else float("nan") for pid in pids]
    heartbeat.start()
    while time.perf_counter() - started < minutes * 60:
        wait(app, every)
        now, step = time.perf_counter(), session.record.last_step
        gaps = heartbeat.gaps
        heartbeat.gaps = []
        cpu = [cpu_seconds(pid) if pid else float("nan") for pid in pids]
        samples.append((
            now - started, rss_mb(os.getpid()), rss_mb(child.pid) if child else float("nan"),
            float(np.percentile(gaps, 99)) * 1000 if gaps else float("nan"),
            (step - last_step) / (now - last_time),
            *((c - c0) / (now - last_time) for c, c0 in zip(cpu, last_cpu, strict=True)),
        ))  # fmt: skip
        t, window_mb, trainer_mb, p99, rate, window_cpu, trainer_cpu = samples[-1]
        print(f"  t {t:6.0f} s  window {window_mb:6.1f} MB {window_cpu:4.2f} CPU  trainer "
              f"{trainer_mb:6.1f} MB {trainer_cpu:4.2f} CPU  p99 gap {p99:6.1f} ms  "
              f"{rate:7.1f} steps/s", flush=True)  # fmt: skip
        last_step, last_time, last_cpu = step, now, cpu
    heartbeat.stop()
    done = QEventLoop()
    dashboard.finished.connect(done.quit)
    pressed = time.perf_counter()
    dashboard.stop()
    if dashboard.running:
        done.exec()
    stop_seconds = time.perf_counter() - pressed
    window.files.stack.setClean()
    window.files.unsaved_outside_stack = False
    window.close()
    return samples, stop_seconds


def headless(example: str, seconds: float) -> float:
    """Steps per second of the bare trainer with the app's worker settings."""
    run = prepare_training(open_graph(example), {"epochs": EPOCHS})
    trainer = run.trainer
    trainer.background_evaluation, trainer.keep_history = True, False
    times: list[float] = []

    def on_step(event) -> None:
        times.append(time.perf_counter())
        if times[-1] - times[0] > seconds:
            trainer.stop()

    trainer.metrics.on_step(on_step)
    with threadpool_limits(blas_threads()):
        trainer.run()
    skip = len(times) // 10  # the first tenth warms up
    return (len(times) - 1 - skip) / (times[-1] - times[skip])


def decay(example: str, epochs: int, flush: bool) -> tuple[float, float, float]:
    """Steps per second over epochs 10-20 and over the last 10 epochs, and the last loss."""
    run = prepare_training(open_graph(example), {"epochs": epochs})
    trainer = run.trainer
    trainer.background_evaluation, trainer.keep_history = True, False
    trainer.flush_subnormals = flush
    ends: dict[int, tuple[float, int]] = {}
    loss = [float("nan")]
    trainer.metrics.on_step(lambda event: loss.__setitem__(0, event.loss))

    def on_step(event) -> None:  # the time each epoch's last step ended
        if event.step % trainer.steps_per_epoch == 0:
            ends[-event.epoch] = (time.perf_counter(), event.step)

    trainer.metrics.on_step(on_step)
    with threadpool_limits(blas_threads()):
        trainer.run()

    def rate(first: int, last: int) -> float:
        (t0, s0), (t1, s1) = ends[-first], ends[-last]
        return (s1 - s0) / (t1 - t0)

    return rate(10, 20), rate(epochs - 10, epochs), loss[0]


def growth_per_hour(samples: list[tuple], column: int) -> float:
    """MB per hour of a least-squares line through the samples after the first minute."""
    later = [s for s in samples if s[0] >= 60] or samples
    t = np.array([s[0] for s in later]) / 3600
    mb = np.array([s[column] for s in later])
    return float(np.polyfit(t, mb, 1)[0]) if len(later) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", default="two-layer-net-spiral,cnn-digits")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("--headless", type=float, default=20.0)
    parser.add_argument("--decay", type=int, metavar="EPOCHS", help="the headless decay check")
    args = parser.parse_args()
    if args.decay:
        print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load "
              f"{os.getloadavg()[0]:.1f}, cnn-digits headless, {args.decay} epochs")  # fmt: skip
        for flush in (True, False):
            early, late, loss = decay("cnn-digits", args.decay, flush)
            print(f"  flush-to-zero {'on ' if flush else 'off'}: epochs 10-20 {early:.0f} steps/s, "
                  f"last 10 {late:.0f} steps/s (last/first {late / early:.3f}), loss {loss:.3g}",
                  flush=True)  # fmt: skip
        return
    app = application()
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load "
          f"{os.getloadavg()[0]:.1f}, {args.minutes:g} minutes per example")  # fmt: skip
    for example in args.examples.split(","):
        print(f"{example}:")
        samples, stop = soak(app, example, args.minutes, args.every)
        bare = headless(example, args.headless)
        first, last = samples[0][4], samples[-1][4]
        print(f"  RSS growth after the first minute: window {growth_per_hour(samples, 1):.0f} "
              f"MB/h, trainer {growth_per_hour(samples, 2):.0f} MB/h")  # fmt: skip
        print(f"  p99 gap: worst interval {max(s[3] for s in samples):.1f} ms, median interval "
              f"{np.median([s[3] for s in samples]):.1f} ms")  # fmt: skip
        print(f"  steps/s: first interval {first:.0f}, last {last:.0f} (last/first "
              f"{last / first:.3f}), headless {bare:.0f} (last/headless {last / bare:.3f})")  # fmt: skip
        print(f"  Stop -> written back: {stop:.2f} s")


if __name__ == "__main__":
    main()
