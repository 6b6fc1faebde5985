"""What a graph predicts for a person's own samples: the top classes with probabilities.

``predict(doc, X)`` runs the graph in eval mode on X (N, ...) fed to its data input and returns
class probabilities (N, K): the softmax of the scores node (the node feeding the loss's
``scores`` port, else the graph's output; a softmax or log-softmax output is used as it is).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.backend import to_numpy
from engine.graph import Graph
from engine.trainer import find_scores
from graphlab.document import GraphDocument
from graphlab.pixels import InputError
from graphlab.user_input import InputReader


@dataclass(frozen=True)
class Prediction:
    """The top classes of one sample: (class name, probability), most probable first."""

    source: str
    top: list[tuple[str, float]]

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "top": [{"class": name, "probability": p} for name, p in self.top],
        }


def class_probabilities(
    doc: GraphDocument, X: np.ndarray, data_input: str, graph: Graph | None = None
) -> np.ndarray:
    """(N, K) probabilities of the graph on samples X fed to ``data_input`` (eval mode);
    ``graph``: ``doc`` compiled, when the caller keeps one."""
    graph = graph or doc.compile()
    feeds = {nid: np.asarray(v) for nid, v in doc.input_feeds().items()}
    feeds[data_input] = X
    for nid in graph.nodes_of("input"):
        if nid != data_input and graph.attrs[nid].get("dtype") == "int":
            feeds[nid] = np.zeros(len(X), dtype=np.int64)  # labels: unknown, only fed
    loss = doc.loss_node(graph)
    scores = find_scores(graph, loss) or loss
    graph.forward(feeds, train=False, rng=np.random.default_rng(0))
    values = to_numpy(graph.values[scores]).astype(np.float64)
    if values.ndim != 2:
        raise InputError(
            f"{doc.name}: node {scores!r} gives shape {values.shape}, not (N, classes) scores"
        )
    op = graph.nodes[scores].op
    if op == "softmax":
        return values
    if op == "log_softmax":
        return np.exp(values)
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def class_names(doc: GraphDocument, count: int) -> list[str]:
    """The bound dataset's class names when it has ``count`` of them (those stored with the
    preprocessing statistics need no dataset), else "0", "1", ..."""
    from graphlab.preprocess_store import stored_record

    record = stored_record(doc.dataset) or {}
    if len(record.get("class_names", [])) == count:
        return list(record["class_names"])
    if doc.dataset.get("spec"):
        from graphlab.binding import bound_data

        names = bound_data(doc).splits.train.class_names
        if len(names) == count:
            return list(names)
    return [str(k) for k in range(count)]


def top_classes(
    probabilities: np.ndarray, names: list[str], top: int = 3
) -> list[list[tuple[str, float]]]:
    """For each row of (N, K) probabilities, the ``top`` (name, probability) pairs."""
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top]
    return [
        [(names[k], float(row[k])) for k in ks]
        for row, ks in zip(probabilities, order, strict=True)
    ]


def predict_files(
    doc: GraphDocument, sources: list[str], top: int = 3, nid: str | None = None
) -> list[Prediction]:
    """The top classes of each file (image, .npy, .npz) in ``sources`` fed to input ``nid``."""
    reader = InputReader(doc)
    nid = nid or reader.data_input()
    arrays = [reader.read(nid, source) for source in sources]
    probabilities = class_probabilities(doc, np.concatenate(arrays), nid)
    names = class_names(doc, probabilities.shape[1])
    labels = [
        source if len(array) == 1 else f"{source}[{i}]"
        for source, array in zip(sources, arrays, strict=True)
        for i in range(len(array))
    ]
    ranked = top_classes(probabilities, names, top)
    return [Prediction(label, best) for label, best in zip(labels, ranked, strict=True)]
