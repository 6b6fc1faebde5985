"""Reductions over axes: sum, mean, max and min (global pooling, the scores-to-loss step).

``axis`` is None (every axis), one axis or a list of axes; ``keepdims`` keeps the reduced
axes as size 1. Backward spreads the upstream gradient back over the reduced axes.
"""

from __future__ import annotations

import math

from engine.errors import ShapeError
from engine.kernels.pool import dtype_bound
from engine.ops.base import Attr, Op, fmt, normalise_axes
from engine.ops.registry import register


def reduced_axes(axis, shape) -> tuple[int, ...]:
    """The axes attr as sorted non-negative axes; a ShapeError names the input shape."""
    try:
        return normalise_axes(axis, len(shape))
    except ShapeError as exc:
        raise ShapeError(f"{exc} (x has shape {fmt(shape)})") from None


class Reduction(Op):
    category = "Reductions"
    inputs = ("x",)
    attrs = (
        Attr("axis", "axes", None, "axis or axes to reduce; null reduces every axis"),
        Attr("keepdims", "bool", False, "keep the reduced axes as size 1"),
    )

    def infer_shape(self, shapes, attrs):
        (shape,) = shapes
        axes = reduced_axes(attrs["axis"], shape)
        if attrs["keepdims"]:
            return tuple(1 if i in axes else d for i, d in enumerate(shape))
        return tuple(d for i, d in enumerate(shape) if i not in axes)

    def forward(self, xp, inputs, attrs, ctx):
        """x of any shape -> x reduced over ``axes`` (a 0-d array when every axis goes)."""
        (x,) = inputs
        axes = reduced_axes(attrs["axis"], x.shape)
        out = self.reduce(x, axes, attrs["keepdims"])
        return xp.asarray(out), (x.shape, axes)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        shape, axes = saved
        if not attrs["keepdims"]:
            grad_out = xp.expand_dims(grad_out, axes)
        scale = self.scale(shape, axes)
        if scale != 1:
            grad_out = grad_out * scale
        return [xp.broadcast_to(grad_out, shape).copy()]


@register
class Sum(Reduction):
    name = "sum"
    formula = "out = sum of x over axis"
    rule = "sum gate: gradient distributor (every summed element gets the upstream gradient)"

    def reduce(self, x, axes, keepdims):
        return x.sum(axis=axes, keepdims=keepdims)

    def scale(self, shape, axes) -> float:
        return 1


@register
class Mean(Reduction):
    name = "mean"
    formula = "out = mean of x over axis"
    rule = "mean gate: every averaged element gets the upstream gradient divided by the count"

    def reduce(self, x, axes, keepdims):
        return x.mean(axis=axes, keepdims=keepdims)

    def scale(self, shape, axes) -> float:
        return 1 / math.prod(shape[i] for i in axes)


class Extreme(Reduction):
    """Max or min over axes; backward shares each gradient among the elements that tie for it
    (PyTorch's amax/amin rule)."""

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        axes = reduced_axes(attrs["axis"], x.shape)
        kept = self.reduce(xp, x, axes) if x.size else self.empty(xp, x, axes)
        out = kept if attrs["keepdims"] else kept.reshape(self.infer_shape([x.shape], attrs))
        return xp.asarray(out), (x == kept, axes)

    def empty(self, xp, x, axes):
        """The extreme of no values (ONNX's rule): the lowest value for a max, the highest for
        a min, (1, ...) along the reduced axes."""
        shape = tuple(1 if axis in axes else d for axis, d in enumerate(x.shape))
        return xp.full(shape, dtype_bound(x.dtype, highest=self.name == "reduce_min"), x.dtype)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        winners, axes = saved
        if not attrs["keepdims"]:
            grad_out = xp.expand_dims(grad_out, axes)
        share = winners.astype(grad_out.dtype)
        return [grad_out * share / share.sum(axis=axes, keepdims=True)]


@register
class ReduceMax(Extreme):
    name = "reduce_max"
    formula = "out = max of x over axis"
    rule = "max gate: gradient router (the maximum gets the gradient; ties share it)"

    def reduce(self, xp, x, axes):
        return x.max(axis=axes, keepdims=True)


@register
class ReduceMin(Extreme):
    name = "reduce_min"
    formula = "out = min of x over axis"
    rule = "min gate: gradient router (the minimum gets the gradient; ties share it)"

    def reduce(self, xp, x, axes):
        return x.min(axis=axes, keepdims=True)
