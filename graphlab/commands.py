"""The subcommands of ``graphlab``: examples, describe, run, gradcheck (train ones live beside)."""

from __future__ import annotations

import math
import sys

import numpy as np

from engine.backend import to_numpy
from engine.errors import GraphError, GraphLabError
from engine.gradcheck import DEFAULT_THRESHOLD, gradient_check
from engine.ops import get_op
from engine.ops.base import fmt
from graphlab.analysis import analyse
from graphlab.binding import sample_feeds
from graphlab.cli_args import (
    INTERRUPTED,
    add_command,
    add_device_argument,
    add_graph_argument,
    add_seed_argument,
    positive_float,
    positive_int,
)
from graphlab.cli_export import add_export, add_import
from graphlab.cli_input import add_input_options, add_predict, apply_user_inputs, open_run_graph
from graphlab.cli_open import add_open
from graphlab.custom_ops.cli import add_trust_argument, open_trusted
from graphlab.examples import list_examples, open_graph
from graphlab.npzfile import write_npz


def summary(value) -> str:
    """A value for a table cell: a number (4 significant digits) or an array's norm and range."""
    if value is None:
        return "-"
    array = to_numpy(value)
    if array.size == 1:
        return f"{float(array.reshape(-1)[0]):.4g}"
    return f"norm {float(np.linalg.norm(array)):.4g}  [{float(array.min()):.3g}, {float(array.max()):.3g}]"


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# -- examples ------------------------------------------------------------------------------


def cmd_examples(args) -> int:
    rows = list_examples()
    width = max(len(name) for name, _ in rows)
    for name, description in rows:
        print(f"{name.ljust(width)}  {description}")
    return 0


def add_examples(sub) -> None:
    add_command(
        sub,
        "examples",
        cmd_examples,
        "list the bundled example graphs",
        "List the bundled example graphs with a one-line description each.",
    )


# -- describe ------------------------------------------------------------------------------


def cmd_describe(args) -> int:
    """Shapes come from the analysis and parameter shapes from npy headers: no array is made."""
    print_description(open_graph(args.graph, arrays=False))
    return 0


def print_description(doc) -> None:
    """Print the table of ``graphlab describe`` for ``doc`` (GraphError on a problem)."""
    result = analyse(doc)
    if result.problems:
        nid, problem = next(iter(result.problems.items()))
        raise GraphError(f'node "{nid}" ({doc.nodes[nid].op}): {problem}')
    order = list(result.shapes)  # without problems, every node in topological order
    print(f"{doc.name}: {doc.description}")
    rows = []
    for nid in order:
        node = doc.nodes[nid]
        attrs = get_op(node.op).validate_attrs(node.attrs)
        shown = ", ".join(f"{k}={v}" for k, v in attrs.items() if k != "value")
        rows.append([nid, node.op, shown, fmt(result.shapes[nid])])
    print(table(rows, ["node", "op", "attrs", "shape"]))
    params = [nid for nid in order if doc.nodes[nid].op == "parameter"]
    count = sum(math.prod(result.shapes[nid]) for nid in params)
    print(f"{len(order)} nodes, {len(doc.edges)} edges, {count} parameters ({len(params)} arrays)")
    if doc.dataset:
        print(f"dataset: {doc.dataset.get('spec')}")


def add_describe(sub) -> None:
    p = add_command(
        sub,
        "describe",
        cmd_describe,
        "nodes in topological order with attrs and shapes",
        "Print the graph's nodes in topological order with op, attrs and inferred shapes, and the parameter count.",
    )
    add_graph_argument(p)


# -- run -----------------------------------------------------------------------------------


def cmd_run(args) -> int:
    doc = open_run_graph(args)
    apply_user_inputs(doc, args)
    graph = doc.compile(device=args.device, seed=args.seed)
    feeds = sample_feeds(doc, batch=args.batch, seed=args.seed)
    graph.forward(feeds, train=False, rng=np.random.default_rng(args.seed))
    if args.backward:
        graph.backward(doc.loss_node(graph))
    rows = [
        [
            nid,
            graph.nodes[nid].op,
            fmt(graph.values[nid].shape),
            summary(graph.values[nid]),
            summary(graph.grads.get(nid)) if args.backward else "",
        ]
        for nid in graph.order
    ]
    print(table(rows, ["node", "op", "shape", "value", "gradient" if args.backward else ""]))
    if args.out:
        arrays = {f"value:{k}": to_numpy(v) for k, v in graph.values.items()}
        arrays.update({f"grad:{k}": to_numpy(v) for k, v in graph.grads.items()})
        write_npz(args.out, arrays, GraphLabError)
        print(f"wrote {len(arrays)} arrays to {args.out}")
    return 0


def add_run(sub) -> None:
    p = add_command(
        sub,
        "run",
        cmd_run,
        "one forward (and backward) pass, as a table",
        "Run one forward pass (and backward from the loss with --backward) on the graph's stored inputs, your own (--input, --dataset) or one batch of its dataset, and print every node's shape, value and gradient.",
    )
    add_graph_argument(p)
    p.add_argument(
        "--backward", action="store_true", help="also backpropagate from the graph's scalar output"
    )
    add_device_argument(p)
    add_seed_argument(p, "seed for initial parameters and the batch")
    p.add_argument(
        "--batch",
        type=positive_int,
        default=16,
        metavar="N",
        help="batch size for dataset graphs, at least 1 (default 16; above the data's size: all of it)",
    )
    add_input_options(p)
    p.add_argument(
        "--out", metavar="FILE.npz", help="write value:<id> and grad:<id> arrays of every node"
    )
    add_trust_argument(p)


# -- gradcheck -----------------------------------------------------------------------------


def cmd_gradcheck(args) -> int:
    """Exit 1 when a row fails or compared nothing (every sampled element on a kink)."""
    doc = open_trusted(args)
    graph = doc.compile(dtype="float64", seed=args.seed)
    feeds = sample_feeds(doc, batch=args.batch, seed=args.seed)
    jitter = np.random.default_rng(args.seed + 7)
    # Check at a generic point: exact zeros (zero biases over a blank image patch) sit on
    # ReLU and max-pool kinks, where no finite difference agrees with any derivative.
    for nid, value in graph.params.items():
        graph.params[nid] = value + 1e-3 * jitter.standard_normal(value.shape)
    for nid in graph.nodes_of("input"):
        if graph.attrs[nid]["dtype"] == "float" and nid in feeds and not doc.inputs:
            feeds[nid] = feeds[nid] + 1e-3 * jitter.standard_normal(np.shape(feeds[nid]))
    differs = any(get_op(graph.nodes[nid].op).train_differs for nid in graph.order)
    modes = [True] if args.train else [False, True] if differs else [False]
    rows, failed, interrupted = [], 0, False
    try:
        for train in modes:
            results = gradient_check(
                graph, feeds, output=doc.loss_node(graph), train=train, seed=args.seed,
                max_checks=args.max_checks,
            )  # fmt: skip
            for nid, result in results.items():
                ok = result.checked > 0 and result.error <= args.threshold
                failed += not ok
                verdict = "ok" if ok else "FAIL" if result.checked else "FAIL: nothing checked"
                rows.append([
                    nid, "train" if train else "eval", result.kind, fmt(graph.shapes[nid]),
                    str(result.checked), str(result.kinks), f"{result.error:.2e}", verdict,
                ])  # fmt: skip
    except KeyboardInterrupt:  # Ctrl+C: the rows of the modes checked so far
        interrupted = True
    header = ["node", "mode", "kind", "shape", "checked", "at kinks", "rel. error"]
    print(table(rows, [*header, f"<= {args.threshold:g}"]))
    if differs and not args.train:
        print("checked in eval and train mode: batchnorm or dropout computes differently in each")
    print(f"{len(rows) - failed} of {len(rows)} passed")
    if interrupted:
        print("graphlab: interrupted; the rows above are the modes checked so far", file=sys.stderr)
        return INTERRUPTED
    return 1 if failed or not rows else 0


def add_gradcheck(sub) -> None:
    p = add_command(
        sub,
        "gradcheck",
        cmd_gradcheck,
        "analytic vs numerical gradients (float64)",
        "Compare the analytic gradient of every input and parameter with centred differences in float64 (CS231n relative error); exit 1 if any exceeds the threshold.",
    )
    add_graph_argument(p)
    add_seed_argument(p, "seed for parameters, batch and upstream gradient")
    p.add_argument(
        "--threshold",
        type=positive_float,
        default=DEFAULT_THRESHOLD,
        help=f"largest relative error that passes, above 0 (default {DEFAULT_THRESHOLD:g})",
    )
    p.add_argument(
        "--batch",
        type=positive_int,
        default=4,
        metavar="N",
        help="batch size for dataset graphs (default 4)",
    )
    p.add_argument(
        "--max-checks",
        type=positive_int,
        default=100,
        metavar="N",
        help="elements compared per array, at least 1 (default 100)",
    )
    p.add_argument(
        "--train",
        action="store_true",
        help="check in training mode only (batchnorm batch statistics, dropout masks); by "
        "default graphs with batchnorm or dropout are checked in both modes",
    )
    add_trust_argument(p)


REGISTER = [
    add_examples,
    add_describe,
    add_run,
    add_predict,
    add_gradcheck,
    add_open,
    add_export,
    add_import,
]
