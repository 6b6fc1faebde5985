"""``graphlab train``, ``graphlab knn`` and ``graphlab search``: training from the command line."""

from __future__ import annotations

import sys
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
from graphlab.training.session import TrainingSession


class Progress:
    """A one-line progress bar on stderr: epoch, steps, loss, accuracy, speed and time left,
    read from the snapshots of a :class:`TrainingSession` and its steps per epoch."""

    def __init__(self, session: TrainingSession, stream=None, every: float = 0.2) -> None:
        # stderr when called, not when imported (a test's capture may have replaced it since)
        self.session, self.stream, self.every = session, stream or sys.stderr, every
        self.start, self.shown = time.perf_counter(), 0.0
        self.accuracy: float | None = None
        self.last: tuple[int, int, float] | None = None  # epoch, step, loss
        self.tty = self.stream.isatty()

    def show(self, snap) -> None:
        """A line per epoch that ended since the last poll; on a terminal, the running line."""
        steps = {step: (epoch, loss) for epoch, step, loss, _ in snap.steps}
        if snap.steps:
            self.last = snap.steps[-1][:3]
        for event in snap.epochs:
            accuracy = (
                event.val_accuracy if event.val_accuracy is not None else event.train_accuracy
            )
            epoch, loss = steps.get(event.step, (event.epoch, self.last[2]))
            line = self.line(epoch, event.step, loss, accuracy)
            self.stream.write(("\r" if self.tty else "") + line + "\n")
            self.accuracy = accuracy
        now = time.perf_counter()
        if self.tty and self.last is not None and now - self.shown >= self.every:
            self.shown = now
            self.stream.write("\r" + self.line(*self.last, self.accuracy) + "\033[K")
        self.stream.flush()

    def line(self, epoch: int, step: int, loss: float, accuracy: float | None) -> str:
        session = self.session
        done, total = step - session.first_step, session.total_steps
        elapsed = time.perf_counter() - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        filled = int(20 * min(done, total) / max(total, 1))
        shown = "" if accuracy is None else f"  acc {accuracy:.3f}"
        return (
            f"epoch {epoch} [{'#' * filled}{'.' * (20 - filled)}] {done}/{total}"
            f"  loss {loss:.4f}{shown}  {rate:.0f} steps/s  {left:.0f}s left"
        )


def check_targets(args) -> None:
    """Refuse --save and --metrics targets that cannot be written, before any training."""
    if args.save and Path(args.save).suffix.lower() == ".json":
        raise GraphLabError(
            f"--save {args.save}: a .json graph keeps no weights; save as .graphlab"
        )
    for option, target in (("--save", args.save), ("--metrics", args.metrics)):
        if target:
            save_target(target, lambda message, option=option: GraphLabError(f"{option} {message}"))


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
    session = TrainingSession(run, metrics=args.metrics)
    settings, samples = run.settings, len(run.trainer.X)
    print(
        f"training {doc.name}: {settings['optimizer']} lr {settings['lr']:g}, batch {settings['batch_size']}, {settings['epochs']} epochs on {samples} samples ({args.device})"
    )
    started = time.perf_counter()
    train_until_done(session, Progress(session))
    if session.exception is not None:
        raise session.exception
    seconds = time.perf_counter() - started
    record = session.record
    summary = [
        f"{session.steps_done()} steps in {seconds:.1f} s",
        f"final loss {record.latest['loss']:.4f}" if "loss" in record.latest else "",
    ]
    for name, series in (("train", "train_acc"), ("validation", "val_acc")):
        if series in record.latest:
            summary.append(f"{name} accuracy {record.latest[series]:.3f}")
    test = accuracy_of(run.trainer, run.data.splits.test)
    if test is not None:
        summary.append(f"test accuracy {test:.3f}")
    print(("stopped: " if session.stopped else "done: ") + ", ".join(s for s in summary if s))
    if args.save:
        save_document(doc, args.save)
        print(f"saved the trained project to {args.save}")
    if session.metrics_error is not None:
        failure = session.metrics_error
        raise GraphLabError(
            f"--metrics {args.metrics}: writing stopped ({failure.strerror or failure})"
            + ("; the trained project was saved" if args.save else "")
        )
    return 0


def train_until_done(session: TrainingSession, progress: Progress) -> None:
    """Train in the session's worker thread, polling it for progress; Ctrl+C stops the run
    cleanly between steps. The trained values are written back either way."""
    session.start()
    try:
        while session.is_alive():
            session.join(0.1)
            progress.show(session.poll())
    except KeyboardInterrupt:
        print("\ngraphlab: stopping after this step...", file=sys.stderr)
        session.stop()
    progress.show(session.finish())


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
