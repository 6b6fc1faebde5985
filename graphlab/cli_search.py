"""``graphlab knn`` and ``graphlab search``: baselines and hyperparameter search."""

from __future__ import annotations

import sys

import numpy as np

from engine.errors import GraphLabError
from graphlab.cli_args import (
    DASH_NOTE,
    INTERRUPTED,
    add_command,
    add_graph_argument,
    add_seed_argument,
    fraction_between,
    int_between,
    int_list,
    key_range,
    log_range,
    positive_int,
)
from graphlab.commands import table
from graphlab.examples import open_graph


def cmd_knn(args) -> int:
    from engine.knn import KNearestNeighbor, cross_validate
    from graphlab.datasets import load_dataset, split_dataset

    splits = split_dataset(
        load_dataset({"name": args.dataset}), val=0.0, test=args.test, seed=args.seed
    )
    if len(splits.train) < args.folds:
        raise GraphLabError(
            f"--test {args.test:g} leaves {len(splits.train)} training samples for "
            f"{args.folds} folds; use a smaller --test or fewer --folds"
        )
    X, y = splits.train.X.reshape(len(splits.train), -1), splits.train.y
    fold_size = len(X) - -(-len(X) // args.folds)  # the smallest training part of a fold
    ks = [k for k in args.k if k <= fold_size]
    if not ks:
        raise GraphLabError(f"--k: every k is above the {fold_size} neighbours a fold has")
    results = cross_validate(X, y, ks, folds=args.folds, metric=args.metric)
    rows = [
        [str(k), f"{r.mean:.4f}", f"{r.std:.4f}", " ".join(f"{a:.3f}" for a in r.accuracies)]
        for k, r in results.items()
    ]
    print(table(rows, ["k", "mean accuracy", "std", "per fold"]))
    if len(ks) < len(args.k):
        print(f"left out k above {fold_size} (the training samples of a fold)")
    best = max(results, key=lambda k: (results[k].mean, -k))
    test = splits.test
    if not len(test):
        print(f"best k = {best} (cross-validation); no held-out test samples (--test 0)")
        return 0
    model = KNearestNeighbor(best, args.metric).fit(X, y)
    accuracy = float(np.mean(model.predict(test.X.reshape(len(test), -1)) == test.y))
    print(f"best k = {best}: test accuracy {accuracy:.4f} on {len(test)} held-out samples")
    return 0


def add_knn(sub) -> None:
    p = add_command(
        sub,
        "knn",
        cmd_knn,
        "k-nearest-neighbour baseline with cross-validation",
        "Cross-validate a k-nearest-neighbour classifier over a list of k on a built-in dataset, then report the best k's accuracy on a held-out test split.",
    )
    p.add_argument(
        "--dataset",
        required=True,
        metavar="NAME",
        help="a built-in dataset: digits, spiral, circles, xor, blobs",
    )
    p.add_argument(
        "--k", type=int_list, default=[1, 3, 5, 8, 10, 12, 15, 20], metavar="K,K,...",
        help="values of k, comma-separated, each >= 1 (default 1,3,5,8,10,12,15,20)",
    )  # fmt: skip
    p.add_argument(
        "--folds", type=int_between(2), default=5, metavar="N",
        help="cross-validation folds, at least 2 (default 5)",
    )  # fmt: skip
    p.add_argument("--metric", choices=("l1", "l2"), default="l2", help="distance (default l2)")
    p.add_argument(
        "--test", type=fraction_between(zero=True, one=False), default=0.2, metavar="F",
        help="held-out test fraction, 0 <= F < 1 (default 0.2; 0: cross-validation only)",
    )  # fmt: skip
    add_seed_argument(p, "seed of the split")


def cmd_search(args) -> int:
    from graphlab.search import ranked, search_trials

    ranges = {"lr": args.lr, "reg": args.reg, **dict(args.attr or [])}
    doc = open_graph(args.graph)
    found, status = [], 0
    try:
        for trial in search_trials(doc, args.trials, ranges, epochs=args.epochs, seed=args.seed):
            found.append(trial)
    except KeyboardInterrupt:
        status = INTERRUPTED
    trials = ranked(found)
    by_val = any(t.val_accuracy is not None for t in trials)
    names = [n for n in ranges if ranges[n]]
    rows = [
        [
            str(i + 1),
            *(f"{t.values[n]:.3g}" if n in t.values else "-" for n in names),
            *([_percent(t.val_accuracy)] if by_val else []),
            _percent(t.train_accuracy),
            t.note,
        ]
        for i, t in enumerate(trials)
    ]
    accuracy = ["val acc", "train acc"] if by_val else ["train acc"]
    print(table(rows, ["rank", *names, *accuracy, "note"]))
    ranking = "validation accuracy" if by_val else "training accuracy (no validation split)"
    print(f"{len(trials)} trials of {args.epochs} epochs each, ranked by {ranking}")
    if status:
        print(f"graphlab: interrupted after {len(trials)} of {args.trials} trials", file=sys.stderr)
    return status


def add_search(sub) -> None:
    p = add_command(
        sub,
        "search",
        cmd_search,
        "random hyperparameter search in log space",
        "Train short runs with hyperparameters drawn at random in log space and rank them by validation accuracy (by training accuracy when the graph's data has no validation split). A trial that cannot run is a row with its reason.",
    )
    add_graph_argument(p)
    p.add_argument("--trials", type=positive_int, required=True, metavar="N", help="number of runs")
    p.add_argument(
        "--lr", type=log_range, default="1e-4:1e-1", metavar="LO:HI",
        help="learning-rate range, 0 < LO <= HI (default 1e-4:1e-1)" + DASH_NOTE,
    )  # fmt: skip
    p.add_argument(
        "--reg", type=log_range, default=None, metavar="LO:HI",
        help="range of every penalty node's strength" + DASH_NOTE,
    )  # fmt: skip
    p.add_argument(
        "--attr", type=key_range, action="append", metavar="NODE.ATTR=LO:HI",
        help="range of any numeric attr (repeatable)",
    )  # fmt: skip
    p.add_argument(
        "--epochs", type=positive_int, default=2, metavar="N",
        help="epochs per run, at least 1 (default 2)",
    )  # fmt: skip
    add_seed_argument(p, "seed of the draws and the runs")


def _percent(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


REGISTER = [add_knn, add_search]
