"""A person's own input on the command line: ``run --input``/``--dataset`` and ``predict``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from graphlab.cli_args import add_command, add_graph_argument, add_json_argument, positive_int
from graphlab.custom_ops.cli import open_trusted
from graphlab.document import GraphDocument
from graphlab.examples import open_graph
from graphlab.predict import predict_files
from graphlab.user_input import InputReader, read_array


def assignment(text: str) -> tuple[str, str]:
    """``x=digit.png`` -> ("x", "digit.png")."""
    nid, sep, source = text.partition("=")
    if not sep or not nid.strip() or not source.strip():
        raise argparse.ArgumentTypeError(f"expected ID=FILE (or ID=NUMBER), got {text!r}")
    return nid.strip(), source.strip()


def dataset_spec(text: str) -> dict:
    """A --dataset argument as a load_dataset spec: a folder, a .npz file, or a built-in name."""
    path = Path(text).expanduser()
    if path.is_dir():
        return {"format": "folder", "path": str(path)}
    if path.suffix.lower() == ".npz":
        return {"format": "npz", "path": str(path)}
    return {"name": text}


def open_run_graph(args) -> GraphDocument:
    """The GRAPH of ``graphlab run``: an ONNX model is imported with the ``--input`` arrays
    (.npy, .npz) of its graph inputs given, so inputs that feed shapes, axes or weights
    become constants; the --input entries it consumed that way are then dropped. Any other
    GRAPH loads as ``open_trusted`` does."""
    if Path(args.graph).suffix.lower() != ".onnx":
        return open_trusted(args)  # a project's custom op code runs only with --trust
    from graphlab.export import import_onnx

    given = getattr(args, "input", None) or []
    arrays = {name: read_array(Path(src)) for name, src in given if _is_array_file(src)}
    doc = import_onnx(args.graph, values=arrays)
    args.input = [(nid, src) for nid, src in given if doc.nodes.get(nid) and doc.nodes[nid].op == "input"]  # fmt: skip
    return doc


def _is_array_file(source: str) -> bool:
    path = Path(source).expanduser()
    return path.suffix.lower() in (".npy", ".npz") and path.is_file()


def apply_user_inputs(doc: GraphDocument, args) -> None:
    """Store the values of ``--input ID=FILE`` and one batch of ``--dataset`` in ``doc``."""
    reader = InputReader(doc)
    if getattr(args, "dataset", None):
        bind_batch(doc, reader, dataset_spec(args.dataset), args.batch, args.seed)
    for nid, source in getattr(args, "input", None) or []:
        doc.set_input_value(nid, reader.read(nid, source))


def bind_batch(doc: GraphDocument, reader: InputReader, spec: dict, batch: int, seed: int) -> None:
    """Feed ``batch`` random samples of the dataset ``spec`` to the graph's data input.

    A graph with a bound dataset swaps in this one (same preprocessing); any other graph gets
    the raw samples, pixels scaled to [0, 1], and their labels when it has an integer input.
    """
    if doc.dataset.get("spec"):
        doc.set_dataset({**doc.dataset, "spec": spec})
        return
    from graphlab.datasets import load_dataset

    data = load_dataset(spec)
    picks = np.random.default_rng(seed).permutation(len(data))[:batch]
    X = data.X[picks]
    if data.is_image:
        X = X / max(float(data.X.max()), 1.0)
    nid = reader.data_input()
    doc.set_input_value(
        nid,
        reader.fit(nid, X.reshape(len(X), *_sample_shape(reader, nid, X)), "the dataset's samples"),
    )
    for label in reader.input_ids():
        if reader.dtype(label) == "int" and len(reader.shape(label)) == 1:
            doc.set_input_value(label, data.y[picks])


def _sample_shape(reader: InputReader, nid: str, X: np.ndarray) -> tuple[int, ...]:
    """One sample's shape for input ``nid``: its declared one when the sizes agree."""
    declared = reader.shape(nid)[1:]
    if None not in declared and np.prod(declared) == np.prod(X.shape[1:]):
        return declared
    return X.shape[1:]


def add_input_options(parser) -> None:
    """--input ID=FILE (repeatable) and --dataset NAME|FILE, for ``graphlab run``."""
    parser.add_argument(
        "--input",
        action="append",
        type=assignment,
        metavar="ID=FILE",
        help="feed input ID from FILE: .npy, .npz (one array), an image (.png, .jpg: resized "
        "and scaled like the graph's dataset) or a number (repeatable)",
    )
    parser.add_argument(
        "--dataset",
        metavar="NAME|FILE",
        help="feed one batch (--batch) of a dataset: a built-in name, a .npz with X and y, "
        "or a folder of images",
    )


def cmd_predict(args) -> int:
    doc = open_graph(args.graph)
    predictions = predict_files(doc, args.images, top=args.top, nid=args.input)
    if args.json:
        print(json.dumps([p.to_json() for p in predictions], indent=1))
        return 0
    for p in predictions:
        ranked = ", ".join(f"{name} ({100 * prob:.1f}%)" for name, prob in p.top)
        print(f"{p.source}: {ranked}")
    return 0


def add_predict(sub) -> None:
    p = add_command(
        sub,
        "predict",
        cmd_predict,
        "the top classes a graph predicts for images or arrays",
        "Feed each IMAGE (or .npy/.npz) to GRAPH's data input, converted to its "
        "shape and scaled like its dataset, and print the top classes with probabilities.",
    )
    add_graph_argument(p)
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image, .npy or .npz files")
    p.add_argument(
        "--top", type=positive_int, default=3, metavar="K", help="classes shown (default 3)"
    )
    p.add_argument("--input", metavar="ID", help="the input node to feed (default: the data input)")
    add_json_argument(p)
