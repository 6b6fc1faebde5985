"""The bundled example graphs (assets/examples/*.json) and GRAPH arguments that name them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from engine.errors import FileFormatError
from graphlab.budget import regular_file
from graphlab.document import GraphDocument
from graphlab.fileformat import load_document
from graphlab.zoo import zoo_path

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "assets" / "examples"
#: the course's first exercise: the first start opens it, the gallery marks it "start here"
START_HERE = "circuit-add-mul"
DEFAULT_EXAMPLE = START_HERE
#: the examples in the order the course meets them (backprop on circuits, linear
#: classifiers and their losses, a two-layer net, deep nets' gradients, CNNs); others follow
COURSE_ORDER = (
    "circuit-add-mul",
    "sigmoid-neuron",
    "vector-norm",
    "linear-svm-2d",
    "linear-svm-spiral",
    "linear-softmax-spiral",
    "linear-softmax-mnist",
    "two-layer-net-spiral",
    "deep-sigmoid",
    "deep-relu",
    "batchnorm-dropout-mlp",
    "cnn-digits",
    "cnn-mnist",
)


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.json"))


def course_order(names) -> list[str]:
    """``names`` in the course's order (:data:`COURSE_ORDER`), the others after, by name."""
    rank = {name: index for index, name in enumerate(COURSE_ORDER)}
    return sorted(names, key=lambda name: (rank.get(name, len(rank)), name))


def list_examples() -> list[tuple[str, str]]:
    """(name, one-line description) of every bundled example, in the course's order."""
    return [
        (name, json.loads((EXAMPLES_DIR / f"{name}.json").read_text())["description"])
        for name in course_order(example_names())
    ]


def resolve_graph(graph: str) -> Path:
    """A GRAPH argument as a path: an existing file, or the name of a bundled example."""
    path = Path(graph)
    if path.is_file():
        return path
    if (trained := zoo_path(graph)) is not None:  # zoo/NAME: a trained model of the zoo
        return trained
    example = EXAMPLES_DIR / f"{graph}.json"
    if example.is_file():
        return example
    if path.exists():
        regular_file(path, FileFormatError)  # a folder, FIFO or device: says which, at once
    raise FileFormatError(
        f"{graph}: no such file or bundled example (examples: {', '.join(example_names())})"
    )


def open_graph(
    graph: str, arrays: bool = True, warnings: list[str] | None = None, lazy: bool = False
) -> GraphDocument:
    """Load a GRAPH argument (path or example name); see :func:`load_document` for ``arrays``
    and ``lazy``.
    What was dropped as stale goes to ``warnings``, or without a list to stderr, a line each."""
    dropped: list[str] = []
    doc = load_document(resolve_graph(graph), dropped, arrays=arrays, lazy=lazy)
    if warnings is not None:
        warnings.extend(dropped)
    for line in [] if warnings is not None else dropped:
        print(f"graphlab: warning: {line}", file=sys.stderr)
    return doc
