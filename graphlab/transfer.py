"""The notes' transfer learning, measured: the zoo's cnn-mnist trained on the digits 0-4 keeps
its conv layers (frozen) and a new last layer learns the digits 5-9 from 50 examples per
class, beside the same net trained from scratch on the same 250 examples.

Both runs see the same samples with the base model's preprocessing (its training split's
mean image, pixels / 255) and the same settings; the test set is every other 5-9 digit of
mnist-5k (2,250 images). ``graphlab zoo --transfer`` prints both accuracies.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from graphlab.binding import BoundData, bound_data
from graphlab.datasets import DatasetSplits, load_dataset
from graphlab.document import GraphDocument
from graphlab.examples import open_graph
from graphlab.predict import class_probabilities
from graphlab.training.settings import prepare_training

BASE = "zoo/cnn-mnist-0to4"
NEW_DIGITS = [5, 6, 7, 8, 9]
FROZEN = ("conv1_W", "conv1_b", "conv2_W", "conv2_b")


@dataclass(frozen=True)
class TransferResult:
    """Test accuracies of the transferred and the from-scratch net, and the set sizes."""

    transfer: float
    scratch: float
    train_samples: int
    test_samples: int


def transfer_data(base: GraphDocument, per_class: int, seed: int) -> BoundData:
    """``per_class`` training images of each new digit (chosen with ``seed``), the rest as
    the test split, preprocessed with the base model's statistics."""
    data = bound_data(base)
    dataset = load_dataset({"name": "mnist-5k", "classes": NEW_DIGITS})
    rng = np.random.default_rng(seed)
    picks = [rng.permutation(np.flatnonzero(dataset.y == d))[:per_class] for d in NEW_DIGITS]
    train = np.sort(np.concatenate(picks))
    test = np.setdiff1d(np.arange(len(dataset)), train)
    stats = data.preprocessing
    prepared = replace(dataset, X=stats.apply(dataset.X))
    empty = np.zeros(0, dtype=np.int64)
    splits = DatasetSplits(prepared.subset(train), prepared.subset(empty), prepared.subset(test),
                           train, empty, test)  # fmt: skip
    return BoundData(splits, stats, data.data_input, data.label_input)


def _trained(doc: GraphDocument, data: BoundData, epochs: int, seed: int) -> float:
    """Train ``doc`` on ``data``'s training split; its accuracy on the test split."""
    run = prepare_training(doc, {"epochs": epochs, "seed": seed, "batch_size": 25}, data=data)
    run.trainer.run()
    run.finish()
    test = data.splits.test
    predicted = class_probabilities(doc, test.X, data.data_input).argmax(axis=1)
    return float(np.mean(predicted == test.y))


def run_transfer(epochs: int = 15, per_class: int = 50, seed: int = 0) -> TransferResult:
    """Train both nets for ``epochs`` epochs (batch 25) and measure them on the test split."""
    base = open_graph(BASE)
    data = transfer_data(base, per_class, seed)
    transfer = base.snapshot()
    kept = {nid: base.params[nid] for nid in FROZEN}
    transfer.clear_trained()  # the last layer starts fresh, the runs and progress go
    transfer.set_training({k: v for k, v in transfer.training.items() if k != "runs"})
    transfer.set_params(kept)
    for nid in FROZEN:
        transfer.set_attrs(nid, {**transfer.nodes[nid].attrs, "frozen": True})
    scratch = base.snapshot()
    scratch.clear_trained()
    return TransferResult(
        _trained(transfer, data, epochs, seed),
        _trained(scratch, data, epochs, seed),
        len(data.splits.train),
        len(data.splits.test),
    )
