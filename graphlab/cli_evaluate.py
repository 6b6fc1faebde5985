"""``graphlab evaluate`` and ``graphlab ensemble``: test accuracy of trained projects, alone
or averaged as an ensemble."""

from __future__ import annotations

import json
import sys

import numpy as np

from graphlab.cli_args import (
    add_command,
    add_graph_argument,
    add_json_argument,
    add_seed_argument,
    fraction_between,
    positive_int,
)
from graphlab.commands import table
from graphlab.ensemble import train_ensemble
from graphlab.evaluate import EnsembleReport, Evaluation, evaluate_documents
from graphlab.examples import open_graph

JSON_HELP = 'print {"members": [...], "ensemble": {...}}'


def print_report(report: EnsembleReport, as_json: bool) -> None:
    """The report as JSON, or as tables: accuracy and per-class accuracy of every member (and
    the ensemble), then the confusion matrix of the ensemble (or of the only member)."""
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
        return
    rows = [*report.members, *([report.ensemble] if report.ensemble else [])]
    n = len(report.members[0].labels)
    print(f"test split: {n} samples")
    listed = [[_short(r, i), r.name, f"{r.accuracy:.4f}"] for i, r in enumerate(rows)]
    print(table(listed, ["", "model", "accuracy"]))
    print()
    names = report.members[0].class_names
    header = ["class", *(_short(r, i) for i, r in enumerate(rows))]
    per_class = [[name, *(_percent(r.per_class[k]) for r in rows)] for k, name in enumerate(names)]
    print(table(per_class, header))
    print()
    shown = report.ensemble or report.members[0]
    print(f"confusion matrix of {shown.name} (rows: true class, columns: predicted)")
    print(table([[name, *map(str, row)] for name, row in zip(names, shown.confusion, strict=True)],
                ["", *names]))  # fmt: skip


def _short(evaluation: Evaluation, index: int) -> str:
    return "ensemble" if evaluation.name == "ensemble" else f"#{index + 1}"


def _percent(value: float) -> str:
    return "-" if np.isnan(value) else f"{100 * value:.1f}"


def cmd_evaluate(args) -> int:
    docs = [open_graph(path) for path in args.projects]
    print_report(evaluate_documents(docs, list(args.projects)), args.json)
    return 0


def add_evaluate(sub) -> None:
    p = add_command(
        sub,
        "evaluate",
        cmd_evaluate,
        "test accuracy of trained projects; several = an ensemble",
        "Accuracy, per-class accuracy and the confusion matrix of each trained PROJECT "
        "on its test split; with several projects, also of their ensemble (the mean of the "
        "members' softmax probabilities). The projects must share one dataset and split.",
    )
    p.add_argument("projects", nargs="+", metavar="PROJECT", help="trained .graphlab projects")
    add_json_argument(p, JSON_HELP)


def cmd_ensemble(args) -> int:
    doc = open_graph(args.graph)
    say = None if args.json else (lambda line: print(line, file=sys.stderr))
    docs, names = train_ensemble(
        doc, args.members, args.seed, args.epochs, args.snapshots, args.average, say
    )
    print_report(evaluate_documents(docs, names), args.json)
    return 0


def add_ensemble(sub) -> None:
    p = add_command(
        sub,
        "ensemble",
        cmd_ensemble,
        "train several members of a graph and evaluate their ensemble",
        "Train GRAPH from fresh parameters with seeds SEED, SEED+1, ... and evaluate "
        "every member and their ensemble (the mean of the softmax probabilities) on the test "
        "split. --snapshots K takes each run's last K epochs as members; --average D makes each "
        "member the running average of its parameters (decay D per step).",
    )
    add_graph_argument(p)
    p.add_argument("--members", type=positive_int, default=5, metavar="N", help="runs (default 5)")
    p.add_argument(
        "--epochs", type=positive_int, metavar="E", help="epochs per run (default: the graph's)"
    )
    add_seed_argument(p, "seed of the first run")
    p.add_argument(
        "--snapshots",
        type=positive_int,
        default=1,
        metavar="K",
        help="members per run: its last K epochs",
    )
    p.add_argument(
        "--average",
        type=fraction_between(zero=False, one=False),
        metavar="D",
        help="keep a running average of the parameters (decay D per step, 0 < D < 1)",
    )
    add_json_argument(p, JSON_HELP)


REGISTER = [add_evaluate, add_ensemble]
