"""``graphlab runs [--prune MIB]``: the runs folder's runs, their sizes and total, and pruning
it to a budget (:mod:`graphlab.training.runs_folder`, as the window does when a run starts)."""

from __future__ import annotations

import time

from graphlab.budget import human
from graphlab.cli_args import add_command, non_negative_int
from graphlab.commands import table
from graphlab.training.runs_folder import ACTIVE_SECONDS, list_runs, prune, runs_folder

MIB = 2**20


def cmd_runs(args) -> int:
    if args.prune is not None:
        print(prune(args.prune * MIB).summary(args.prune * MIB))
    runs = list_runs()
    rows = [
        [
            run.name,
            human(run.metrics_bytes) if run.metrics else "-",
            human(run.snapshot_bytes) if run.snapshots else "-",
            time.strftime("%Y-%m-%d %H:%M", time.localtime(run.modified)),
        ]
        for run in runs
    ]
    if rows:
        print(table(rows, ["run", "metrics", "snapshots", "modified"]))
    total = sum(run.size for run in runs)
    print(f"{runs_folder()}: {len(runs)} run{'' if len(runs) == 1 else 's'}, {human(total)}")
    return 0


def add_runs(sub) -> None:
    p = add_command(
        sub,
        "runs",
        cmd_runs,
        help="list the runs folder (metrics files, snapshot stores) or prune it to a budget",
        description="List the runs in the runs folder ($GRAPHLAB_RUNS_DIR, else "
        "$XDG_DATA_HOME/graphlab/runs): each run's metrics file and snapshot store with their "
        "sizes, then the total. --prune removes the oldest runs' snapshot stores, then their "
        "metrics files, until the folder fits MIB (runs written in the last "
        f"{ACTIVE_SECONDS // 60} minutes are kept: they may still be training).",
    )
    p.add_argument(
        "--prune",
        type=non_negative_int,
        metavar="MIB",
        help="remove the oldest runs' files until the runs take at most MIB mebibytes",
    )


REGISTER = [add_runs]
