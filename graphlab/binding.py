"""What a document's graph is fed: its stored input values, or batches of its bound dataset.

A document's dataset binding is ``{"spec": <load_dataset spec>, "data_input": id,
"label_input": id, "split": {"val", "test", "seed"}, "preprocess": {"center", "scale"}}``.
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


def bound_data(doc: GraphDocument) -> BoundData:
    """Load, split and preprocess the document's dataset; DatasetError names what is wrong.
    Statistics stored in the project are used as they are (see graphlab.preprocess_store)."""
    from graphlab.datasets import load_dataset, preprocess_splits, split_dataset
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
        splits = split_dataset(
            load_dataset(binding.get("spec", {})),
            val=split.get("val", 0.1),
            test=split.get("test", 0.1),
            seed=split.get("seed", 0),
        )
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
        raise GraphError(
            f"{doc.name}: inputs without values: {', '.join(missing)} (store values or bind a dataset)"
        )
    return feeds
