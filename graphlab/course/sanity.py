"""The sanity checks of "babysitting the learning process" (CS231n notes), run on a graph's data.

(a) the initial loss with regularization off against its expected value (ln C for softmax,
(C - 1) * margin for the multiclass SVM), (b) the loss rising as regularization is raised,
(c) overfitting 20 training examples to 100% training accuracy within a step budget, and
(d) a learning-rate sweep (:mod:`graphlab.course.sweep`) with a suggested rate.
``run_checks(doc)`` returns a :class:`SanityReport`; the document itself is never changed.
The checks start from the document's current parameters (initialised where none are stored).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.errors import GraphLabError
from engine.trainer import find_scores
from graphlab.binding import BoundData, bound_data
from graphlab.course.sweep import DEFAULT_RATES, Sweep, lr_sweep
from graphlab.datasets.split import DatasetSplits
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.search import PENALTIES
from graphlab.training import OPTIMIZER_STATE, prepare_training, training_settings

#: (a) passes when the initial loss is within this fraction of the expected value
INITIAL_TOLERANCE = 0.1
#: the strengths (b) tries, lowest first
REG_STRENGTHS = (0.0, 1e-3, 1e-2, 1e-1)
#: (c): this many training examples, this many steps at most
OVERFIT_SAMPLES, OVERFIT_BUDGET = 20, 300
#: samples the losses of (a) and (b) are measured on
LOSS_SAMPLES = 1000


@dataclass
class CheckResult:
    """One check: its name, PASS (True), FAIL (False) or not applicable (None), the numbers
    (in words in ``detail``, by name in ``numbers``)."""

    name: str
    passed: bool | None
    detail: str
    numbers: dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[self.passed]
        return f"{verdict}  {self.name}: {self.detail}"


@dataclass
class SanityReport:
    results: list[CheckResult] = field(default_factory=list)
    sweep: Sweep | None = None

    @property
    def passed(self) -> bool:
        return all(r.passed is not False for r in self.results)

    def text(self) -> str:
        return "\n".join(r.line() for r in self.results)


def fresh_copy(doc: GraphDocument) -> GraphDocument:
    """A snapshot that starts training afresh (no stored progress or optimizer state)."""
    copy = doc.snapshot()
    copy.training = {k: v for k, v in copy.training.items() if k != "progress"}
    copy.extra_arrays.pop(OPTIMIZER_STATE, None)
    return copy


def with_regularization(doc: GraphDocument, strength: float) -> GraphDocument:
    """A fresh copy whose penalty nodes all have ``strength``; a graph without any gets an
    L2 penalty on each weight (parameters of 2 or more axes) added to its loss."""
    copy = fresh_copy(doc)
    penalties = [n for n in copy.nodes.values() if n.op in PENALTIES]
    for node in penalties:
        node.attrs["strength"] = strength
    if penalties:
        return copy
    graph = copy.compile()
    total = copy.loss_node(graph)
    for nid in [p for p in graph.params if len(graph.shapes[p]) >= 2]:
        penalty = copy.add_node(
            DocNode(copy.new_id(f"reg_{nid}"), "l2_penalty", {"strength": strength})
        )
        copy.add_edge(DocEdge(nid, penalty.id, "w"))
        added = copy.add_node(DocNode(copy.new_id("loss_reg"), "add"))
        copy.add_edge(DocEdge(total, added.id, "a"))
        copy.add_edge(DocEdge(penalty.id, added.id, "b"))
        total = added.id
    copy.loss = total
    return copy


def _loss_on(doc: GraphDocument, data: BoundData, samples: int = LOSS_SAMPLES) -> float:
    """The document's loss in eval mode on the first ``samples`` training examples."""
    graph = doc.compile(seed=training_settings(doc)["seed"])
    train = data.splits.train
    feeds = {data.data_input: train.X[:samples], data.label_input: train.y[:samples]}
    with np.errstate(over="ignore", invalid="ignore"):
        return float(graph.forward(feeds)[doc.loss_node(graph)])


def expected_initial_loss(doc: GraphDocument) -> tuple[str, float] | None:
    """(loss op, expected value at small random weights), or None for other losses."""
    graph = doc.compile()
    scores = find_scores(graph, doc.loss_node(graph))
    if scores is None:
        return None
    classes = graph.shapes[scores][-1]
    for nid in graph.consumers[scores]:
        op = graph.nodes[nid[0]].op
        if op == "softmax_cross_entropy":
            return op, math.log(classes)
        if op == "svm_loss":
            return op, (classes - 1) * graph.attrs[nid[0]]["margin"]
    return None


def initial_loss_check(doc: GraphDocument, data: BoundData) -> CheckResult:
    """(a) the loss at the starting weights with regularization 0."""
    name = "initial loss (regularization 0)"
    expected = expected_initial_loss(doc)
    loss = _loss_on(with_regularization(doc, 0.0), data)
    if expected is None:
        detail = f"{loss:.4f} (no softmax or SVM loss to compare with)"
        return CheckResult(name, None, detail, {"loss": loss})
    op, value = expected
    what = "ln C" if op == "softmax_cross_entropy" else "(C - 1) * margin"
    passed = math.isfinite(loss) and abs(loss - value) <= INITIAL_TOLERANCE * value
    detail = f"{loss:.4f}, expected {value:.4f} = {what} (within {INITIAL_TOLERANCE:.0%})"
    if not passed:
        detail += "; the starting weights are too large or the scores are biased"
    return CheckResult(name, passed, detail, {"loss": loss, "expected": value})


def regularization_check(doc: GraphDocument, data: BoundData) -> CheckResult:
    """(b) the loss at the same weights rises with each step up in regularization."""
    losses = [_loss_on(with_regularization(doc, s), data) for s in REG_STRENGTHS]
    rising = all(b > a for a, b in zip(losses, losses[1:], strict=False))
    pairs = ", ".join(f"{s:g}: {v:.4f}" for s, v in zip(REG_STRENGTHS, losses, strict=True))
    numbers = {f"loss at {s:g}": v for s, v in zip(REG_STRENGTHS, losses, strict=True)}
    return CheckResult(
        "loss rises with regularization", rising, f"strength -> loss {pairs}", numbers
    )


def subset(data: BoundData, count: int, seed: int = 0) -> BoundData:
    """The bound data cut down to ``count`` random training examples (val and test empty)."""
    train = data.splits.train
    picks = np.sort(np.random.default_rng(seed).permutation(len(train))[:count])
    empty = train.subset(np.arange(0))
    splits = DatasetSplits(train.subset(picks), empty, empty, picks, picks[:0], picks[:0])
    return BoundData(splits, data.preprocessing, data.data_input, data.label_input)


def overfit_check(doc: GraphDocument, data: BoundData) -> CheckResult:
    """(c) 20 examples, regularization 0, no augmentation: 100% training accuracy in budget."""
    copy = with_regularization(doc, 0.0)
    copy.dataset = {k: v for k, v in copy.dataset.items() if k != "augment"}
    small = subset(data, OVERFIT_SAMPLES)
    overrides = {"batch_size": len(small.splits.train), "epochs": OVERFIT_BUDGET}
    trainer = prepare_training(copy, overrides, data=small).trainer
    reached: list[int] = []

    def on_epoch(event) -> None:
        if event.train_accuracy is not None and event.train_accuracy >= 1.0 and not reached:
            reached.append(event.step)
            trainer.stop()

    trainer.metrics.on_epoch(on_epoch)
    history = trainer.run()
    last = history.epochs[-1].train_accuracy if history.epochs else None
    name = f"overfit {len(small.splits.train)} examples"
    if reached:
        detail = f"100% training accuracy after {reached[0]} steps"
        return CheckResult(name, True, detail, {"steps": reached[0], "accuracy": 1.0})
    shown = "n/a" if last is None else f"{last:.0%}"
    detail = f"{shown} training accuracy after {OVERFIT_BUDGET} steps (want 100%)"
    return CheckResult(name, False, detail, {"steps": OVERFIT_BUDGET, "accuracy": last or 0.0})


def sweep_check(sweep: Sweep) -> CheckResult:
    """(d) some rate learns; the suggested one is the rate with the lowest final loss."""
    diverged = [
        f"{lr:g}" for lr, v in zip(sweep.lrs, sweep.losses, strict=True) if not np.isfinite(v)
    ]
    tail = f"; diverged at {', '.join(diverged)}" if diverged else ""
    name = f"learning-rate sweep {sweep.lrs[0]:g} .. {sweep.lrs[-1]:g}"
    if sweep.suggested is None:
        return CheckResult(
            name, False, f"no rate brought the loss below 90% of {sweep.initial_loss:.4f}{tail}"
        )
    best = float(sweep.losses[list(sweep.lrs).index(sweep.suggested)])
    detail = f"suggested lr {sweep.suggested:.3g} (final loss {best:.4f}, from {sweep.initial_loss:.4f}){tail}"
    return CheckResult(name, True, detail, {"suggested": sweep.suggested, "final loss": best})


def run_checks(
    doc: GraphDocument,
    *,
    lrs=DEFAULT_RATES,
    sweep_steps: int = 200,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> SanityReport:
    """Run checks (a)-(d) on ``doc``'s dataset; ``progress`` gets a line as each one starts."""
    if not doc.dataset:
        raise GraphLabError(f"{doc.name}: the sanity checks need a dataset bound to the graph")
    data = bound_data(doc)
    report = SanityReport()
    say = progress or (lambda line: None)
    for text, check in (
        ("initial loss", initial_loss_check),
        ("regularization", regularization_check),
        ("overfitting 20 examples", overfit_check),
    ):
        if cancelled():
            raise GraphLabError("the sanity checks were cancelled")
        say(f"checking {text}...")
        report.results.append(check(doc, data))
    say(f"sweeping {len(lrs)} learning rates, {sweep_steps} steps each...")
    report.sweep = lr_sweep(fresh_copy(doc), data, lrs, sweep_steps, workers, cancelled=cancelled)
    report.results.append(sweep_check(report.sweep))
    return report
