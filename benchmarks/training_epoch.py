"""Time one training epoch of the cnn-digits example: the engine's Trainer against PyTorch, and
the engine with the dashboard's metric subscriptions against none.

    .venv/bin/python benchmarks/training_epoch.py [--threads 2] [--rounds 15] [--epochs 2]
                                                  [--stats-every N] [--quick]

Three long-lived processes, each with the same BLAS/OpenMP thread count, take turns running
blocks of ``--epochs`` epochs (the order rotates every round, with a pause after each block):

- engine: ``prepare_training`` of the bundled cnn-digits document (Adam, lr 3e-3, batch 64,
  the compiled plan), no metric subscriptions;
- torch: the same model (benchmarks/models.py, starting from the engine's parameters), data,
  batch size, optimizer and loop in PyTorch on the CPU;
- subscribed: the engine run with a step callback, an epoch callback and ``on_stats`` at its
  default rate (every 10 steps) with gradients and histograms, as the dashboard subscribes.

An epoch is a pass over the shuffled training split (1258 images, 20 minibatches) followed by
the evaluation the Trainer does after every epoch (accuracy on a 1000-image sample of the
training split, accuracy and loss on the validation split), on both sides. Prints the median
epoch time of each and the ratios engine/torch (target at most 1.0) and subscribed/engine as
an overhead in percent (target under 5%).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.engine_vs_torch import PAUSE, Worker, machine, serve  # noqa: E402
from benchmarks.models import MODELS, spec_params, torch_model  # noqa: E402

EXAMPLE = "cnn-digits"
#: the spec of benchmarks/models.py with the example's layers (the torch twin is built from it)
SPEC = MODELS["digits-cnn-b64"]
KINDS = ("engine", "torch", "subscribed")


def prepared_run():
    """The example's TrainingRun (data bound, trainer built), one epoch per ``run()``."""
    from graphlab.examples import open_graph
    from graphlab.training import prepare_training

    run = prepare_training(open_graph(EXAMPLE), {"epochs": 1})
    if run.settings["batch_size"] != SPEC.batch:
        raise SystemExit(f"{EXAMPLE} trains with batch {run.settings['batch_size']}")
    return run


def engine_epoch(subscribed: bool, stats_every: int | None = None):
    """epoch(i): one ``Trainer.run()`` of the example, with or without the dashboard's
    subscriptions (each callback only stores the latest event, as the dashboard's do);
    statistics every ``stats_every`` steps (None: ``on_stats``'s default)."""
    trainer = prepared_run().trainer
    if subscribed:
        rate = {} if stats_every is None else {"every": stats_every}
        latest = {}
        trainer.metrics.on_step(lambda event: latest.__setitem__("step", event))
        trainer.metrics.on_epoch(lambda event: latest.__setitem__("epoch", event))
        trainer.metrics.on_stats(
            lambda event: latest.__setitem__("stats", event),
            gradients=True,
            histograms=True,
            **rate,
        )

    def epoch(i: int) -> None:
        trainer.run()
        if trainer.plan is None:
            raise SystemExit(f"the compiled plan is not in use: {trainer.plan_reason}")

    return epoch


def torch_epoch(threads: int):
    """epoch(i): the Trainer's loop in PyTorch on the example's data and initial parameters."""
    import numpy as np
    import torch

    from engine.backend import to_numpy

    torch.set_num_threads(threads)
    run = prepared_run()
    trainer, settings = run.trainer, run.settings
    model = torch_model(SPEC, spec_params(SPEC, run.graph), torch)
    check_same_model(trainer, model, torch)
    opt = torch.optim.Adam(model.parameters(), lr=settings["lr"])
    loss_fn = torch.nn.functional.cross_entropy
    X, y = (torch.from_numpy(to_numpy(a)) for a in (trainer.X, trainer.y))
    sample = torch.from_numpy(trainer.train_sample)
    evaluated = [(X[sample], y[sample]), tuple(torch.from_numpy(to_numpy(a)) for a in trainer.val)]
    rng = np.random.default_rng(settings["seed"])
    size, eval_size = settings["batch_size"], trainer.eval_batch_size

    def evaluate(Xe, ye) -> tuple[float, float]:
        correct, total = 0, 0.0
        for start in range(0, len(Xe), eval_size):
            scores, labels = model(Xe[start : start + eval_size]), ye[start : start + eval_size]
            total += float(loss_fn(scores, labels)) * len(labels)
            correct += int((scores.argmax(dim=1) == labels).sum())
        return correct / len(Xe), total / len(Xe)

    def epoch(i: int) -> None:
        model.train()
        order = torch.from_numpy(rng.permutation(len(X)))
        for start in range(0, len(X), size):
            rows = order[start : start + size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[rows]), y[rows])
            loss.backward()
            opt.step()
            loss.item()  # the Trainer reads each loss back as a float
        model.eval()
        with torch.no_grad():
            for split in evaluated:
                evaluate(*split)

    return epoch


def check_same_model(trainer, model, torch) -> None:
    """Exit unless the torch twin gives the engine graph's loss on the first 64 images."""
    from engine.backend import to_numpy

    X, y = (to_numpy(a)[: SPEC.batch] for a in (trainer.X, trainer.y))
    trainer.graph.forward({trainer.data_input: X, trainer.label_input: y}, train=False)
    engine_loss = float(trainer.graph.values[trainer.loss])
    with torch.no_grad():
        torch_loss = float(
            torch.nn.functional.cross_entropy(model(torch.from_numpy(X)), torch.from_numpy(y))
        )
    if abs(engine_loss - torch_loss) > 1e-4 * max(1.0, abs(engine_loss)):
        raise SystemExit(f"the torch twin differs: loss {torch_loss} against {engine_loss}")


class EpochWorker(Worker):
    """One kind of run in its own process, the thread count fixed before any import.

    Unlike :class:`Worker`, it does not wait for 'ready' here: see :meth:`wait_ready`.
    """

    def __init__(self, kind: str, args) -> None:
        env = dict(os.environ)
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(args.threads)
        command = [sys.executable, __file__, "--worker", kind, "--threads", str(args.threads)]
        if args.stats_every is not None:
            command += ["--stats-every", str(args.stats_every)]
        self.name = f"{kind} worker"
        self.process = subprocess.Popen(
            command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def wait_ready(self) -> None:
        self._read()


def measure(args) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Median epoch times (ms) of each kind, and the per-round ratios engine/torch and
    subscribed/engine of the blocks' medians."""
    workers = {kind: EpochWorker(kind, args) for kind in KINDS}
    times = {kind: [] for kind in KINDS}
    ratios = {"engine/torch": [], "subscribed/engine": []}
    try:
        for worker in workers.values():
            worker.wait_ready()
        for block in range(args.rounds):
            shift = block % len(KINDS)
            medians = {}
            for kind in KINDS[shift:] + KINDS[:shift]:
                measured = workers[kind].time(args.epochs)
                times[kind] += measured
                medians[kind] = statistics.median(measured)
                time.sleep(PAUSE)  # lets the other processes' spinning threads go idle
            ratios["engine/torch"].append(medians["engine"] / medians["torch"])
            ratios["subscribed/engine"].append(medians["subscribed"] / medians["engine"])
    finally:
        for worker in workers.values():
            worker.close()
    return {kind: statistics.median(t) * 1e3 for kind, t in times.items()}, ratios


def spread(values: list[float]) -> str:
    """The 25th-75th percentile range of ``values``."""
    low, _, high = statistics.quantiles(values, n=4, method="inclusive")
    return f"{low:.2f}-{high:.2f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per block")
    parser.add_argument("--rounds", type=int, default=15, help="blocks per kind of run")
    parser.add_argument(
        "--stats-every",
        type=int,
        help="steps between statistics of the subscribed run (default: on_stats's default)",
    )
    parser.add_argument("--quick", action="store_true", help="2 rounds of 1 epoch (a smoke test)")
    parser.add_argument("--worker", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.epochs = 2, 1

    if args.worker:
        if args.worker == "torch":
            serve(torch_epoch(args.threads))
        else:
            serve(engine_epoch(args.worker == "subscribed", args.stats_every))
        return 0

    rate = f"every {args.stats_every} steps" if args.stats_every else "at on_stats's default rate"
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(
        f"{EXAMPLE}, batch {SPEC.batch}, threads: {args.threads}, "
        f"epochs: {args.rounds} blocks x {args.epochs} per kind (evaluation included), "
        f"statistics {rate}"
    )
    medians, ratios = measure(args)
    engine, torch, subscribed = (medians[kind] for kind in KINDS)
    overhead = (subscribed / engine - 1.0) * 100.0
    print("\n| run | median epoch (ms) | against | ratio | block ratios p25-p75 | target |")
    print("|---|---:|---|---:|---:|---|")
    print(
        f"| engine | {engine:.1f} | torch {torch:.1f} ms | {engine / torch:.2f} | "
        f"{spread(ratios['engine/torch'])} | at most 1.0 |"
    )
    print(
        f"| engine, subscribed | {subscribed:.1f} | engine {engine:.1f} ms | "
        f"{subscribed / engine:.2f} ({overhead:+.1f}%) | {spread(ratios['subscribed/engine'])} | "
        "under 5% |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
