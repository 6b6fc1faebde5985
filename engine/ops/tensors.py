"""Ops that join, pad and re-axis tensors: concat, pad, squeeze and unsqueeze.

Concat stacks two inputs along an axis (the ONNX import chains it for more); backward splits
the gradient back into the two parts. Pad's ``pads`` follow ONNX: every axis's begin sizes,
then every axis's end sizes.
"""

from __future__ import annotations

from engine.ops.base import Attr, Op, fmt, normalise_axes, same_dim, shape_error
from engine.ops.linalg import CATEGORY, Reshaping
from engine.ops.registry import register


@register
class Concat(Op):
    name = "concat"
    category = CATEGORY
    inputs = ("a", "b")
    attrs = (Attr("axis", "int", 1, "the axis the inputs are stacked along (1: channels)"),)
    formula = "out = [a, b] stacked along axis"
    rule = "concat gate: the gradient is split along axis, each input gets its own part"

    def infer_shape(self, shapes, attrs):
        a, b = shapes
        (axis,) = normalise_axes(attrs["axis"], len(a), "a")
        if len(a) != len(b) or any(
            not same_dim(x, y) for i, (x, y) in enumerate(zip(a, b, strict=True)) if i != axis
        ):
            raise shape_error("b", f"{fmt(b)} does not match a {fmt(a)} except along axis {axis}")
        size = None if a[axis] is None or b[axis] is None else a[axis] + b[axis]
        known = [x if x is not None else y for x, y in zip(a, b, strict=True)]
        return (*known[:axis], size, *known[axis + 1 :])

    def forward(self, xp, inputs, attrs, ctx):
        a, b = inputs
        axis = attrs["axis"] % a.ndim
        return xp.concatenate([a, b], axis=axis), (axis, a.shape[axis])

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        axis, split = saved
        return xp.split(grad_out, [split], axis=axis)


def _pad_widths(pads, ndim: int) -> list[tuple[int, int]]:
    """ONNX pads (begins then ends, one per axis) as numpy's [(before, after), ...]."""
    if len(pads) != 2 * ndim or min(pads) < 0:
        raise shape_error(
            "x", f"attr pads needs {2 * ndim} sizes >= 0 (begins, then ends), got {list(pads)}"
        )
    return list(zip(pads[:ndim], pads[ndim:], strict=True))


def _source_index(xp, size: int, before: int, after: int, mode: str):
    """For each cell of a padded axis, the index of the input cell it copies."""
    index = xp.arange(-before, size + after)
    if mode == "wrap":  # ... 2 3 [0 1 2 3] 0 1 ...
        return index % size
    if mode == "edge":
        return xp.clip(index, 0, size - 1)
    period = 2 * (size - 1) or 1  # reflect: ... 2 1 [0 1 2 3] 2 1 0 ...
    index = xp.abs(index) % period
    return xp.where(index >= size, period - index, index)


@register
class Pad(Op):
    name = "pad"
    category = CATEGORY
    inputs = ("x",)
    attrs = (
        Attr("pads", "ints", doc="cells added: every axis's begin sizes, then every axis's ends"),
        Attr(
            "mode",
            "choice",
            "constant",
            "what the new cells hold",
            choices=("constant", "reflect", "edge", "wrap"),
        ),  # fmt: skip
        Attr("value", "float", 0.0, "the value of constant padding"),
    )
    formula = "out = x with pads cells around it (constant value; reflected, edge or wrapped-around copies)"
    rule = "pad gate: x's cells get their gradient back; a copied cell adds its copies' gradient"

    def infer_shape(self, shapes, attrs):
        (x,) = shapes
        widths = _pad_widths(attrs["pads"], len(x))
        if attrs["mode"] != "constant":
            for d, (before, after) in zip(x, widths, strict=True):
                if d is not None and attrs["mode"] == "reflect" and max(before, after) >= d:
                    raise shape_error("x", f"reflect padding {before}, {after} needs an axis longer than that, got {fmt(x)}")  # fmt: skip
        return tuple(None if d is None else d + a + b for d, (a, b) in zip(x, widths, strict=True))

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        widths = _pad_widths(attrs["pads"], x.ndim)
        if attrs["mode"] == "constant":
            return xp.pad(x, widths, constant_values=attrs["value"]), (x.shape, widths)
        out = x
        for axis, (before, after) in enumerate(widths):
            index = _source_index(xp, x.shape[axis], before, after, attrs["mode"])
            out = xp.take(out, index, axis=axis)
        return out, (x.shape, widths)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        shape, widths = saved
        if attrs["mode"] == "constant":
            inside = tuple(slice(b, b + d) for d, (b, _) in zip(shape, widths, strict=True))
            return [grad_out[inside]]
        grad = grad_out
        for axis, (before, after) in enumerate(widths):
            index = _source_index(xp, shape[axis], before, after, attrs["mode"])
            copies = (index[:, None] == xp.arange(shape[axis])[None, :]).astype(grad.dtype)
            grad = xp.moveaxis(xp.tensordot(grad, copies, axes=([axis], [0])), -1, axis)
        return [grad]


def _squeezed(shape, axes) -> tuple[int, ...]:
    """The axes to drop (all size-1 axes when ``axes`` is None), checked to be size 1."""
    if axes is None:
        return tuple(i for i, d in enumerate(shape) if d == 1)
    axes = normalise_axes(axes, len(shape))
    for axis in axes:
        if shape[axis] not in (1, None):
            raise shape_error("x", f"axis {axis} of {fmt(shape)} has size {shape[axis]}, not 1")
    return axes


@register
class Squeeze(Reshaping):
    name = "squeeze"
    attrs = (Attr("axes", "ints", None, "the size-1 axes to drop; null drops every one"),)
    formula = "out = x without its size-1 axes"
    rule = "squeeze gate: the gradient is reshaped back to x's shape"

    def infer_shape(self, shapes, attrs):
        (shape,) = shapes
        axes = _squeezed(shape, attrs["axes"])
        return tuple(d for i, d in enumerate(shape) if i not in axes)


@register
class Unsqueeze(Reshaping):
    name = "unsqueeze"
    attrs = (Attr("axes", "ints", doc="where size-1 axes are inserted (in the output)"),)
    formula = "out = x with size-1 axes inserted at axes"
    rule = "unsqueeze gate: the gradient is reshaped back to x's shape"

    def infer_shape(self, shapes, attrs):
        (shape,) = shapes
        axes = normalise_axes(attrs["axes"], len(shape) + len(attrs["axes"]))
        rest = iter(shape)
        return tuple(1 if i in axes else next(rest) for i in range(len(shape) + len(axes)))
