"""Cases for nll_loss (ONNX's NegativeLogLikelihoodLoss options), against F.nll_loss."""

import numpy as np

from tests.engine.cases import OpCase, rand

rng = np.random.default_rng(11)


def _nll(t, logp, labels, reduction="mean", ignore_index=None, class_weights=None):
    weight = None if class_weights is None else t.tensor(class_weights, dtype=logp.dtype)
    ignore = -100 if ignore_index is None else ignore_index
    return t.nn.functional.nll_loss(logp, labels, weight, ignore_index=ignore, reduction=reduction)


def _case(shape, label, **attrs):
    labels = rng.integers(0, shape[1], size=(shape[0], *shape[2:]))
    if attrs.get("ignore_index") is not None:
        labels.reshape(-1)[::3] = attrs["ignore_index"]
    return OpCase("nll_loss", {"logp": rand(rng, *shape), "labels": labels}, attrs, _nll, label=label)  # fmt: skip


CASES = [
    _case((4, 3), "mean"),
    _case((1, 5), "batch1-sum", reduction="sum"),
    _case((3, 4, 2, 3), "image-none", reduction="none"),
    _case((5, 3), "weights-ignore", class_weights=[0.5, 2.0, 1.0], ignore_index=1),
    _case((2, 4, 3), "extra-axis-ignore-sum", ignore_index=0, reduction="sum"),
]
