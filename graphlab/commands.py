"""The subcommands of ``graphlab``: examples, describe, run, gradcheck (train ones live beside)."""

from __future__ import annotations

import math

import numpy as np

from engine.backend import to_numpy
from engine.errors import GraphError, GraphLabError
from engine.gradcheck import DEFAULT_THRESHOLD, gradient_check
from engine.ops import get_op
from engine.ops.base import fmt
from graphlab.analysis import analyse
from graphlab.binding import sample_feeds
from graphlab.cli_args import add_device_argument, add_graph_argument
from graphlab.cli_export import add_export, add_import
from graphlab.cli_input import add_input_options, add_predict, apply_user_inputs
from graphlab.cli_open import add_open
from graphlab.examples import list_examples, open_graph


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
    p = sub.add_parser(
        "examples",
        help="list the bundled example graphs",
        description="List the bundled example graphs with a one-line description each.",
    )
    p.set_defaults(handler=cmd_examples)


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
    p = sub.add_parser(
        "describe",
        help="nodes in topological order with attrs and shapes",
        description="Print the graph's nodes in topological order with op, attrs and inferred shapes, and the parameter count.",
    )
    add_graph_argument(p)
    p.set_defaults(handler=cmd_describe)


# -- run -----------------------------------------------------------------------------------


def cmd_run(args) -> int:
    doc = open_graph(args.graph)
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
        try:
            np.savez(args.out, **arrays)
        except OSError as exc:
            raise GraphLabError(f"{args.out}: cannot write ({exc.strerror or exc})") from None
        print(f"wrote {len(arrays)} arrays to {args.out}")
    return 0


def add_run(sub) -> None:
    p = sub.add_parser(
        "run",
        help="one forward (and backward) pass, as a table",
        description="Run one forward pass (and backward from the loss with --backward) on the graph's stored inputs, your own (--input, --dataset) or one batch of its dataset, and print every node's shape, value and gradient.",
    )
    add_graph_argument(p)
    p.add_argument(
        "--backward", action="store_true", help="also backpropagate from the graph's scalar output"
    )
    add_device_argument(p)
    p.add_argument(
        "--seed", type=int, default=0, help="seed for initial parameters and the batch (default 0)"
    )
    p.add_argument(
        "--batch",
        type=int,
        default=16,
        metavar="N",
        help="batch size for dataset graphs (default 16)",
    )
    add_input_options(p)
    p.add_argument(
        "--out", metavar="FILE.npz", help="write value:<id> and grad:<id> arrays of every node"
    )
    p.set_defaults(handler=cmd_run)


# -- gradcheck -----------------------------------------------------------------------------


def cmd_gradcheck(args) -> int:
    doc = open_graph(args.graph)
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
    results = gradient_check(
        graph,
        feeds,
        output=doc.loss_node(graph),
        train=args.train,
        seed=args.seed,
        max_checks=args.max_checks,
    )
    rows, failed = [], 0
    for nid, result in results.items():
        ok = result.error <= args.threshold
        failed += not ok
        rows.append(
            [
                nid,
                result.kind,
                fmt(graph.shapes[nid]),
                str(result.checked),
                str(result.kinks),
                f"{result.error:.2e}",
                "ok" if ok else "FAIL",
            ]
        )
    print(
        table(
            rows,
            [
                "node",
                "kind",
                "shape",
                "checked",
                "at kinks",
                "rel. error",
                f"<= {args.threshold:g}",
            ],
        )
    )
    print(f"{len(results) - failed} of {len(results)} passed")
    return 1 if failed else 0


def add_gradcheck(sub) -> None:
    p = sub.add_parser(
        "gradcheck",
        help="analytic vs numerical gradients (float64)",
        description="Compare the analytic gradient of every input and parameter with centred differences in float64 (CS231n relative error); exit 1 if any exceeds the threshold.",
    )
    add_graph_argument(p)
    p.add_argument(
        "--seed", type=int, default=0, help="seed for parameters, batch and upstream gradient"
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"largest relative error that passes (default {DEFAULT_THRESHOLD:g})",
    )
    p.add_argument(
        "--batch",
        type=int,
        default=4,
        metavar="N",
        help="batch size for dataset graphs (default 4)",
    )
    p.add_argument(
        "--max-checks",
        type=int,
        default=100,
        metavar="N",
        help="elements compared per array (default 100)",
    )
    p.add_argument(
        "--train",
        action="store_true",
        help="check in training mode (batchnorm batch statistics, dropout masks)",
    )
    p.set_defaults(handler=cmd_gradcheck)


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
