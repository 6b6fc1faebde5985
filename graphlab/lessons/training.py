"""*train* tasks: train the student's graph headless, from fresh parameters, within the
lesson's epoch budget, through the same training session as ``graphlab train``."""

from __future__ import annotations

import math

from engine.errors import GraphLabError
from graphlab.document import GraphDocument
from graphlab.lessons.checks import Verdict
from graphlab.lessons.format import Task
from graphlab.training import accuracy_of, prepare_training, training_settings

NAMES = {"train_accuracy": "training accuracy", "val_accuracy": "validation accuracy",
         "loss": "training loss"}  # fmt: skip


def measure(task: Task, doc: GraphDocument) -> tuple[float, int]:
    """(the task's metric after a fresh run, epochs run): the student's settings, at most
    ``task.max_epochs`` epochs; a run that diverges counts as loss inf, accuracy 0."""
    from graphlab.training.session import TrainingSession

    fresh = doc.snapshot()
    fresh.params, fresh.state, fresh.extra_arrays = {}, {}, {}
    fresh.training = {k: v for k, v in fresh.training.items() if k not in ("progress", "runs")}
    epochs = min(training_settings(fresh)["epochs"], task.max_epochs)
    run = prepare_training(fresh, {"epochs": epochs})
    session = TrainingSession(run)
    session.start()
    session.join()
    session.finish(write_back=False)
    if session.exception is not None:
        if not isinstance(session.exception, GraphLabError):
            raise session.exception
        return (math.inf if task.metric == "loss" else 0.0), epochs
    trainer, splits = run.trainer, run.data.splits
    if task.metric == "loss":
        xp = trainer.graph.xp
        X, y = xp.asarray(splits.train.X, dtype=trainer.graph.dtype), xp.asarray(splits.train.y)
        loss = float(trainer.evaluate(X, y)[1])
        return (loss if math.isfinite(loss) else math.inf), epochs
    split = splits.train if task.metric == "train_accuracy" else splits.val
    accuracy = accuracy_of(trainer, split)
    if accuracy is None:
        raise GraphLabError(f"the dataset has no {task.metric.split('_')[0]} split to measure")
    return float(accuracy), epochs


def check_training(task: Task, doc: GraphDocument) -> Verdict:
    """Whether a fresh run of ``doc`` reaches the task's target within its epoch budget."""
    try:
        value, epochs = measure(task, doc)
    except GraphLabError as exc:
        return Verdict(False, f"the graph cannot train yet: {exc}")
    name = NAMES[task.metric]
    if task.at_least is not None:
        passed, goal = value >= task.at_least, f"at least {task.at_least:g}"
    else:
        passed, goal = value <= task.at_most, f"at most {task.at_most:g}"
    shown = "diverged" if math.isinf(value) else f"{value:.4g}"
    verdict = "reached" if passed else "did not reach"
    return Verdict(passed, f"After {epochs} epoch(s) the {name} is {shown}: {verdict} "
                           f"the target ({goal}).")  # fmt: skip
