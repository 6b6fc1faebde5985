"""Evaluating trained projects on their test split, alone or as an ensemble.

``evaluate_documents(docs)`` feeds each document's test split (its bound dataset, split and
preprocessed as in training) through its graph in eval mode and scores the softmax
probabilities; with several documents the ensemble's probabilities are the mean of the
members' (they must share one test split: the same samples, labels and classes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import GraphLabError
from graphlab.binding import bound_data
from graphlab.document import GraphDocument
from graphlab.predict import class_probabilities


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Scores of one model (or ensemble) on a test split of N samples and K classes.

    probabilities: (N, K); confusion: (K, K) counts, row = true class, column = predicted.
    """

    name: str
    probabilities: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.predictions == self.labels))

    @property
    def confusion(self) -> np.ndarray:
        k = len(self.class_names)
        return np.bincount(self.labels * k + self.predictions, minlength=k * k).reshape(k, k)

    @property
    def per_class(self) -> np.ndarray:
        """(K,) accuracy on each true class (NaN for a class absent from the split)."""
        confusion = self.confusion
        totals = confusion.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diag(confusion) / totals

    def to_json(self, key: str = "project") -> dict:
        return {
            key: self.name,
            "accuracy": self.accuracy,
            "per_class": {
                name: None if np.isnan(a) else float(a)
                for name, a in zip(self.class_names, self.per_class, strict=True)
            },
            "confusion": self.confusion.tolist(),
        }


@dataclass(frozen=True, eq=False)
class EnsembleReport:
    """Each member's evaluation and, with two or more members, the ensemble's."""

    members: list[Evaluation]
    ensemble: Evaluation | None

    def to_json(self) -> dict:
        data: dict = {"members": [m.to_json() for m in self.members]}
        if self.ensemble is not None:
            data["ensemble"] = self.ensemble.to_json("name")
        return data


def evaluate_document(doc: GraphDocument, name: str | None = None) -> Evaluation:
    """``doc``'s graph on its test split (eval mode); GraphLabError when it has none."""
    data = bound_data(doc)
    test = data.splits.test
    if not len(test):
        raise GraphLabError(
            f"{doc.name}: its dataset binding keeps no test split (set dataset.split.test above 0)"
        )
    probabilities = class_probabilities(doc, test.X, data.data_input)
    if probabilities.shape[1] != test.num_classes:
        raise GraphLabError(
            f"{doc.name}: the graph scores {probabilities.shape[1]} classes, "
            f"its dataset has {test.num_classes}"
        )
    return Evaluation(name or doc.name, probabilities, test.y, test.class_names)


def ensemble_of(members: list[Evaluation], name: str = "ensemble") -> Evaluation:
    """The mean of the members' (N, K) probabilities; they must share one test split."""
    first = members[0]
    for other in members[1:]:
        if other.class_names != first.class_names or not np.array_equal(other.labels, first.labels):
            raise GraphLabError(
                f"{other.name} and {first.name} are not evaluated on the same test split "
                "(bind the same dataset, split and seed to ensemble them)"
            )
    mean = np.mean([m.probabilities for m in members], axis=0)
    return Evaluation(name, mean, first.labels, first.class_names)


def evaluate_documents(docs: list[GraphDocument], names: list[str] | None = None) -> EnsembleReport:
    """Every document's evaluation, and the ensemble's when there are several."""
    names = names or [doc.name for doc in docs]
    members = [evaluate_document(doc, name) for doc, name in zip(docs, names, strict=True)]
    return EnsembleReport(members, ensemble_of(members) if len(members) > 1 else None)
