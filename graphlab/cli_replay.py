"""``graphlab replay PROJECT --run N --step K [--out step.npz]``: one past training step,
recomputed from the run's snapshots (:mod:`graphlab.replay`): its loss and every node's
gradient norm, optionally all values and gradients as arrays."""

from __future__ import annotations

from engine.errors import GraphLabError
from graphlab.cli_args import add_command, add_graph_argument, positive_int
from graphlab.examples import open_graph
from graphlab.npzfile import write_npz
from graphlab.training.runs import saved_runs


def cmd_replay(args) -> int:
    doc = open_graph(args.graph)
    runs = saved_runs(doc.training)
    if not runs:
        raise GraphLabError(f"{args.graph} holds no training runs to replay")
    if args.run > len(runs):
        raise GraphLabError(f"--run {args.run}: {args.graph} holds runs 1 to {len(runs)}")
    from graphlab.replay import replay_step

    record = runs[args.run - 1]
    step = replay_step(doc, record, args.step)
    print(f"{record.name}, step {step.step} (epoch {step.epoch}): loss {step.loss!r}")
    norms = step.grad_norms()
    width = max((len(nid) for nid in norms), default=4)
    print(f"{'node':<{width}}  gradient norm")
    for nid, norm in norms.items():
        print(f"{nid:<{width}}  {norm:.6g}")
    if args.out:
        arrays = step.arrays()
        write_npz(args.out, arrays, GraphLabError)
        print(f"wrote {len(arrays)} arrays (value/NODE, grad/NODE, loss) to {args.out}")
    return 0


def add_replay(sub) -> None:
    p = add_command(
        sub,
        "replay",
        cmd_replay,
        "recompute a past training step from a run's snapshots",
        "Recompute step K of training run N of PROJECT exactly as it ran (same "
        "weights, batch, augmentation and dropout) from the snapshots the run kept; print its "
        "loss and each node's gradient norm.",
    )
    add_graph_argument(p)
    p.add_argument(
        "--run", type=positive_int, default=1, metavar="N", help="the run (1 = oldest kept)"
    )
    p.add_argument(
        "--step", type=positive_int, required=True, metavar="K", help="the step (from 1)"
    )
    p.add_argument("--out", metavar="FILE.npz", help="write every node's value and gradient")


REGISTER = [add_replay]
