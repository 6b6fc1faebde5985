"""Random hyperparameter search in log space (the curriculum's recipe): short runs, ranked."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from engine.errors import GraphLabError
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


def range_problem(text: str) -> tuple[float, float] | str:
    """'1e-4:1e-1' -> (1e-4, 1e-1), or what is wrong with it (both ends finite, 0 < LO <= HI)."""
    parts = text.split(":")
    try:
        low, high = (float(part) for part in parts) if len(parts) == 2 else (math.nan, 0.0)
    except ValueError:
        low, high = math.nan, 0.0
    if not (0 < low <= high and math.isfinite(high)):
        return f"expected LO:HI with 0 < LO <= HI, both finite (e.g. 1e-4:1e-1), got {text!r}"
    return low, high


def parse_range(name: str, text: str) -> tuple[float, float]:
    """'1e-4:1e-1' -> (1e-4, 1e-1) for a log-space search; GraphLabError naming ``name`` else."""
    result = range_problem(text)
    if isinstance(result, str):
        raise GraphLabError(f"range of {name}: {result}")
    return result


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
    nid, attr_name = name.partition(".")[::2]
    attr = numeric_attr(doc, name)
    value = max(1, round(value)) if attr.kind == "int" else value
    doc.set_attrs(nid, {**doc.nodes[nid].attrs, attr_name: attr.validate(value)})
    return value


def numeric_attr(doc: GraphDocument, name: str):
    """The numeric attr NODE.ATTR of ``doc`` (its op's Attr); GraphLabError when there is none."""
    nid, _, attr_name = name.partition(".")
    if nid not in doc.nodes:
        raise GraphLabError(f"--attr {name}: no node {nid!r}")
    attr = {a.name: a for a in get_op(doc.nodes[nid].op).attrs}.get(attr_name)
    if attr is None or attr.kind not in ("int", "float"):
        raise GraphLabError(f"--attr {name}: {nid} has no numeric attr {attr_name!r}")
    return attr


def random_search(
    doc: GraphDocument,
    trials: int,
    ranges: dict[str, str | None],
    epochs: int = 2,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> list[Trial]:
    """Train ``trials`` short runs with values drawn in log space, ranked by :func:`ranked`.
    ``progress(done, total)`` is called before each trial and after the last (a background job
    passes ``Job.report``, which stops the search there once cancelled)."""
    found = list(search_trials(doc, trials, ranges, epochs, seed, progress))
    if progress is not None:
        progress(trials, trials)
    return ranked(found)


def search_trials(
    doc: GraphDocument,
    trials: int,
    ranges: dict[str, str | None],
    epochs: int = 2,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Trial]:
    """The trials one by one, as they end. A trial that cannot run (its values make shapes
    that do not fit, its loss diverges) is a Trial whose ``note`` says why."""
    if trials < 1 or epochs < 1:
        raise GraphLabError("--trials and --epochs must be at least 1")
    bounds = {name: parse_range(name, text) for name, text in ranges.items() if text}
    if "reg" in bounds and not any(n.op in PENALTIES for n in doc.nodes.values()):
        raise GraphLabError(
            f"--reg: {doc.name} has no penalty node (l2_penalty, l1_penalty, elastic_penalty)"
        )
    for name in set(bounds) - {"lr", "reg"}:
        numeric_attr(doc, name)
    rng = np.random.default_rng(seed)
    data = bound_data(doc)
    for done in range(trials):
        if progress is not None:
            progress(done, trials)
        trial_doc = doc.snapshot()
        trial = Trial()
        draws = {name: log_uniform(rng, low, high) for name, (low, high) in bounds.items()}
        try:
            for name, value in draws.items():
                trial.values[name] = apply_value(trial_doc, name, value)
            history = prepare_training(
                trial_doc, {"epochs": epochs, "seed": seed}, data=data
            ).trainer.run()
        except GraphLabError as exc:
            trial.values = {**draws, **trial.values}
            trial.note = " ".join(str(exc).split())
        else:
            last = history.epochs[-1]
            trial.val_accuracy, trial.train_accuracy = last.val_accuracy, last.train_accuracy
        yield trial


def ranked(trials: list[Trial]) -> list[Trial]:
    """Best first: by validation accuracy when the trials have one, else by training accuracy;
    trials that could not run last."""
    by_val = any(t.val_accuracy is not None for t in trials)

    def score(trial: Trial) -> float:
        value = trial.val_accuracy if by_val else trial.train_accuracy
        return -1.0 if value is None else value

    return sorted(trials, key=score, reverse=True)
