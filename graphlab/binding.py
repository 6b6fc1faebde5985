"""What a document's graph is fed: its stored input values, or batches of its bound dataset.

A document's dataset binding is ``{"spec": <load_dataset spec>, "data_input": id,
"label_input": id, "split": {"val", "test", "seed"}, "features": {"hog": {...}, ...},
"preprocess": {"center", "scale"}}``; features (:mod:`graphlab.datasets.features`) replace each
image by its feature vector before preprocessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.errors import DatasetError, GraphError
from graphlab.document import GraphDocument


@dataclass
class BoundData:
    """The dataset of a document, split and preprocessed (statistics from the training split)."""

    splits: object  # graphlab.datasets.DatasetSplits
    preprocessing: object  # graphlab.datasets.Preprocessing
    data_input: str
    label_input: str
    #: the statistics stored in the project ({} when they were fitted by this load)
    record: dict = field(default_factory=dict)
    #: one sentence when the dataset changed since the stored statistics were fitted
    note: str = ""


def raw_splits(binding: dict):
    """The binding's dataset loaded and split, before features and preprocessing."""
    from graphlab.datasets import load_dataset, split_dataset

    split = binding.get("split", {})
    return split_dataset(
        load_dataset(binding.get("spec", {})),
        val=split.get("val", 0.1),
        test=split.get("test", 0.1),
        seed=split.get("seed", 0),
    )


def bound_data(doc: GraphDocument) -> BoundData:
    """Load, split and preprocess the document's dataset; DatasetError names what is wrong.
    Statistics stored in the project are used as they are (see graphlab.preprocess_store)."""
    from graphlab.datasets import preprocess_splits
    from graphlab.preprocess_store import change_note, preprocessing_of, stored_record

    binding = doc.dataset
    if not binding:
        raise DatasetError(f"{doc.name}: no dataset is bound to this graph")
    for key in ("data_input", "label_input"):
        nid = binding.get(key)
        if not isinstance(nid, str) or nid not in doc.nodes or doc.nodes[nid].op != "input":
            raise DatasetError(f"{doc.name}: dataset.{key} must name an input node, got {nid!r}")
    split = binding.get("split", {})
    preprocess = binding.get("preprocess", {})
    try:
        splits = raw_splits(binding)
        if binding.get("features"):
            from graphlab.datasets.feature_cache import featurize_splits

            splits = featurize_splits(splits, binding["features"], split.get("seed", 0), binding)
        record = stored_record(binding)
        splits, stats = preprocess_splits(
            splits,
            center=preprocess.get("center", "none"),
            scale=preprocess.get("scale"),
            stats=preprocessing_of(record) if record else None,
        )
    except (TypeError, AttributeError) as exc:
        raise DatasetError(f"{doc.name}: the dataset binding is malformed ({exc})") from None
    note = change_note(record, splits.train.X) if record else ""
    return BoundData(
        splits, stats, binding["data_input"], binding["label_input"], record or {}, note
    )


def sample_feeds(doc: GraphDocument, batch: int = 16, seed: int = 0) -> dict[str, np.ndarray]:
    """Feeds for one run: the stored inputs, else ``batch`` random training samples of the dataset.

    A stored value of the dataset's data input (the person's own image) wins over the dataset;
    without a stored class label, its label is the class the graph predicts for it.
    """
    feeds = doc.input_feeds()
    data_input, label_input = doc.dataset.get("data_input"), doc.dataset.get("label_input")
    if doc.dataset and data_input in feeds:
        label = doc.nodes.get(label_input)
        if label is not None and label.attrs.get("dtype") == "int" and label_input not in feeds:
            from graphlab.predict import class_probabilities

            scores = class_probabilities(doc, feeds[data_input], data_input)
            feeds[label_input] = scores.argmax(axis=1)
    elif doc.dataset:
        data = bound_data(doc)
        train = data.splits.train
        picks = np.random.default_rng(seed).permutation(len(train))[:batch]
        feeds[data.data_input], feeds[data.label_input] = train.X[picks], train.y[picks]
    missing = [nid for nid, node in doc.nodes.items() if node.op == "input" and nid not in feeds]
    if missing:
        names = ", ".join(doc.display_name(nid) for nid in missing)
        raise GraphError(
            f"{doc.name}: inputs without values: {names} (set their values in the inspector, "
            "or bind a dataset)"
        )
    return feeds


def inputs_of(doc: GraphDocument, dtype: str) -> list[str]:
    """The graph's input nodes fed ``dtype`` ("float": data, "int": class labels)."""
    return [
        nid
        for nid, node in doc.nodes.items()
        if node.op == "input" and node.attrs.get("dtype", "float") == dtype
    ]


def _shape_text(shape) -> str:
    return "(" + ", ".join("N" if d in (-1, None) else str(d) for d in shape) + ")"


def bind_dataset(doc: GraphDocument, spec: dict, sample_shape: tuple[int, ...]) -> dict:
    """The dataset binding keys for ``spec`` (samples of ``sample_shape``) on a graph without
    one (an imported model): its one data input, whose declared shape must match (N, *sample
    shape), and its label input if it has one. DatasetError names the shapes that differ."""
    data = inputs_of(doc, "float")
    if len(data) != 1:
        found = ", ".join(data) or "none"
        raise DatasetError(f"{doc.name}: a dataset binds to one data input; the graph has {found}")
    declared = list(doc.nodes[data[0]].attrs.get("shape") or [])
    wanted = [-1, *sample_shape]
    fits = len(declared) == len(wanted) and all(
        d == -1 or d == w for d, w in zip(declared[1:], wanted[1:], strict=True)
    )
    if not fits:
        raise DatasetError(
            f"input {data[0]} takes {_shape_text(declared)} but the dataset's samples are "
            f"{_shape_text(wanted)}: the shapes differ"
        )
    binding = {"spec": dict(spec), "data_input": data[0]}
    labels = inputs_of(doc, "int")
    if len(labels) == 1:
        binding["label_input"] = labels[0]
    return binding


def loss_nodes(doc: GraphDocument) -> tuple[list, list, str]:
    """What the training panel's "Add loss" adds to a graph that ends in class scores (an
    imported model): a label input and a softmax cross-entropy loss on the graph's one
    output; (nodes, edges, label input id). GraphError when there is no single output."""
    from graphlab.document import DocEdge, DocNode

    feeding = {edge.src for edge in doc.edges}
    leaves = ("input", "parameter", "constant")
    outputs = [n for n, node in doc.nodes.items() if n not in feeding and node.op not in leaves]
    if len(outputs) != 1:
        raise GraphError(
            f"{doc.name}: a loss goes on the graph's one output; found {', '.join(outputs) or 'none'}"
        )
    x, y = doc.nodes[outputs[0]].pos
    labels, loss = doc.new_id("labels"), doc.new_id("loss")
    nodes = [
        DocNode(labels, "input", {"shape": [-1], "dtype": "int"}, (x, y + 110.0)),
        DocNode(loss, "softmax_cross_entropy", {}, (x + 220.0, y)),
    ]
    edges = [DocEdge(outputs[0], loss, "scores"), DocEdge(labels, loss, "labels")]
    return nodes, edges, labels


def inputs_without_values(doc: GraphDocument) -> list[str]:
    """The input nodes that have no stored value and no bound dataset feeding them."""
    fed = set(doc.inputs)
    if doc.dataset:
        fed |= {doc.dataset.get("data_input"), doc.dataset.get("label_input")}
    return [nid for nid, node in doc.nodes.items() if node.op == "input" and nid not in fed]
