"""Random hyperparameter search in log space (the curriculum's recipe): short runs, ranked."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.errors import GraphLabError, TrainingError
from engine.ops import get_op
from graphlab.binding import bound_data
from graphlab.document import GraphDocument
from graphlab.training import prepare_training

PENALTIES = ("l2_penalty", "l1_penalty", "elastic_penalty")


@dataclass
class Trial:
    values: dict[str, float] = field(default_factory=dict)
    val_accuracy: float | None = None
    train_accuracy: float | None = None
    note: str = ""


def parse_range(name: str, text: str) -> tuple[float, float]:
    """'1e-4:1e-1' -> (1e-4, 1e-1); both ends positive, low <= high."""
    try:
        low, high = (float(part) for part in text.split(":"))
    except ValueError:
        raise GraphLabError(
            f"range of {name}: expected LO:HI with two numbers, got {text!r}"
        ) from None
    if not (0 < low <= high and math.isfinite(high)):
        raise GraphLabError(
            f"range of {name}: expected 0 < LO <= HI for a log-space search, got {text!r}"
        )
    return low, high


def log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """A value whose logarithm is uniform between log(low) and log(high)."""
    return float(10 ** rng.uniform(math.log10(low), math.log10(high)))


def apply_value(doc: GraphDocument, name: str, value: float) -> float:
    """Set hyperparameter ``name`` (lr, reg, or NODE.ATTR) in ``doc``; returns the value used."""
    if name == "lr":
        doc.set_training({**doc.training, "lr": value})
        return value
    if name == "reg":
        for node in list(doc.nodes.values()):
            if node.op in PENALTIES:
                doc.set_attrs(node.id, {**node.attrs, "strength": value})
        return value
    nid, _, attr_name = name.partition(".")
    if nid not in doc.nodes:
        raise GraphLabError(f"--attr {name}: no node {nid!r}")
    attr = {a.name: a for a in get_op(doc.nodes[nid].op).attrs}.get(attr_name)
    if attr is None or attr.kind not in ("int", "float"):
        raise GraphLabError(f"--attr {name}: {nid} has no numeric attr {attr_name!r}")
    value = max(1, round(value)) if attr.kind == "int" else value
    doc.set_attrs(nid, {**doc.nodes[nid].attrs, attr_name: attr.validate(value)})
    return value


def random_search(
    doc: GraphDocument,
    trials: int,
    ranges: dict[str, str | None],
    epochs: int = 2,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> list[Trial]:
    """Train ``trials`` short runs with values drawn in log space; best validation accuracy first.
    ``progress(done, total)`` is called before each trial and after the last (a background job
    passes ``Job.report``, which stops the search there once cancelled)."""
    if trials < 1:
        raise GraphLabError("--trials must be at least 1")
    bounds = {name: parse_range(name, text) for name, text in ranges.items() if text}
    if "reg" in bounds and not any(n.op in PENALTIES for n in doc.nodes.values()):
        raise GraphLabError(
            f"--reg: {doc.name} has no penalty node (l2_penalty, l1_penalty, elastic_penalty)"
        )
    rng = np.random.default_rng(seed)
    data = bound_data(doc)
    results = []
    for done in range(trials):
        if progress is not None:
            progress(done, trials)
        trial_doc = doc.snapshot()
        trial = Trial()
        for name, (low, high) in bounds.items():
            trial.values[name] = apply_value(trial_doc, name, log_uniform(rng, low, high))
        run = prepare_training(trial_doc, {"epochs": epochs, "seed": seed}, data=data)
        try:
            history = run.trainer.run()
        except TrainingError as exc:
            trial.note = str(exc).split(":")[0]
        else:
            last = history.epochs[-1]
            trial.val_accuracy, trial.train_accuracy = last.val_accuracy, last.train_accuracy
        results.append(trial)
    if progress is not None:
        progress(trials, trials)
    return sorted(
        results,
        key=lambda t: -(t.val_accuracy if t.val_accuracy is not None else t.train_accuracy or -1.0),
    )
