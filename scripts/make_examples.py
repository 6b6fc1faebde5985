"""Regenerate the bundled example graphs in assets/examples/ (run after changing one here).

.venv/bin/python scripts/make_examples.py
"""

from __future__ import annotations

import json
from pathlib import Path

from graphlab.course.linear import DEFAULT_BLOBS
from graphlab.document import GraphDocument
from graphlab.fileformat import document_to_dict, save_document
from graphlab.layout import layered_positions
from graphlab.templates import add_batchnorm, add_conv, add_linear, add_op

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "assets" / "examples"
#: how a description quotes what `graphlab train` reaches (tests/graphlab/test_cli_edges.py checks it)
REACHES = "(graphlab train reaches about "
#: docs/file-format.md shows this example in full (in the block after this marker)
DOCUMENTED, DOCS_MARKER = "linear-softmax-spiral", "The bundled `linear-softmax-spiral` example:"
SPIRAL = {
    "spec": {"name": "spiral", "classes": 3, "points": 100, "seed": 0},
    "data_input": "x",
    "label_input": "y",
    "split": {"val": 0.0, "test": 0.0, "seed": 0},
}
DIGITS = {
    "spec": {"name": "digits"},
    "data_input": "x",
    "label_input": "y",
    "split": {"val": 0.2, "test": 0.1, "seed": 0},
    "preprocess": {"center": "mean", "scale": 16.0},
}

MNIST = {
    "spec": {"name": "mnist-5k"},
    "data_input": "x",
    "label_input": "y",
    "split": {"val": 0.1, "test": 0.2, "seed": 0},
    "preprocess": {"center": "mean", "scale": 255.0},
}


def scalar_inputs(doc: GraphDocument, **values: float) -> list[str]:
    for name, value in values.items():
        add_op(doc, "input", id=name, shape=[])
        doc.inputs[name] = value
    return list(values)


def circuit_add_mul() -> GraphDocument:
    doc = GraphDocument(
        "circuit-add-mul", "f = (x + y) z at x=-2, y=5, z=-4: the first backprop example"
    )
    x, y, z = scalar_inputs(doc, x=-2.0, y=5.0, z=-4.0)
    add_op(doc, "multiply", add_op(doc, "add", x, y, id="q"), z, id="f")
    return doc


def sigmoid_neuron() -> GraphDocument:
    doc = GraphDocument(
        "sigmoid-neuron",
        "f = 1/(1 + exp(-(w0 x0 + w1 x1 + w2))) gate by gate, as in the lecture's circuit",
    )
    w0, x0, w1, x1, w2 = scalar_inputs(doc, w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    dot = add_op(
        doc,
        "add",
        add_op(doc, "multiply", w0, x0, id="w0x0"),
        add_op(doc, "multiply", w1, x1, id="w1x1"),
        id="dot",
    )
    s = add_op(doc, "add", dot, w2, id="s")
    e = add_op(doc, "exp", add_op(doc, "negate", s, id="neg"), id="e")
    one = add_op(doc, "constant", id="one", value=1.0)
    add_op(doc, "reciprocal", add_op(doc, "add", e, one, id="den"), id="f")
    return doc


def vector_norm() -> GraphDocument:
    doc = GraphDocument("vector-norm", "f = ||W x||^2, the vectorized example: df/dW = 2 q x^T")
    add_op(doc, "input", id="W", shape=[2, 2])
    add_op(doc, "input", id="x", shape=[2])
    doc.inputs.update(W=[[0.1, 0.5], [-0.3, 0.8]], x=[0.2, 0.4])
    q = add_op(doc, "matmul", "W", "x", id="q")
    add_op(doc, "sum", add_op(doc, "power", q, id="q2", exponent=2.0), id="f")
    return doc


def labelled_input(doc: GraphDocument, shape: list[int]) -> None:
    add_op(doc, "input", id="x", shape=shape)
    add_op(doc, "input", id="y", shape=[-1], dtype="int")


def regularized(doc: GraphDocument, data_loss: str, weights: list[str], strength: float) -> None:
    total = data_loss
    for w in weights:
        total = add_op(
            doc,
            "add",
            total,
            add_op(doc, "l2_penalty", w, id=f"reg_{w}", strength=strength),
            id=f"loss_{w}",
        )
    doc.loss = total


def linear_spiral(loss: str) -> GraphDocument:
    kind = "softmax" if loss == "softmax_cross_entropy" else "SVM"
    doc = GraphDocument(
        f"linear-{kind.lower()}-spiral",
        f"a linear classifier with {kind} loss and L2 on the spiral set (graphlab train reaches about 53% training accuracy)",
    )
    labelled_input(doc, [-1, 2])
    scores = add_linear(doc, "x", 2, 3, "fc", init="small")
    regularized(doc, add_op(doc, loss, scores, "y", id="data_loss"), ["fc_W"], 5e-4)
    doc.dataset = SPIRAL
    doc.training = {"optimizer": "sgd", "lr": 1.0, "epochs": 200, "batch_size": 300, "seed": 0}
    return doc


def linear_svm_2d() -> GraphDocument:
    """The classifier of the linear classifier loss view (Course menu) as a graph."""
    doc = GraphDocument(
        "linear-svm-2d",
        "the Course menu's linear classifier loss view as a graph: 3 classes of 4 points, "
        "multiclass SVM with L2 (graphlab train reaches 100% training accuracy, loss 0.29 after 300 epochs)",
    )
    labelled_input(doc, [-1, 2])
    scores = add_linear(doc, "x", 2, 3, "fc", init="small")
    regularized(doc, add_op(doc, "svm_loss", scores, "y", id="data_loss"), ["fc_W"], 0.1)
    doc.dataset = {
        "spec": {"name": "blobs", **DEFAULT_BLOBS},
        "data_input": "x",
        "label_input": "y",
        "split": {"val": 0.0, "test": 0.0, "seed": 0},
    }
    doc.training = {"optimizer": "sgd", "lr": 0.1, "epochs": 300, "batch_size": 12, "seed": 0}
    return doc


def two_layer_net() -> GraphDocument:
    doc = GraphDocument(
        "two-layer-net-spiral",
        "W2 max(0, W1 x + b1) + b2 on the spiral set (graphlab train reaches about 99% training accuracy)",
    )
    labelled_input(doc, [-1, 2])
    hidden = add_op(doc, "relu", add_linear(doc, "x", 2, 100, "fc1", init="small"), id="relu1")
    scores = add_linear(doc, hidden, 100, 3, "fc2", init="small")
    regularized(
        doc,
        add_op(doc, "softmax_cross_entropy", scores, "y", id="data_loss"),
        ["fc1_W", "fc2_W"],
        5e-4,
    )
    doc.dataset = SPIRAL
    doc.training = {"optimizer": "sgd", "lr": 1.0, "epochs": 10000, "batch_size": 300, "seed": 0}
    return doc


def cnn_digits() -> GraphDocument:
    doc = GraphDocument(
        "cnn-digits",
        "a small CNN on the 8x8 digits: conv-relu-pool twice, then affine and softmax "
        "(graphlab train reaches about 98% validation accuracy)",
    )
    labelled_input(doc, [-1, 1, 8, 8])
    h = "x"
    for i, (cin, cout) in enumerate(((1, 16), (16, 32)), start=1):
        h = add_op(doc, "relu", add_conv(doc, h, cin, cout, 3, f"conv{i}", pad=1), id=f"relu{i}")
        h = add_op(doc, "maxpool", h, id=f"pool{i}", kernel=2, stride=2)
    # small last-layer weights: the initial loss is ln 10, as `graphlab check` expects
    scores = add_linear(doc, add_op(doc, "flatten", h, id="flat"), 128, 10, "fc", init="small")
    doc.loss = add_op(doc, "softmax_cross_entropy", scores, "y", id="loss")
    doc.dataset = DIGITS
    doc.training = {"optimizer": "adam", "lr": 3e-3, "epochs": 15, "batch_size": 64, "seed": 0}
    return doc


def linear_softmax_mnist() -> GraphDocument:
    doc = GraphDocument(
        "linear-softmax-mnist",
        "a linear softmax classifier on 5,000 real 28x28 MNIST digits "
        "(graphlab train: test accuracy 0.905 after 20 epochs, about 2 s)",
    )
    labelled_input(doc, [-1, 1, 28, 28])
    flat = add_op(doc, "flatten", "x", id="flat")
    scores = add_linear(doc, flat, 784, 10, "fc", init="small")
    regularized(
        doc, add_op(doc, "softmax_cross_entropy", scores, "y", id="data_loss"), ["fc_W"], 1e-4
    )
    doc.dataset = MNIST
    doc.training = {"optimizer": "adam", "lr": 1e-3, "epochs": 20, "batch_size": 64, "seed": 0}
    return doc


#: HoG as the notes' feature example: 9 orientations, 4x4-pixel cells, 2x2-cell blocks
HOG = {"hog": {"orientations": 9, "pixels_per_cell": 4, "cells_per_block": 2}}
HOG_WIDTH = 9 * 2 * 2 * 6 * 6  # 6x6 blocks of 2x2 cells on 28x28 images


def linear_svm_mnist(features: bool) -> GraphDocument:
    """A linear SVM on mnist-5k: on HoG features, or on the raw pixels (the same training)."""
    kind, figure = ("hog", "0.955") if features else ("pixels", "0.899")
    doc = GraphDocument(
        f"linear-svm-{kind}-mnist",
        f"a linear SVM on 5,000 MNIST digits, fed {'HoG features' if features else 'raw pixels'} "
        f"(graphlab train: test accuracy {figure} after 10 epochs; compare linear-svm-"
        f"{'pixels' if features else 'hog'}-mnist)",
    )
    labelled_input(doc, [-1, HOG_WIDTH] if features else [-1, 1, 28, 28])
    x = "x" if features else add_op(doc, "flatten", "x", id="flat")
    scores = add_linear(doc, x, HOG_WIDTH if features else 784, 10, "fc", init="small")
    regularized(doc, add_op(doc, "svm_loss", scores, "y", id="data_loss"), ["fc_W"], 1e-3)
    doc.dataset = (
        {**MNIST, "features": HOG, "preprocess": {"center": "none"}} if features else MNIST
    )
    doc.training = {"optimizer": "adam", "lr": 1e-3, "epochs": 10, "batch_size": 64, "seed": 0}
    return doc


def cnn_mnist() -> GraphDocument:
    doc = GraphDocument(
        "cnn-mnist",
        "a small CNN on 5,000 real 28x28 MNIST digits: conv-relu-pool twice, then affine "
        "and softmax (graphlab train: test accuracy 0.957 after 8 epochs, about 35 s on 2 cores)",
    )
    labelled_input(doc, [-1, 1, 28, 28])
    h = "x"
    for i, (cin, cout) in enumerate(((1, 8), (8, 16)), start=1):
        h = add_op(doc, "relu", add_conv(doc, h, cin, cout, 3, f"conv{i}", pad=1), id=f"relu{i}")
        h = add_op(doc, "maxpool", h, id=f"pool{i}", kernel=2, stride=2)
    scores = add_linear(
        doc, add_op(doc, "flatten", h, id="flat"), 16 * 7 * 7, 10, "fc", init="small"
    )
    doc.loss = add_op(doc, "softmax_cross_entropy", scores, "y", id="loss")
    doc.dataset = MNIST
    doc.training = {"optimizer": "adam", "lr": 3e-3, "epochs": 8, "batch_size": 64, "seed": 0}
    return doc


def deep_mlp(activation: str) -> GraphDocument:
    healthy = (
        f"healthy gradients {REACHES}95% validation accuracy)"
        if activation == "relu"
        else f"vanishing gradients in the early layers {REACHES}12% validation accuracy, chance level)"
    )
    doc = GraphDocument(f"deep-{activation}", f"a six-layer {activation} MLP on digits: {healthy}")
    labelled_input(doc, [-1, 1, 8, 8])
    h, width = add_op(doc, "flatten", "x", id="flat"), 64
    init = "he" if activation == "relu" else "xavier"
    for i in range(1, 6):
        h = add_op(
            doc,
            activation,
            add_linear(doc, h, width, 50, f"fc{i}", init=init),
            id=f"{activation}{i}",
        )
        width = 50
    scores = add_linear(doc, h, width, 10, "fc6", init=init)
    doc.loss = add_op(doc, "softmax_cross_entropy", scores, "y", id="loss")
    doc.dataset = DIGITS
    doc.training = {"optimizer": "sgd", "lr": 0.05, "epochs": 10, "batch_size": 64, "seed": 0}
    return doc


def batchnorm_dropout_mlp() -> GraphDocument:
    doc = GraphDocument(
        "batchnorm-dropout-mlp",
        "an MLP on digits with batchnorm and inverted dropout (train and eval modes differ) "
        "(graphlab train reaches about 95% validation accuracy)",
    )
    labelled_input(doc, [-1, 1, 8, 8])
    h = add_linear(doc, add_op(doc, "flatten", "x", id="flat"), 64, 100, "fc1")
    h = add_op(doc, "relu", add_batchnorm(doc, h, 100, "bn1"), id="relu1")
    h = add_op(doc, "dropout", h, id="drop1", p=0.8)
    scores = add_linear(doc, h, 100, 10, "fc2")
    doc.loss = add_op(doc, "softmax_cross_entropy", scores, "y", id="loss")
    doc.dataset = DIGITS
    doc.training = {"optimizer": "adam", "lr": 1e-3, "epochs": 10, "batch_size": 64, "seed": 0}
    return doc


def all_examples() -> list[GraphDocument]:
    return [
        circuit_add_mul(),
        sigmoid_neuron(),
        vector_norm(),
        linear_spiral("softmax_cross_entropy"),
        linear_spiral("svm_loss"),
        linear_svm_2d(),
        two_layer_net(),
        cnn_digits(),
        linear_softmax_mnist(),
        cnn_mnist(),
        linear_svm_mnist(features=False),
        linear_svm_mnist(features=True),
        deep_mlp("sigmoid"),
        deep_mlp("relu"),
        batchnorm_dropout_mlp(),
    ]


def compact_json(doc: GraphDocument) -> str:
    """The document as JSON with one line per node and per edge (for the docs)."""
    data = document_to_dict(doc)
    lines = []
    for key, value in data.items():
        if key in ("nodes", "edges"):
            items = ",\n".join("    " + json.dumps(item) for item in value)
            lines.append(f'  "{key}": [\n{items}\n  ]')
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}"


def update_docs(doc: GraphDocument) -> None:
    path = ROOT / "docs" / "file-format.md"
    head, _, _ = path.read_text().partition(DOCS_MARKER)
    path.write_text(f"{head}{DOCS_MARKER}\n\n```json\n{compact_json(doc)}\n```\n")


def main() -> None:
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    for doc in all_examples():
        for nid, pos in layered_positions(doc).items():
            doc.nodes[nid].pos = pos
        doc.compile()
        save_document(doc, EXAMPLES / f"{doc.name}.json")
        print(f"wrote {doc.name}")
        if doc.name == DOCUMENTED:
            update_docs(doc)


if __name__ == "__main__":
    main()
