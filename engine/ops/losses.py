"""Classifier outputs, data losses and weight penalties.

Scores are (N, C) floats and labels (N,) integers in [0, C). Every loss and penalty returns
a scalar of shape () so that it can be summed into the total loss of a graph.
"""

from __future__ import annotations

from engine.errors import DatasetError
from engine.ops.base import Attr, Op, fmt, normalise_axes, same_dim, shape_error
from engine.ops.registry import register

AXIS = Attr("axis", "int", -1, "the axis that holds the classes")
STRENGTH = Attr("strength", "float", 1e-3, "regularization strength (lambda)", minimum=0.0)


def log_softmax(xp, x, axis: int):
    """Numerically stable log softmax: the max is subtracted before exponentiating."""
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def _axis_shape(shapes, attrs):
    (shape,) = shapes
    normalise_axes(attrs["axis"], len(shape))
    return shape


def _scores_labels_shape(shapes, attrs):
    """Scores (N, C) and labels (N,) give a scalar; anything else is a ShapeError."""
    scores, labels = shapes
    if len(scores) != 2:
        raise shape_error("scores", f"expected (N, C) class scores, got {fmt(scores)}")
    if len(labels) != 1:
        raise shape_error("labels", f"expected (N,) integer labels, got {fmt(labels)}")
    if not same_dim(scores[0], labels[0]):
        raise shape_error(
            "labels", f"{fmt(labels)} labels for {fmt(scores)} scores: the batch sizes differ"
        )
    return ()


def label_range_error(classes: int) -> DatasetError:
    """The error for labels outside 0..classes-1."""
    return DatasetError(
        f"input 'labels': labels must lie in 0..{classes - 1} for {classes} class scores"
    )


def _label_rows(xp, scores, labels):
    """Row indices 0..N-1 to pair with ``labels``; DatasetError when a label is not a class
    (not an integer, or outside 0..C-1)."""
    classes = scores.shape[1]
    if labels.dtype.kind not in "iu":
        raise DatasetError(
            f"input 'labels': labels must be integers (class indices 0..{classes - 1}), "
            f"got {labels.dtype} values; set the labels input's dtype to int"
        )
    if bool(((labels < 0) | (labels >= classes)).any()):
        raise label_range_error(classes)
    return xp.arange(scores.shape[0])


@register
class Softmax(Op):
    name = "softmax"
    category = "Classification and losses"
    inputs = ("x",)
    attrs = (AXIS,)
    formula = "p_k = e^(x_k - max x) / sum_j e^(x_j - max x)"
    rule = "softmax: dx = p * (g - sum(g * p)) along the axis"
    infer_shape = staticmethod(_axis_shape)

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        probs = xp.exp(log_softmax(xp, x, attrs["axis"]))
        return probs, probs

    def backward(self, xp, probs, grad_out, attrs, needed=None):
        inner = (grad_out * probs).sum(axis=attrs["axis"], keepdims=True)
        return [probs * (grad_out - inner)]


@register
class LogSoftmax(Op):
    name = "log_softmax"
    category = "Classification and losses"
    inputs = ("x",)
    attrs = (AXIS,)
    formula = "out_k = x_k - max x - ln sum_j e^(x_j - max x)"
    rule = "log softmax: dx = g - softmax(x) * sum(g) along the axis"
    infer_shape = staticmethod(_axis_shape)

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        out = log_softmax(xp, x, attrs["axis"])
        return out, out

    def backward(self, xp, out, grad_out, attrs, needed=None):
        total = grad_out.sum(axis=attrs["axis"], keepdims=True)
        return [grad_out - xp.exp(out) * total]


@register
class SoftmaxCrossEntropy(Op):
    name = "softmax_cross_entropy"
    category = "Classification and losses"
    inputs = ("scores", "labels")
    no_grad_ports = ("labels",)
    formula = "L = mean_i -ln softmax(s_i)[y_i]"
    rule = "softmax loss: ds = (softmax(s) - onehot(y)) / N"
    infer_shape = staticmethod(_scores_labels_shape)

    def forward(self, xp, inputs, attrs, ctx):
        scores, labels = inputs
        rows = _label_rows(xp, scores, labels)
        logp = log_softmax(xp, scores, 1)
        loss = -logp[rows, labels].mean()
        return xp.asarray(loss), (logp, rows, labels)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        logp, rows, labels = saved
        dscores = xp.exp(logp)
        dscores[rows, labels] -= 1
        return [dscores * (grad_out / logp.shape[0]), None]


@register
class SvmLoss(Op):
    name = "svm_loss"
    category = "Classification and losses"
    inputs = ("scores", "labels")
    attrs = (Attr("margin", "float", 1.0, "the margin Delta the correct score must win by"),)
    no_grad_ports = ("labels",)
    formula = "L = mean_i sum_(j != y_i) max(0, s_j - s_(y_i) + Delta)"
    rule = (
        "hinge loss: each violating class j gets +1/N, the correct class -(number of violations)/N"
    )
    infer_shape = staticmethod(_scores_labels_shape)

    def forward(self, xp, inputs, attrs, ctx):
        scores, labels = inputs
        rows = _label_rows(xp, scores, labels)
        correct = scores[rows, labels][:, None]
        margins = xp.maximum(0, scores - correct + attrs["margin"])
        margins[rows, labels] = 0
        active = (margins > 0).astype(scores.dtype)
        return xp.asarray(margins.sum() / scores.shape[0]), (active, rows, labels)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        active, rows, labels = saved
        dscores = active.copy()
        dscores[rows, labels] = -active.sum(axis=1)
        return [dscores * (grad_out / active.shape[0]), None]


@register
class MeanSquaredError(Op):
    name = "mse"
    category = "Classification and losses"
    inputs = ("prediction", "target")
    formula = "L = mean (prediction - target)^2"
    rule = "squared error: d prediction = 2 (prediction - target) / size, d target = its negative"

    def infer_shape(self, shapes, attrs):
        prediction, target = shapes
        same = len(prediction) == len(target) and all(
            same_dim(a, b) for a, b in zip(prediction, target, strict=True)
        )
        if not same:
            raise shape_error(
                "target",
                f"prediction {fmt(prediction)} and target {fmt(target)} must have the same shape",
            )
        return ()

    def forward(self, xp, inputs, attrs, ctx):
        prediction, target = inputs
        diff = prediction - target
        return xp.asarray((diff * diff).mean()), diff

    def backward(self, xp, diff, grad_out, attrs, needed=None):
        dprediction = diff * (2 * grad_out / diff.size)
        return [dprediction, -dprediction]


class Penalty(Op):
    """A weight penalty: strength times a sum over every element of w, a scalar."""

    category = "Regularization"
    inputs = ("w",)
    attrs = (STRENGTH,)

    def infer_shape(self, shapes, attrs):
        return ()

    def forward(self, xp, inputs, attrs, ctx):
        (w,) = inputs
        return xp.asarray(attrs["strength"] * self.total(xp, w, attrs)), w

    def backward(self, xp, w, grad_out, attrs, needed=None):
        return [grad_out * attrs["strength"] * self.local_grad(xp, w, attrs)]


@register
class L2Penalty(Penalty):
    name = "l2_penalty"
    formula = "R = lambda * sum w^2"
    rule = "L2 penalty: dw = 2 lambda w (weight decay)"

    def total(self, xp, w, attrs):
        return (w * w).sum()

    def local_grad(self, xp, w, attrs):
        return 2 * w


@register
class L1Penalty(Penalty):
    name = "l1_penalty"
    formula = "R = lambda * sum |w|"
    rule = "L1 penalty: dw = lambda sign(w) (pushes weights to exactly zero)"

    def total(self, xp, w, attrs):
        return xp.abs(w).sum()

    def local_grad(self, xp, w, attrs):
        return xp.sign(w)


@register
class ElasticPenalty(Penalty):
    name = "elastic_penalty"
    attrs = (STRENGTH, Attr("beta", "float", 1.0, "weight of the squared term", minimum=0.0))
    formula = "R = lambda * sum (beta w^2 + |w|)"
    rule = "elastic net: dw = lambda (2 beta w + sign(w))"

    def total(self, xp, w, attrs):
        return (attrs["beta"] * w * w + xp.abs(w)).sum()

    def local_grad(self, xp, w, attrs):
        return 2 * attrs["beta"] * w + xp.sign(w)
