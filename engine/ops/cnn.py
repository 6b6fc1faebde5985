"""Convolution and pooling over (N, C, H, W) images (lecture 7), vectorised with strided views."""

from __future__ import annotations

from engine.kernels.conv import conv_backward, conv_forward
from engine.kernels.pool import (
    avgpool_backward,
    avgpool_forward,
    maxpool_backward,
    maxpool_forward,
)
from engine.kernels.windows import out_size
from engine.ops.base import Attr, Op, fmt, same_dim, shape_error
from engine.ops.registry import register

CATEGORY = "Convolution and pooling"


def _check_image(port: str, shape) -> None:
    if len(shape) != 4:
        raise shape_error(port, f"expected an image batch (N, C, H, W), got {fmt(shape)}")


def _spatial_out(port: str, shape, kernel: int, stride: int, pad: int) -> tuple:
    """(Ho, Wo) for windows of ``kernel`` over the (H, W) of ``shape``; unknown stays None."""
    sizes = []
    for axis, size in zip("HW", shape[2:], strict=True):
        if size is None:
            sizes.append(None)
            continue
        if size + 2 * pad < kernel:
            raise shape_error(
                port,
                f"{axis} = {size} (padded by {pad} on each side) is smaller than the "
                f"{kernel}x{kernel} window of {fmt(shape)}",
            )
        sizes.append(out_size(size, kernel, stride, pad))
    return tuple(sizes)


@register
class Conv2d(Op):
    name = "conv2d"
    category = CATEGORY
    inputs = ("x", "w", "b")
    attrs = (
        Attr("kernel", "int", doc="filter size K (w is F x C x K x K)", minimum=1),
        Attr("stride", "int", 1, "step between filter positions", minimum=1),
        Attr("pad", "int", 0, "zeros added on each side of H and W", minimum=0),
    )
    formula = "out[n,f] = b[f] + sum_c,i,j w[f,c,i,j] x[n,c,s*y+i,s*x+j]"
    rule = "conv gate: dW correlates x with the upstream gradient; dx is the full convolution of it with w"

    def infer_shape(self, shapes, attrs):
        x, w, b = shapes
        kernel = attrs["kernel"]
        _check_image("x", x)
        if len(w) != 4:
            raise shape_error("w", f"expected filters (F, C, K, K), got {fmt(w)}")
        if not same_dim(x[1], w[1]):
            raise shape_error("w", f"x has {x[1]} channels {fmt(x)} but w expects {w[1]} {fmt(w)}")
        if w[2:] != (kernel, kernel):
            raise shape_error(
                "w",
                f"attr kernel = {kernel} needs w of shape (F, C, {kernel}, {kernel}), got {fmt(w)}",
            )
        if len(b) != 1 or not same_dim(b[0], w[0]):
            raise shape_error(
                "b", f"expected one bias per filter ({w[0]},) for w {fmt(w)}, got {fmt(b)}"
            )
        return (x[0], w[0], *_spatial_out("x", x, kernel, attrs["stride"], attrs["pad"]))

    def forward(self, xp, inputs, attrs, ctx):
        x, w, b = inputs
        out, cols = conv_forward(xp, x, w, b, attrs["stride"], attrs["pad"])
        return out, (cols, w, x.shape)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        cols, w, x_shape = saved
        need_x = needed is None or needed[0]
        return list(
            conv_backward(xp, cols, w, grad_out, x_shape, attrs["stride"], attrs["pad"], need_x)
        )


class Pool(Op):
    """Pooling over K x K windows; stride 0 means 'the same as kernel' (windows do not overlap)."""

    category = CATEGORY
    inputs = ("x",)
    attrs = (
        Attr("kernel", "int", 2, "window size K", minimum=1),
        Attr("stride", "int", 0, "step between windows; 0 means the same as kernel", minimum=0),
    )

    @staticmethod
    def window(attrs) -> tuple[int, int]:
        """(kernel, stride) with the stride default resolved."""
        return attrs["kernel"], attrs["stride"] or attrs["kernel"]

    def infer_shape(self, shapes, attrs):
        (x,) = shapes
        _check_image("x", x)
        return (x[0], x[1], *_spatial_out("x", x, *self.window(attrs), 0))


@register
class MaxPool(Pool):
    name = "maxpool"
    formula = "out[n,c,y,x] = max over the K x K window of x"
    rule = "max gate: gradient router (each window's first maximum gets all of its gradient)"

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        out, first = maxpool_forward(xp, x, *self.window(attrs))
        return out, (first, x.shape)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        first, x_shape = saved
        return [maxpool_backward(xp, first, grad_out, x_shape, *self.window(attrs))]


@register
class AvgPool(Pool):
    name = "avgpool"
    formula = "out[n,c,y,x] = mean over the K x K window of x"
    rule = "average gate: each cell of a window gets 1/K^2 of its gradient"

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        return avgpool_forward(xp, x, *self.window(attrs)), x.shape

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        return [avgpool_backward(xp, grad_out, saved, *self.window(attrs))]
