"""The negative log-likelihood loss with ONNX's options: class weights, an ignored label,
mean / sum / no reduction, and scores with extra axes (N, C, d1, ..., dk), labels
(N, d1, ..., dk). ``softmax_cross_entropy`` is the course's plain form; this op is what an
imported ``SoftmaxCrossEntropyLoss`` with options becomes after a ``log_softmax``.
"""

from __future__ import annotations

from engine.errors import DatasetError
from engine.ops.base import Attr, Op, fmt, same_dim, shape_error
from engine.ops.losses import label_range_error
from engine.ops.registry import register


def _flat(xp, logp, labels, ignore):
    """logp as rows (M, C), labels (M,) with ignored ones set to 0, and the kept mask (M,)."""
    classes = logp.shape[1]
    if labels.dtype.kind not in "iu":
        raise DatasetError("input 'labels': labels must be integers (class indices)")
    rows = xp.moveaxis(logp, 1, -1).reshape(-1, classes)
    flat = labels.reshape(-1)
    kept = xp.ones(flat.shape, dtype=bool) if ignore is None else flat != ignore
    if bool((kept & ((flat < 0) | (flat >= classes))).any()):
        raise label_range_error(classes)
    return rows, xp.where(kept, flat, 0), kept


@register
class NllLoss(Op):
    name = "nll_loss"
    category = "Classification and losses"
    inputs = ("logp", "labels")
    no_grad_ports = ("labels",)
    attrs = (
        Attr(
            "reduction",
            "choice",
            "mean",
            "mean (weighted), sum, or none (one loss per label)",
            choices=("mean", "sum", "none"),
        ),  # fmt: skip
        Attr("ignore_index", "int", None, "a label that adds no loss; null: none"),
        Attr("class_weights", "value", None, "one weight per class; null: all 1"),
    )
    formula = "L_i = -w[y_i] logp[i, y_i]; mean: sum_i L_i / sum_i w[y_i]"
    rule = "nll loss: d logp[i, y_i] = -w[y_i] (over sum w for the mean), 0 elsewhere"

    def infer_shape(self, shapes, attrs):
        logp, labels = shapes
        if len(logp) < 2:
            raise shape_error("logp", f"expected (N, C, ...) log-probabilities, got {fmt(logp)}")
        rest = (logp[0], *logp[2:])
        if len(labels) != len(rest) or not all(map(same_dim, labels, rest)):
            raise shape_error("labels", f"expected labels {fmt(rest)} for logp {fmt(logp)}, got {fmt(labels)}")  # fmt: skip
        weights = attrs["class_weights"]
        if weights is not None and logp[1] is not None and len(weights) != logp[1]:
            raise shape_error("logp", f"{len(weights)} class weights for {logp[1]} classes")
        return labels if attrs["reduction"] == "none" else ()

    def forward(self, xp, inputs, attrs, ctx):
        logp, labels = inputs
        rows, flat, kept = _flat(xp, logp, labels, attrs["ignore_index"])
        weights = kept.astype(logp.dtype)
        if attrs["class_weights"] is not None:
            weights = weights * xp.asarray(attrs["class_weights"], dtype=logp.dtype)[flat]
        losses = -rows[xp.arange(len(flat)), flat] * weights
        scale = {"mean": 1 / weights.sum(), "sum": 1.0, "none": None}[attrs["reduction"]]
        out = losses.reshape(labels.shape) if scale is None else losses.sum() * scale
        return xp.asarray(out), (rows.shape, logp.shape, flat, weights, scale)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        rows_shape, logp_shape, flat, weights, scale = saved
        per_label = grad_out.reshape(-1) if scale is None else grad_out * scale
        drows = xp.zeros(rows_shape, dtype=weights.dtype)
        drows[xp.arange(len(flat)), flat] = -weights * per_label
        moved = (logp_shape[0], *logp_shape[2:], logp_shape[1])
        return [xp.moveaxis(drows.reshape(moved), -1, 1), None]
