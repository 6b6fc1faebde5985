"""``graphlab import-weights`` (weights from a PyTorch checkpoint, a project or an ONNX model)
and ``graphlab zoo`` (the trained projects shipped in assets/zoo)."""

from __future__ import annotations

from pathlib import Path

from graphlab.cli_args import add_command, positive_int
from graphlab.commands import table
from graphlab.examples import open_graph, resolve_graph
from graphlab.fileformat import save_document
from graphlab.weights_import import (
    WeightsError,
    apply_import,
    import_metrics,
    match_weights,
    parse_mapping,
    read_weights,
)


def cmd_import_weights(args) -> int:
    target = resolve_graph(args.target)
    if not args.output and not Path(args.target).is_file():  # a bundled example or zoo model
        raise WeightsError(f"{args.target} is bundled with GraphLab; give -o PROJECT.graphlab")
    output = Path(args.output) if args.output else target
    if output.suffix != ".graphlab":
        raise WeightsError(
            f"{output}: weights are kept only in a .graphlab project; give -o PROJECT.graphlab"
        )
    doc = open_graph(args.target)
    mapping = parse_mapping(args.map)
    report = match_weights(doc, read_weights(args.source), mapping)
    if not report.taken:
        raise WeightsError(f"{args.source}: no parameter fits the graph of {doc.name}")
    run = (
        import_metrics(args.metrics, f"imported {Path(args.source).name}") if args.metrics else None
    )
    apply_import(doc, report, run)
    save_document(doc, output)
    for line in report.lines():
        print(line)
    if run is not None:
        print(f"run {run.name!r}: {run.steps} steps, {run.epochs} epochs added to the history")
    print(f"wrote {output}")
    return 0


def add_import_weights(sub) -> None:
    p = add_command(
        sub,
        "import-weights",
        cmd_import_weights,
        "put trained weights into a project (PyTorch checkpoint, .graphlab or ONNX)",
        "Copy parameters from SOURCE (a PyTorch state dict or checkpoint, a .graphlab "
        "project or an .onnx model) into TARGET's graph: by node id (or the name the PyTorch "
        "export gave it), then by order among parameters of equal shape; --map SRC=DST pairs the "
        "rest. A name of the wrong shape is refused naming the parameter. --metrics adds the run "
        "(GraphLab's metrics CSV, as train.py writes it) to the project's history.",
    )
    p.add_argument(
        "target", metavar="TARGET", help="the project to fill (or an example name with -o)"
    )
    p.add_argument(
        "source", metavar="SOURCE", help="model.pt, a checkpoint, PROJECT.graphlab or MODEL.onnx"
    )
    p.add_argument(
        "--metrics", metavar="CSV", help="the run's metrics file (train.py: output/metrics.csv)"
    )
    p.add_argument(
        "--map", action="append", metavar="SRC=DST", help="source name -> target node (repeatable)"
    )
    p.add_argument("-o", "--output", metavar="PROJECT.graphlab", help="save here (default: TARGET)")


def cmd_zoo(args) -> int:
    from graphlab.zoo import zoo_model, zoo_models

    if args.card:
        print(zoo_model(args.card).card)
    elif args.transfer:
        from graphlab.transfer import run_transfer

        result = run_transfer(epochs=args.epochs)
        print(f"digits 5-9, {result.train_samples} training images, "
              f"{result.test_samples} test images, {args.epochs} epochs")  # fmt: skip
        print(f"transfer (zoo/cnn-mnist-0to4, conv frozen, new last layer): {result.transfer:.4f}")
        print(f"from scratch (same graph, same images):                     {result.scratch:.4f}")
    else:
        rows = [[f"zoo/{m.name}", m.dataset, f"{m.accuracy:.4f}", str(m.epochs)]
                for m in zoo_models()]  # fmt: skip
        print(table(rows, ["model", "dataset", "test accuracy", "epochs"]))
        print("\nopen one: graphlab open zoo/NAME; its card: graphlab zoo --card NAME")
    return 0


def add_zoo(sub) -> None:
    p = add_command(
        sub,
        "zoo",
        cmd_zoo,
        "list the trained models shipped with GraphLab",
        "The model zoo: trained projects in assets/zoo, each with a card (dataset, "
        "split, epochs, seed, test accuracy and the command that reproduces it). zoo/NAME works "
        "wherever a GRAPH is asked for. --transfer runs the notes' transfer-learning example.",
    )
    p.add_argument("--card", metavar="NAME", help="print the model's card")
    p.add_argument(
        "--transfer",
        action="store_true",
        help="zoo/cnn-mnist-0to4's conv layers frozen, a new last layer trained on 50 images "
        "per digit 5-9, against the same net trained from scratch on them",
    )
    p.add_argument("--epochs", type=positive_int, default=15, help="with --transfer (default 15)")


REGISTER = [add_import_weights, add_zoo]
