"""``graphlab train``, ``graphlab knn`` and ``graphlab search``: training from the command line."""

from __future__ import annotations

import csv
import sys
import threading
import time
from pathlib import Path

import numpy as np

from engine.errors import GraphLabError
from graphlab.atomic import save_target
from graphlab.cli_args import add_device_argument, add_graph_argument
from graphlab.commands import table
from graphlab.examples import open_graph
from graphlab.fileformat import save_document
from graphlab.training import accuracy_of, prepare_training


class Progress:
    """A one-line progress bar on stderr: epoch, steps, loss, accuracy, speed and time left."""

    def __init__(self, trainer, stream=sys.stderr, every: float = 0.2) -> None:
        self.trainer, self.stream, self.every = trainer, stream, every
        self.total = trainer.epochs * -(-len(trainer.X) // trainer.batch_size)
        self.first_step, self.start, self.shown = trainer.step, time.perf_counter(), 0.0
        self.loss, self.accuracy = float("nan"), None
        self.tty = stream.isatty()

    def on_step(self, event) -> None:
        self.loss = event.loss
        now = time.perf_counter()
        if self.tty and now - self.shown >= self.every:
            self.shown = now
            self.stream.write("\r" + self.line(event.step) + "\033[K")
            self.stream.flush()

    def on_epoch(self, event) -> None:
        self.accuracy = (
            event.val_accuracy if event.val_accuracy is not None else event.train_accuracy
        )
        if self.tty:
            self.stream.write("\r")
        self.stream.write(self.line(event.step) + "\n")
        self.stream.flush()

    def line(self, step: int) -> str:
        done = step - self.first_step
        elapsed = time.perf_counter() - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 else 0.0
        filled = int(20 * done / max(self.total, 1))
        accuracy = "" if self.accuracy is None else f"  acc {self.accuracy:.3f}"
        return (
            f"epoch {self.trainer.epoch} [{'#' * filled}{'.' * (20 - filled)}] {done}/{self.total}"
            f"  loss {self.loss:.4f}{accuracy}  {rate:.0f} steps/s  {left:.0f}s left"
        )


class MetricsCsv:
    """One row per step: epoch,step,loss,lr; train_acc,val_acc on the rows that end an epoch."""

    FIELDS = ["epoch", "step", "loss", "lr", "train_acc", "val_acc"]

    def __init__(self, path: str) -> None:
        try:
            self.file = open(path, "w", newline="")  # noqa: SIM115 (closed in close())
        except OSError as exc:
            raise GraphLabError(f"{path}: cannot write ({exc.strerror or exc})") from None
        self.writer = csv.writer(self.file)
        self.writer.writerow(self.FIELDS)
        self.pending = None

    def on_step(self, event) -> None:
        self.flush()
        self.pending = [event.epoch, event.step, f"{event.loss:.6g}", f"{event.lr:.6g}", "", ""]

    def on_epoch(self, event) -> None:
        if self.pending is not None:
            self.pending[4:] = [_fmt(event.train_accuracy), _fmt(event.val_accuracy)]
        self.flush()

    def flush(self) -> None:
        if self.pending is not None:
            self.writer.writerow(self.pending)
            self.pending = None

    def close(self) -> None:
        self.flush()
        self.file.close()


def _fmt(value) -> str:
    return "" if value is None else f"{value:.6g}"


def run_until_done(trainer):
    """Run ``trainer`` in a worker thread so Ctrl+C stops it cleanly between steps."""
    outcome: dict = {}

    def work():
        try:
            outcome["history"] = trainer.run()
        except BaseException as exc:  # re-raised in the calling thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        print("\ngraphlab: stopping after this step...", file=sys.stderr)
        trainer.stop()
        worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("history")


def check_targets(args) -> None:
    """Refuse --save and --metrics targets that cannot be written, before any training."""
    if args.save and Path(args.save).suffix.lower() == ".json":
        raise GraphLabError(
            f"--save {args.save}: a .json graph keeps no weights; save as .graphlab"
        )
    for option, target in (("--save", args.save), ("--metrics", args.metrics)):
        if target:
            save_target(target, lambda message, option=option: GraphLabError(f"{option} {message}"))


def metrics_guard(write, failures: list):
    """``write`` as a metrics callback whose OSError is kept in ``failures``, not raised:
    a full disk stops the metrics file, never the training or the save after it."""

    def call(event) -> None:
        if failures:
            return
        try:
            write(event)
        except OSError as exc:
            failures.append(exc)

    return call


def cmd_train(args) -> int:
    check_targets(args)
    doc = open_graph(args.graph)
    schedule = _schedule_spec(args.schedule) if args.schedule else None
    overrides = {
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "optimizer": args.optimizer,
        "lr": args.lr,
        "seed": args.seed,
        "schedule": schedule,
    }
    run = prepare_training(doc, overrides, device=args.device)
    trainer = run.trainer
    progress = Progress(trainer)
    trainer.metrics.on_step(progress.on_step)
    trainer.metrics.on_epoch(progress.on_epoch)
    writer = MetricsCsv(args.metrics) if args.metrics else None
    failures: list[OSError] = []
    if writer:
        trainer.metrics.on_step(metrics_guard(writer.on_step, failures))
        trainer.metrics.on_epoch(metrics_guard(writer.on_epoch, failures))
    settings = run.settings
    print(
        f"training {doc.name}: {settings['optimizer']} lr {settings['lr']:g}, batch {settings['batch_size']}, {settings['epochs']} epochs on {len(trainer.X)} samples ({args.device})"
    )
    started = time.perf_counter()
    try:
        history = run_until_done(trainer)
    finally:
        if writer:
            metrics_guard(lambda _: writer.close(), failures)(None)
    run.finish()
    seconds = time.perf_counter() - started
    last = history.epochs[-1] if history.epochs else None
    summary = [
        f"{len(history.losses)} steps in {seconds:.1f} s",
        f"final loss {history.losses[-1]:.4f}" if history.losses else "",
    ]
    if last is not None and last.train_accuracy is not None:
        summary.append(f"train accuracy {last.train_accuracy:.3f}")
    if last is not None and last.val_accuracy is not None:
        summary.append(f"validation accuracy {last.val_accuracy:.3f}")
    test = accuracy_of(trainer, run.data.splits.test)
    if test is not None:
        summary.append(f"test accuracy {test:.3f}")
    print(("stopped: " if history.stopped else "done: ") + ", ".join(s for s in summary if s))
    if args.save:
        save_document(doc, args.save)
        print(f"saved the trained project to {args.save}")
    if failures:
        raise GraphLabError(
            f"--metrics {args.metrics}: writing stopped ({failures[0].strerror or failures[0]})"
            + ("; the trained project was saved" if args.save else "")
        )
    return 0


def _schedule_spec(text: str) -> dict:
    """'step:every=500,gamma=0.1' -> {'name': 'step', 'every': 500.0, 'gamma': 0.1}."""
    name, _, rest = text.partition(":")
    spec: dict = {"name": name}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        try:
            spec[key.strip()] = float(value)
        except ValueError:
            raise GraphLabError(f"--schedule {text!r}: {item!r} is not key=number") from None
    return spec


def add_train(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train a graph on its dataset",
        description="Train GRAPH on its bound dataset with the settings stored in it, overridden by the options below; shows a progress bar and a final summary.",
    )
    add_graph_argument(p)
    p.add_argument("--epochs", type=int, metavar="N", help="passes over the training split")
    p.add_argument("--batch-size", type=int, metavar="B", help="samples per step")
    p.add_argument(
        "--optimizer",
        metavar="NAME",
        help="sgd, momentum, nesterov, adagrad, rmsprop, adam or lbfgs",
    )
    p.add_argument("--lr", type=float, metavar="X", help="learning rate")
    p.add_argument(
        "--schedule",
        metavar="NAME[:k=v,...]",
        help="constant, step:every=N,gamma=G, exponential:k=K or 1/t:k=K",
    )
    add_device_argument(p)
    p.add_argument("--seed", type=int, help="seed for initialisation, shuffling and dropout")
    p.add_argument(
        "--metrics", metavar="FILE.csv", help="write epoch,step,loss,lr,train_acc,val_acc rows"
    )
    p.add_argument("--save", metavar="FILE", help="write the trained project file (.graphlab)")
    p.set_defaults(handler=cmd_train)


def cmd_knn(args) -> int:
    from engine.knn import KNearestNeighbor, cross_validate
    from graphlab.datasets import load_dataset, split_dataset

    try:
        ks = [int(k) for k in args.k.split(",")]
    except ValueError:
        raise GraphLabError(
            f"--k {args.k!r}: expected integers separated by commas, e.g. 1,3,5"
        ) from None
    splits = split_dataset(
        load_dataset({"name": args.dataset}), val=0.0, test=args.test, seed=args.seed
    )
    X, y = splits.train.X.reshape(len(splits.train), -1), splits.train.y
    results = cross_validate(X, y, ks, folds=args.folds, metric=args.metric)
    rows = [
        [str(k), f"{r.mean:.4f}", f"{r.std:.4f}", " ".join(f"{a:.3f}" for a in r.accuracies)]
        for k, r in results.items()
    ]
    print(table(rows, ["k", "mean accuracy", "std", "per fold"]))
    best = max(results, key=lambda k: (results[k].mean, -k))
    model = KNearestNeighbor(best, args.metric).fit(X, y)
    test = splits.test
    accuracy = float(np.mean(model.predict(test.X.reshape(len(test), -1)) == test.y))
    print(f"best k = {best}: test accuracy {accuracy:.4f} on {len(test)} held-out samples")
    return 0


def add_knn(sub) -> None:
    p = sub.add_parser(
        "knn",
        help="k-nearest-neighbour baseline with cross-validation",
        description="Cross-validate a k-nearest-neighbour classifier over a list of k on a built-in dataset, then report the best k's accuracy on a held-out test split.",
    )
    p.add_argument(
        "--dataset",
        required=True,
        metavar="NAME",
        help="a built-in dataset: digits, spiral, circles, xor, blobs",
    )
    p.add_argument("--k", default="1,3,5,8,10,12,15,20", help="values of k, comma-separated")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    p.add_argument("--metric", choices=("l1", "l2"), default="l2", help="distance (default l2)")
    p.add_argument("--test", type=float, default=0.2, help="held-out test fraction (default 0.2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split")
    p.set_defaults(handler=cmd_knn)


def cmd_search(args) -> int:
    from graphlab.search import random_search

    ranges = {"lr": args.lr, "reg": args.reg}
    for item in args.attr or []:
        name, _, bounds = item.partition("=")
        ranges[name] = bounds
    trials = random_search(
        open_graph(args.graph), args.trials, ranges, epochs=args.epochs, seed=args.seed
    )
    names = [n for n in ranges if ranges[n]]
    rows = [
        [
            str(i + 1),
            *(f"{t.values[n]:.3g}" for n in names),
            _percent(t.val_accuracy),
            _percent(t.train_accuracy),
            t.note,
        ]
        for i, t in enumerate(trials)
    ]
    print(table(rows, ["rank", *names, "val acc", "train acc", "note"]))
    return 0


def add_search(sub) -> None:
    p = sub.add_parser(
        "search",
        help="random hyperparameter search in log space",
        description="Train short runs with hyperparameters drawn at random in log space and rank them by validation accuracy.",
    )
    add_graph_argument(p)
    p.add_argument("--trials", type=int, required=True, metavar="N", help="number of runs")
    p.add_argument(
        "--lr", default="1e-4:1e-1", metavar="LO:HI", help="learning-rate range (default 1e-4:1e-1)"
    )
    p.add_argument(
        "--reg", default=None, metavar="LO:HI", help="range of every penalty node's strength"
    )
    p.add_argument(
        "--attr",
        action="append",
        metavar="NODE.ATTR=LO:HI",
        help="range of any numeric attr (repeatable)",
    )
    p.add_argument("--epochs", type=int, default=2, metavar="N", help="epochs per run (default 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws and the runs")
    p.set_defaults(handler=cmd_search)


def _percent(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


REGISTER = [add_train, add_knn, add_search]
