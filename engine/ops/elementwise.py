"""Elementwise gates with numpy broadcasting: the circuits of the backprop lecture."""

from __future__ import annotations

from engine.ops.base import Attr, Op, broadcast_shapes, unbroadcast
from engine.ops.registry import register


class Binary(Op):
    category = "Arithmetic"
    inputs = ("a", "b")

    def infer_shape(self, shapes, attrs):
        return broadcast_shapes(shapes, self.inputs)

    def forward(self, xp, inputs, attrs, ctx):
        a, b = inputs
        return self.compute(xp, a, b), (a, b)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        a, b = saved
        da, db = self.local_grads(xp, a, b, grad_out)
        return [unbroadcast(xp, da, a.shape), unbroadcast(xp, db, b.shape)]


@register
class Add(Binary):
    name = "add"
    formula = "out = a + b"
    rule = "add gate: gradient distributor (each input gets the upstream gradient unchanged)"

    def compute(self, xp, a, b):
        return a + b

    def local_grads(self, xp, a, b, g):
        return g, g


@register
class Subtract(Binary):
    name = "subtract"
    formula = "out = a - b"
    rule = "subtract gate: a gets the upstream gradient, b gets its negative"

    def compute(self, xp, a, b):
        return a - b

    def local_grads(self, xp, a, b, g):
        return g, -g


@register
class Multiply(Binary):
    name = "multiply"
    formula = "out = a * b"
    rule = "multiply gate: gradient switcher (each input gets the upstream gradient times the other input)"

    def compute(self, xp, a, b):
        return a * b

    def local_grads(self, xp, a, b, g):
        return g * b, g * a


@register
class Divide(Binary):
    name = "divide"
    formula = "out = a / b (integers: truncated toward zero, as in ONNX and C)"
    rule = "divide gate: d/da = 1/b, d/db = -a/b^2"

    def compute(self, xp, a, b):
        if xp.asarray(a).dtype.kind in "iu" and xp.asarray(b).dtype.kind in "iu":
            floor, rest = xp.floor_divide(a, b), xp.remainder(a, b)
            return floor + ((rest != 0) & ((a < 0) != (b < 0)))
        return a / b

    def local_grads(self, xp, a, b, g):
        return g / b, -g * a / (b * b)


@register
class Maximum(Binary):
    name = "max"
    formula = "out = max(a, b)"
    rule = "max gate: gradient router (the larger input gets all of the upstream gradient)"

    def compute(self, xp, a, b):
        return xp.maximum(a, b)

    def local_grads(self, xp, a, b, g):
        first = a >= b
        return g * first, g * ~first


@register
class Minimum(Binary):
    name = "min"
    formula = "out = min(a, b)"
    rule = "min gate: gradient router (the smaller input gets all of the upstream gradient)"

    def compute(self, xp, a, b):
        return xp.minimum(a, b)

    def local_grads(self, xp, a, b, g):
        first = a <= b
        return g * first, g * ~first


@register
class Pow(Binary):
    name = "pow"
    formula = "out = a ^ b (elementwise; an integer a keeps its integer type, as in ONNX)"
    rule = "pow gate: d/da = b a^(b-1), d/db = a^b ln a (needs a > 0)"

    def compute(self, xp, a, b):
        out = xp.power(a, b)
        return out.astype(a.dtype) if a.dtype.kind in "iu" else out

    def local_grads(self, xp, a, b, g):
        out = xp.power(a, b)
        return g * b * xp.power(a, b - 1), g * out * xp.log(a)


class Unary(Op):
    category = "Arithmetic"
    inputs = ("x",)

    def infer_shape(self, shapes, attrs):
        return shapes[0]

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        out = self.compute(xp, x, attrs)
        return out, (x, out)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        x, out = saved
        return [self.local_grad(xp, x, out, grad_out, attrs)]


@register
class Negate(Unary):
    name = "negate"
    formula = "out = -x"
    rule = "negate gate: d/dx = -1"

    def compute(self, xp, x, attrs):
        return -x

    def local_grad(self, xp, x, out, g, attrs):
        return -g


@register
class Reciprocal(Unary):
    name = "reciprocal"
    formula = "out = 1 / x"
    rule = "reciprocal gate: d/dx = -1/x^2"

    def compute(self, xp, x, attrs):
        return 1 / x

    def local_grad(self, xp, x, out, g, attrs):
        return -g * out * out


@register
class Exp(Unary):
    name = "exp"
    formula = "out = e^x"
    rule = "exp gate: d/dx = e^x (the output itself)"

    def compute(self, xp, x, attrs):
        return xp.exp(x)

    def local_grad(self, xp, x, out, g, attrs):
        return g * out


@register
class Log(Unary):
    name = "log"
    formula = "out = ln x"
    rule = "log gate: d/dx = 1/x"

    def compute(self, xp, x, attrs):
        return xp.log(x)

    def local_grad(self, xp, x, out, g, attrs):
        return g / x


@register
class Power(Unary):
    name = "power"
    attrs = (Attr("exponent", "float", 2.0, "the constant exponent p"),)
    formula = "out = x^p"
    rule = "power gate: d/dx = p x^(p-1)"

    def compute(self, xp, x, attrs):
        return x ** attrs["exponent"]

    def local_grad(self, xp, x, out, g, attrs):
        p = attrs["exponent"]
        return g * p * x ** (p - 1)


@register
class Abs(Unary):
    name = "abs"
    formula = "out = |x|"
    rule = "abs gate: d/dx = sign(x)"

    def compute(self, xp, x, attrs):
        return xp.abs(x)

    def local_grad(self, xp, x, out, g, attrs):
        return g * xp.sign(x)


@register
class Sqrt(Unary):
    name = "sqrt"
    formula = "out = sqrt(x)"
    rule = "sqrt gate: d/dx = 1 / (2 sqrt(x))"

    def compute(self, xp, x, attrs):
        return xp.sqrt(x)

    def local_grad(self, xp, x, out, g, attrs):
        return g / (2 * out)


@register
class Clip(Unary):
    name = "clip"
    attrs = (
        Attr("low", "float", None, "the smallest output; null: no lower bound"),
        Attr("high", "float", None, "the largest output; null: no upper bound (ReLU6: 0 and 6)"),
    )
    formula = "out = min(max(x, low), high)"
    rule = "clip gate: the gradient passes where low <= x <= high, and is 0 outside"

    def compute(self, xp, x, attrs):
        low, high = attrs["low"], attrs["high"]
        out = x if low is None else xp.maximum(x, xp.asarray(low, dtype=x.dtype))
        return out if high is None else xp.minimum(out, xp.asarray(high, dtype=x.dtype))

    def local_grad(self, xp, x, out, g, attrs):
        low, high = attrs["low"], attrs["high"]
        inside = xp.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        return g * inside
