"""Activation functions (lecture 6): sigmoid, tanh, the ReLU family and maxout.

Elementwise activations keep the input's shape. Where a function has a kink at 0 the
gradient there is the one PyTorch uses (relu: 0).
"""

from __future__ import annotations

from engine.ops.base import Attr, Op, broadcast_shapes, fmt, same_dim, shape_error, unbroadcast
from engine.ops.elementwise import Unary
from engine.ops.registry import register


class Activation(Unary):
    category = "Activations"


@register
class Sigmoid(Activation):
    name = "sigmoid"
    formula = "out = 1 / (1 + e^-x)"
    rule = "sigmoid gate: d/dx = (1 - s) s"

    def compute(self, xp, x, attrs):
        # 1/(1+e^-x) written with tanh: no overflow for large |x|
        return 0.5 * (1 + xp.tanh(0.5 * x))

    def local_grad(self, xp, x, out, g, attrs):
        return g * (1 - out) * out


@register
class Tanh(Activation):
    name = "tanh"
    formula = "out = tanh(x)"
    rule = "tanh gate: d/dx = 1 - tanh(x)^2"

    def compute(self, xp, x, attrs):
        return xp.tanh(x)

    def local_grad(self, xp, x, out, g, attrs):
        return g * (1 - out * out)


@register
class ReLU(Activation):
    name = "relu"
    formula = "out = max(0, x)"
    rule = "relu gate: passes the gradient where x > 0, blocks it elsewhere"

    def compute(self, xp, x, attrs):
        return xp.maximum(x, 0)

    def local_grad(self, xp, x, out, g, attrs):
        return g * (x > 0)


@register
class LeakyReLU(Activation):
    name = "leaky_relu"
    attrs = (Attr("slope", "float", 0.01, "slope for x <= 0"),)
    formula = "out = x if x > 0 else slope * x"
    rule = "leaky relu gate: passes the gradient where x > 0, scales it by the slope elsewhere"

    def compute(self, xp, x, attrs):
        return xp.where(x > 0, x, x * attrs["slope"])

    def local_grad(self, xp, x, out, g, attrs):
        return xp.where(x > 0, g, g * attrs["slope"])


@register
class ELU(Activation):
    name = "elu"
    attrs = (Attr("alpha", "float", 1.0, "the value approached as x goes to -infinity is -alpha"),)
    formula = "out = x if x > 0 else alpha (e^x - 1)"
    rule = "elu gate: d/dx = 1 where x > 0, alpha e^x = out + alpha elsewhere"

    def compute(self, xp, x, attrs):
        return xp.where(x > 0, x, attrs["alpha"] * xp.expm1(xp.minimum(x, 0)))

    def local_grad(self, xp, x, out, g, attrs):
        return xp.where(x > 0, g, g * (out + attrs["alpha"]))


@register
class PReLU(Op):
    name = "prelu"
    category = "Activations"
    inputs = ("x", "slope")
    formula = "out = x if x > 0 else slope * x"
    rule = (
        "prelu gate: x gets the gradient where x > 0 and slope times it elsewhere; "
        "slope gets x times the gradient where x <= 0, summed over the broadcast axes"
    )

    def infer_shape(self, shapes, attrs):
        x, slope = shapes
        out = broadcast_shapes(shapes, self.inputs)
        if len(out) != len(x) or not all(same_dim(o, d) for o, d in zip(out, x, strict=True)):
            raise shape_error(
                "slope",
                f"slope {fmt(slope)} must broadcast to x's shape {fmt(x)} without growing it",
            )
        return x

    def forward(self, xp, inputs, attrs, ctx):
        """x (any shape), slope broadcast against x, e.g. (1,) or (C, 1, 1) -> x's shape."""
        x, slope = inputs
        negative = x <= 0
        return xp.where(negative, x * slope, x), (x, slope, negative)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        x, slope, negative = saved
        need_x, need_slope = needed or (True, True)
        dx = xp.where(negative, grad_out * slope, grad_out) if need_x else None
        dslope = unbroadcast(xp, grad_out * x * negative, slope.shape) if need_slope else None
        return [dx, dslope]


@register
class Maxout(Op):
    name = "maxout"
    category = "Activations"
    inputs = ("x",)
    attrs = (Attr("k", "int", 2, "channels per group (each output is the max of k)", minimum=2),)
    formula = "out[:, j] = max(x[:, j*k], ..., x[:, j*k + k - 1])"
    rule = "maxout gate: gradient router (the largest channel of each group gets the gradient)"

    def infer_shape(self, shapes, attrs):
        (shape,) = shapes
        k = attrs["k"]
        if len(shape) < 2:
            raise shape_error("x", f"expected (N, C, ...) with 2 or more axes, got {fmt(shape)}")
        channels = shape[1]
        if channels is not None and channels % k:
            raise shape_error(
                "x", f"{channels} channels of x {fmt(shape)} do not split into groups of k={k}"
            )
        groups = None if channels is None else channels // k
        return (shape[0], groups, *shape[2:])

    def forward(self, xp, inputs, attrs, ctx):
        """x (N, C, ...) -> (N, C/k, ...); channels j*k .. j*k+k-1 form group j."""
        (x,) = inputs
        grouped = self._grouped(x, attrs["k"])
        first_max = grouped.argmax(axis=2)
        out = xp.take_along_axis(grouped, first_max[:, :, None], axis=2)[:, :, 0]
        return out, (x.shape, first_max)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        shape, first_max = saved
        k = attrs["k"]
        position = xp.arange(k).reshape((1, 1, k) + (1,) * (len(shape) - 2))
        winners = position == first_max[:, :, None]
        return [(grad_out[:, :, None] * winners).reshape(shape)]

    @staticmethod
    def _grouped(x, k):
        """x (N, C, ...) viewed as (N, C/k, k, ...)."""
        return x.reshape(x.shape[0], x.shape[1] // k, k, *x.shape[2:])
