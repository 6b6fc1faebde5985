"""The ``graphlab export`` and ``graphlab import`` subcommands (ONNX, PyTorch, pictures)."""

from __future__ import annotations

from pathlib import Path

from graphlab.cli_args import add_command, add_graph_argument
from graphlab.cli_open import run_ui
from graphlab.custom_ops.cli import add_trust_argument, open_trusted
from graphlab.export import (
    ExportError,
    export_onnx,
    export_torch,
    export_torch_project,
    import_onnx,
)
from graphlab.fileformat import save_document


def cmd_export(args) -> int:
    kinds = ("onnx", "torch", "torch_project", "png", "svg")
    targets = [(kind, path) for kind in kinds if (path := getattr(args, kind))]
    if not targets:
        raise ExportError(
            "nothing to export: give --onnx, --torch, --torch-project, --png or --svg"
        )
    # the PyTorch file and project run the op code
    doc = open_trusted(args, needed=bool(args.torch or args.torch_project))
    for kind, path in targets:
        note = ""
        if kind == "onnx":
            export_onnx(doc, path, include_loss=args.with_loss, preprocess=args.preprocess)
            written = [path]
        elif kind == "torch":
            written = export_torch(doc, path)
        elif kind == "torch_project":
            written = export_torch_project(doc, path, args.graph)
        else:
            params = args.with_params  # a PNG carries the graph (and with this, parameters)
            note = run_ui("export_document_picture", doc, path, kind, params)  # Qt when drawing
            written = [path]
        for done in written:
            print(f"wrote {done}" + (f" ({note})" if note else ""))
    return 0


def add_export(sub) -> None:
    p = add_command(
        sub,
        "export",
        cmd_export,
        "write the graph as ONNX, a PyTorch module, PNG or SVG",
        "Export a graph. --onnx writes an inference model (batchnorm with running "
        "statistics, dropout off) whose outputs are the predictions fed to the loss; "
        "--with-loss adds the labels as an input and the loss as an output. --torch writes "
        "an nn.Module file with a training loop and FILE.npz with the parameters; --torch-project "
        "a folder that trains the graph on its dataset without GraphLab (python train.py, or "
        "torchrun for several processes or machines). --png and "
        "--svg draw the canvas.",
    )
    add_graph_argument(p)
    p.add_argument("--onnx", metavar="FILE.onnx", help="write an ONNX model (opset 18)")
    p.add_argument(
        "--with-loss", action="store_true", help="with --onnx: include the labels and the loss"
    )
    p.add_argument(
        "--preprocess",
        choices=("embed", "metadata"),
        default="embed",
        help="with --onnx, for a graph trained with preprocessing: embed (default) starts the "
        "model with (x - mean) / scale, so it takes raw samples; metadata keeps the input "
        "preprocessed and writes the statistics into the model's metadata only",
    )
    p.add_argument("--torch", metavar="FILE.py", help="write a PyTorch module (and FILE.npz)")
    p.add_argument(
        "--torch-project",
        metavar="DIR",
        help="write a PyTorch training project (model, data, train.py for torchrun, README)",
    )
    p.add_argument("--png", metavar="FILE.png", help="draw the canvas as a PNG")
    p.add_argument("--svg", metavar="FILE.svg", help="draw the canvas as an SVG")
    p.add_argument(
        "--with-params",
        action="store_true",
        help="with --png: the picture carries the parameters too (it always carries the graph)",
    )
    add_trust_argument(p)


def cmd_import(args) -> int:
    doc = import_onnx(args.file)
    output = Path(args.output)
    save_document(doc, output)
    count = sum(value.size for value in doc.params.values())
    print(f"wrote {output}: {len(doc.nodes)} nodes, {count} parameter values")
    if output.suffix == ".json" and doc.params:
        print("note: a .json graph keeps no parameter values; save as .graphlab to keep them")
    return 0


def add_import(sub) -> None:
    p = add_command(
        sub,
        "import",
        cmd_import,
        "read an ONNX model as an editable graph",
        "Read an ONNX model built from the ops GraphLab supports and save it as a graph "
        "(.graphlab keeps the initializers as parameter values; .json keeps only the "
        "structure), laid out left to right. Unsupported ONNX ops are listed.",
    )
    p.add_argument("file", metavar="FILE.onnx", help="the ONNX model")
    p.add_argument("-o", "--output", required=True, metavar="GRAPH", help="the graph file to write")
