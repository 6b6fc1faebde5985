"""``graphlab train``: training from the command line, with a progress bar; Ctrl+C keeps the run."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

from engine.errors import GraphLabError
from graphlab.api_train import TrainingBar
from graphlab.atomic import save_target
from graphlab.cli_args import (
    INTERRUPTED,
    add_command,
    add_device_argument,
    add_graph_argument,
    add_seed_argument,
    augment_spec,
    positive_float,
    positive_int,
)
from graphlab.custom_ops.cli import add_trust_argument, open_trusted
from graphlab.fileformat import save_document
from graphlab.replay.store import DEFAULT_BUDGET
from graphlab.training import accuracy_of, prepare_training
from graphlab.training.run_names import finished_name
from graphlab.training.runs import RunRecord, run_settings, saved_runs, with_run
from graphlab.training.session import TrainingSession, new_metrics_path, snapshots_folder

#: the progress bar of ``graphlab train``: the tqdm bar the Python API shows too
Progress = TrainingBar


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
    doc = open_trusted(args)
    if args.augment is not None:
        doc.set_dataset({**doc.dataset, "augment": args.augment})
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
    number, started_at = len(saved_runs(doc.training)) + 1, time.strftime("%H:%M")
    session = TrainingSession(
        run,
        record=RunRecord(f"run {number}", run_settings(run.settings)),
        metrics=args.metrics,
        snapshots=_snapshots(args),
        snapshot_budget=int(args.snapshot_budget * 2**20),
    )
    settings, samples = run.settings, len(run.trainer.X)
    batch = settings["batch_size"]
    batch = f"batch {batch}" if batch <= samples else f"batch {batch}: all {samples} samples"
    print(
        f"training {doc.name}: {settings['optimizer']} lr {settings['lr']:g}, {batch}, "
        f"{settings['epochs']} epochs on {samples} samples ({args.device})"
    )
    if "interrupted" in doc.training.get("progress", {}):
        print(f"continuing the run {doc.training['progress']['interrupted']}")
    started = time.perf_counter()
    interrupted = train_until_done(session, Progress(session))
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
    epoch, step = run.trainer.epoch, run.trainer.step
    where = f"interrupted at epoch {epoch}, step {step}"
    if interrupted:
        progress = {**doc.training["progress"], "interrupted": where}
        doc.set_training({**doc.training, "progress": progress})
    if args.save:
        record.name = finished_name(number, started_at, session)
        doc.set_training(with_run(doc.training, record))
        save_document(doc, args.save)
        kept = f"the project so far ({where}; train it again to continue)"
        print(f"saved {kept if interrupted else 'the trained project'} to {args.save}")
    if session.metrics_error is not None:
        failure = session.metrics_error
        raise GraphLabError(
            f"--metrics {args.metrics}: writing stopped ({failure.strerror or failure})"
            + ("; the trained project was saved" if args.save else "")
        )
    if interrupted:
        kept = [f"--save {args.save}"] if args.save else []
        kept += [f"--metrics {args.metrics} (up to step {step})"] if args.metrics else []
        print(
            f"graphlab: {where}" + (f"; wrote {', '.join(kept)}" if kept else ""), file=sys.stderr
        )
        if threading.current_thread() is threading.main_thread():
            # all is written: a second Ctrl+C held during the save must not kill the exit
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        return INTERRUPTED
    return 0


def train_until_done(session: TrainingSession, progress: Progress) -> bool:
    """Train in the session's worker thread, polling it for progress; Ctrl+C stops the run
    cleanly after the current step. The trained values are written back either way.
    Returns whether Ctrl+C stopped it (a second Ctrl+C raises KeyboardInterrupt at once)."""
    session.start()
    try:
        while session.is_alive():
            # sleep, not join(timeout): a Ctrl+C that interrupts Thread.join can leave the
            # thread marked as ended while its last step still runs
            time.sleep(0.1)
            progress.show(session.poll())
    except KeyboardInterrupt:
        print(
            "\ngraphlab: stopping after this step (Ctrl+C again stops at once, saving nothing)...",
            file=sys.stderr,
        )
        session.stop()
        progress.show(session.finish())
        return True
    progress.show(session.finish())
    return False


def _snapshots(args):
    """The snapshot store's folder: beside --metrics, else in the runs folder when the run is
    saved (--save), else none (nothing could replay it)."""
    if args.metrics:
        return snapshots_folder(args.metrics)
    path = new_metrics_path() if args.save else None
    return snapshots_folder(path) if path else False


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
    p = add_command(
        sub,
        "train",
        cmd_train,
        "train a graph on its dataset",
        "Train GRAPH on its bound dataset with the settings stored in it, overridden by the options below; shows a progress bar and a final summary.",
    )
    add_graph_argument(p)
    p.add_argument(
        "--epochs", type=positive_int, metavar="N", help="passes over the training split (>= 1)"
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        metavar="B",
        help="samples per step (>= 1; above the training split's size: all of it)",
    )
    p.add_argument(
        "--optimizer",
        metavar="NAME",
        help="sgd, momentum, nesterov, adagrad, rmsprop, adam or lbfgs",
    )
    p.add_argument("--lr", type=positive_float, metavar="X", help="learning rate (above 0)")
    p.add_argument(
        "--schedule",
        metavar="NAME[:k=v,...]",
        help="constant, step:every=N,gamma=G, exponential:k=K or 1/t:k=K",
    )
    p.add_argument(
        "--augment",
        type=augment_spec,
        metavar="LIST",
        help="training-batch augmentation replacing the graph's, e.g. "
        "flip,crop=2,translate=0.1,rotate=10,scale=0.1,shear=5 (none: off)",
    )
    add_device_argument(p)
    add_seed_argument(
        p, "seed for initialisation, shuffling, dropout and augmentation", default=None
    )
    p.add_argument(
        "--metrics", metavar="FILE.csv", help="write epoch,step,loss,lr,train_acc,val_acc rows"
    )
    p.add_argument("--save", metavar="FILE", help="write the trained project file (.graphlab)")
    add_trust_argument(p)
    p.add_argument(
        "--snapshot-budget",
        type=positive_float,
        default=DEFAULT_BUDGET / 2**20,
        metavar="MB",
        help="most megabytes of snapshots kept for `graphlab replay` (default 200)",
    )


REGISTER = [add_train]
