"""Convolution over (N, C, H, W) images and pooling over (N, C, L), (N, C, H, W) or
(N, C, D, H, W) inputs (lecture 7), vectorised with strided views.

Windows are K x K (K^d for d spatial axes). Padding is ``pad`` on every side, or ``pads``
(each spatial axis's begin, then each one's end: top, left, bottom, right for images) when
given; ``dilation`` spaces a window's taps; conv's ``groups`` splits the channels
(depthwise when groups = C); pooling's ``ceil_mode`` keeps a last partial window.
"""

from __future__ import annotations

from engine.kernels.conv import conv_backward, conv_forward
from engine.kernels.pool import (
    avgpool_backward,
    avgpool_divisor,
    avgpool_forward,
    maxpool_backward,
    maxpool_forward,
    pool_pads,
)
from engine.kernels.windows import sides
from engine.ops.base import Attr, Op, fmt, same_dim, shape_error
from engine.ops.registry import register

CATEGORY = "Convolution and pooling"
PADS = Attr("pads", "ints", None, "padding: each spatial axis's begin, then each one's end (top, left, bottom, right for images); null: pad on every side")  # fmt: skip
DILATION = Attr("dilation", "int", 1, "spacing of a window's taps (1: adjacent)", minimum=1)
#: the spatial axes' names for 1, 2 and 3 of them
AXES = {1: "L", 2: "HW", 3: "DHW"}


def _check_image(port: str, shape) -> None:
    if len(shape) != 4:
        raise shape_error(port, f"expected an image batch (N, C, H, W), got {fmt(shape)}")


def padding(attrs, ndim: int = 2) -> tuple[int, ...]:
    """Begins then ends of ``ndim`` spatial axes from ``pads`` or ``pad``; a bad ``pads`` is a
    ShapeError."""
    pads = attrs.get("pads")
    if pads is None:
        return sides(attrs.get("pad", 0), ndim)
    if len(pads) != 2 * ndim or min(pads) < 0:
        names = ", ".join(f"{a} begin" for a in AXES[ndim]) + ", " + ", ".join(f"{a} end" for a in AXES[ndim])  # fmt: skip
        raise shape_error("x", f"attr pads must be {2 * ndim} sizes >= 0 ({names}), got {list(pads)}")  # fmt: skip
    return tuple(pads)


def _spatial_out(port: str, shape, kernel: int, stride: int, pads, dilation: int) -> tuple:
    """The output's spatial sizes for windows of ``kernel`` over the spatial axes of
    ``shape``; unknown stays None."""
    ndim = len(pads) // 2
    span = dilation * (kernel - 1) + 1
    sizes = []
    for axis, size, before, after in zip(AXES[ndim], shape[2:], pads[:ndim], pads[ndim:], strict=True):  # fmt: skip
        if size is None:
            sizes.append(None)
            continue
        if size + before + after < span:
            raise shape_error(
                port,
                f"{axis} = {size} (padded by {before} and {after}) is smaller than the "
                f"{'x'.join([str(kernel)] * ndim)} window (spanning {span}) of {fmt(shape)}",
            )
        sizes.append((size + before + after - span) // stride + 1)
    return tuple(sizes)


@register
class Conv2d(Op):
    name = "conv2d"
    category = CATEGORY
    inputs = ("x", "w", "b")
    attrs = (
        Attr("kernel", "int", doc="filter size K (w is F x C/groups x K x K)", minimum=1),
        Attr("stride", "int", 1, "step between filter positions", minimum=1),
        Attr("pad", "int", 0, "zeros added on each side of H and W", minimum=0),
        PADS,
        DILATION,
        Attr("groups", "int", 1, "channel groups (C for a depthwise conv)", minimum=1),
    )
    formula = "out[n,f] = b[f] + sum_c,i,j w[f,c,i,j] x[n,g(f)+c,s*y+d*i,s*x+d*j]"
    rule = "conv gate: dW correlates x with the upstream gradient; dx is the full convolution of it with w"

    def infer_shape(self, shapes, attrs):
        x, w, b = shapes
        kernel, groups = attrs["kernel"], attrs["groups"]
        _check_image("x", x)
        if len(w) != 4:
            raise shape_error("w", f"expected filters (F, C/groups, K, K), got {fmt(w)}")
        if not same_dim(x[1], None if w[1] is None else w[1] * groups):
            raise shape_error(
                "w",
                f"x has {x[1]} channels {fmt(x)} but w {fmt(w)} with groups = {groups} "
                f"expects {w[1]} x {groups}",
            )
        if w[0] is not None and w[0] % groups:
            raise shape_error("w", f"{w[0]} filters {fmt(w)} do not split into {groups} groups")
        if w[2:] != (kernel, kernel):
            raise shape_error(
                "w",
                f"attr kernel = {kernel} needs w of shape (F, C, {kernel}, {kernel}), got {fmt(w)}",
            )
        if len(b) != 1 or not same_dim(b[0], w[0]):
            raise shape_error(
                "b", f"expected one bias per filter ({w[0]},) for w {fmt(w)}, got {fmt(b)}"
            )
        out = _spatial_out("x", x, kernel, attrs["stride"], padding(attrs), attrs["dilation"])
        return (x[0], w[0], *out)

    def forward(self, xp, inputs, attrs, ctx):
        x, w, b = inputs
        out, cols = conv_forward(
            xp, x, w, b, attrs["stride"], padding(attrs), attrs["dilation"], attrs["groups"]
        )
        return out, (cols, w, x.shape)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        cols, w, x_shape = saved
        need_x = needed is None or needed[0]
        grads = conv_backward(
            xp, cols, w, grad_out, x_shape, attrs["stride"], padding(attrs), need_x,
            attrs["dilation"], attrs["groups"],
        )  # fmt: skip
        return list(grads)


class Pool(Op):
    """Pooling over K^d windows of (N, C, L), (N, C, H, W) or (N, C, D, H, W) inputs; stride 0
    means 'the same as kernel' (windows do not overlap)."""

    category = CATEGORY
    inputs = ("x",)
    attrs = (
        Attr("kernel", "int", 2, "window size K along every spatial axis", minimum=1),
        Attr("stride", "int", 0, "step between windows; 0 means the same as kernel", minimum=0),
        PADS,
        DILATION,
        Attr("ceil_mode", "bool", False, "keep a last window that runs past the edge"),
    )

    @staticmethod
    def window(attrs) -> tuple[int, int]:
        """(kernel, stride) with the stride default resolved."""
        return attrs["kernel"], attrs["stride"] or attrs["kernel"]

    @classmethod
    def geometry(cls, attrs, shape) -> tuple:
        """(kernel, stride, pads with ceil mode's extra cells, dilation) for input ``shape``."""
        kernel, stride = cls.window(attrs)
        pads = padding(attrs, len(shape) - 2)
        full = pool_pads(shape, kernel, stride, pads, attrs["dilation"], attrs["ceil_mode"])
        return kernel, stride, full, attrs["dilation"]

    def infer_shape(self, shapes, attrs):
        (x,) = shapes
        if len(x) not in (3, 4, 5):
            raise shape_error("x", f"expected (N, C, L), (N, C, H, W) or (N, C, D, H, W), got {fmt(x)}")  # fmt: skip
        kernel, stride = self.window(attrs)
        pads, dilation = padding(attrs, len(x) - 2), attrs["dilation"]
        if attrs["ceil_mode"] and None not in x[2:]:
            pads = pool_pads(x, kernel, stride, pads, dilation, True)
        sizes = _spatial_out("x", x, kernel, stride, pads, dilation)
        if attrs["ceil_mode"] and None in x[2:]:
            sizes = tuple(None for _ in sizes)
        return (x[0], x[1], *sizes)


@register
class MaxPool(Pool):
    name = "maxpool"
    formula = "out[n,c,y,x] = max over the K x K window of x (K^d over d axes; padding never wins)"
    rule = "max gate: gradient router (each window's first maximum gets all of its gradient)"

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        out, first = maxpool_forward(xp, x, *self.geometry(attrs, x.shape))
        return out, (first, x.shape)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        first, x_shape = saved
        return [maxpool_backward(xp, first, grad_out, x_shape, *self.geometry(attrs, x_shape))]


@register
class AvgPool(Pool):
    name = "avgpool"
    attrs = (
        *Pool.attrs,
        Attr("count_include_pad", "bool", False, "padding cells count in each window's mean"),
    )
    formula = "out[n,c,y,x] = mean over the K x K window of x (K^d over d axes)"
    rule = "average gate: each cell of a window gets 1/K^2 (1/K^d) of its gradient (1/count near padding)"

    def _divisor(self, xp, attrs, shape, dtype):
        """None for plain K^d windows, else the (*out) count of cells each one averages."""
        kernel, stride, pads, dilation = self.geometry(attrs, shape)
        if not any(pads):
            return None
        return avgpool_divisor(
            xp, shape, kernel, stride, padding(attrs, len(shape) - 2), pads, dilation,
            attrs["count_include_pad"], dtype,
        )  # fmt: skip

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        divisor = self._divisor(xp, attrs, x.shape, x.dtype)
        return avgpool_forward(xp, x, *self.geometry(attrs, x.shape), divisor), (x.shape, divisor)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        x_shape, divisor = saved
        geometry = self.geometry(attrs, x_shape)
        return [avgpool_backward(xp, grad_out, x_shape, *geometry, divisor)]
