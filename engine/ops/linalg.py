"""Linear algebra and shape ops: matmul, the affine layer, reshape, flatten and transpose.

Shapes may hold None (an unknown batch size); checks compare only the sizes that are known.
"""

from __future__ import annotations

import math

import numpy as np  # shape arithmetic only (tuples), on any device

from engine.errors import AttrError
from engine.ops.base import (
    Attr,
    Op,
    broadcast_shapes,
    fmt,
    known_size,
    same_dim,
    shape_error,
    unbroadcast,
)
from engine.ops.registry import register

CATEGORY = "Linear algebra and shape"


def _require_ndim(port: str, shape, allowed: tuple[int, ...], what: str) -> None:
    if len(shape) not in allowed:
        raise shape_error(port, f"expected {what}, got shape {fmt(shape)}")


@register
class MatMul(Op):
    name = "matmul"
    category = CATEGORY
    inputs = ("a", "b")
    formula = "out = a @ b (stacks of matrices broadcast over the leading axes)"
    rule = "matmul gate: da = g @ b^T, db = a^T @ g (each input gets the upstream gradient times the other)"

    def infer_shape(self, shapes, attrs):
        a, b = shapes
        if not a or not b:
            raise shape_error("a" if not a else "b", "expected a vector or a matrix, got a scalar")
        inner_b = b[0] if len(b) == 1 else b[-2]
        if not same_dim(a[-1], inner_b):
            raise shape_error(
                "b",
                f"inner sizes differ: a {fmt(a)} has {a[-1]} columns, b {fmt(b)} has {inner_b} rows",
            )
        rows = a[-2:-1]
        cols = b[-1:] if len(b) > 1 else ()
        batch = broadcast_shapes([a[:-2], b[:-2]], self.inputs) if len(a) > 2 or len(b) > 2 else ()
        return (*batch, *rows, *cols)

    def forward(self, xp, inputs, attrs, ctx):
        """a (..., M, K) or (K,), b (..., K, N) or (K,) -> numpy matmul of the two."""
        a, b = inputs
        return xp.asarray(a @ b), (a, b)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        a, b = saved
        needed = needed or (True, True)
        # promote vectors to matrices: a (..., 1, K), b (..., K, 1), g (..., M, N)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = grad_out.reshape(
            np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
        )
        da = (
            unbroadcast(xp, g2 @ xp.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
            if needed[0]
            else None
        )
        db = (
            unbroadcast(xp, xp.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
            if needed[1]
            else None
        )
        return [da, db]


@register
class Affine(Op):
    name = "affine"
    category = CATEGORY
    inputs = ("x", "w", "b")
    formula = "out = x.reshape(N, D) @ W + b"
    rule = "affine gate: dx = g W^T (in x's shape), dW = x^T g, db = g summed over the batch"

    def infer_shape(self, shapes, attrs):
        x, w, b = shapes
        _require_ndim("w", w, (2,), "a weight matrix (D, M)")
        _require_ndim("b", b, (1,), "a bias vector (M,)")
        if len(x) < 2:
            raise shape_error("x", f"expected a batch (N, D, ...), got shape {fmt(x)}")
        features = known_size(x[1:])
        if not same_dim(features, w[0]):
            raise shape_error(
                "w",
                f"x {fmt(x)} has {features} features per sample, but w {fmt(w)} expects {w[0]}",
            )
        if not same_dim(b[0], w[1]):
            raise shape_error("b", f"b {fmt(b)} must have w's {w[1]} outputs (w is {fmt(w)})")
        return (x[0], w[1])

    def forward(self, xp, inputs, attrs, ctx):
        """x (N, D...) flattened to (N, D), w (D, M), b (M,) -> (N, M)."""
        x, w, b = inputs
        flat = x.reshape(x.shape[0], -1)
        return flat @ w + b, (x.shape, flat, w)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        shape, flat, w = saved
        need_x, need_w, need_b = needed or (True, True, True)
        dx = (grad_out @ w.T).reshape(shape) if need_x else None
        dw = flat.T @ grad_out if need_w else None
        db = grad_out.sum(axis=0) if need_b else None
        return [dx, dw, db]


class Reshaping(Op):
    """Ops that give x a new shape; forward saves x's shape and backward reshapes back."""

    category = CATEGORY
    inputs = ("x",)

    def forward(self, xp, inputs, attrs, ctx):
        """x -> x with its inferred shape; a fed batch that does not fit raises a ShapeError."""
        (x,) = inputs
        return x.reshape(self.infer_shape([x.shape], attrs)), x.shape

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        return [grad_out.reshape(saved)]


@register
class Reshape(Reshaping):
    name = "reshape"
    attrs = (Attr("shape", "shape", doc="size of each output axis; -1 for one inferred size"),)
    formula = "out = x.reshape(shape)"
    rule = "reshape gate: the gradient is reshaped back to x's shape"

    def infer_shape(self, shapes, attrs):
        (shape,) = shapes
        target = attrs["shape"]
        size = known_size(shape)
        rest = math.prod(d for d in target if d != -1)
        if size is None:
            return tuple(None if d == -1 else d for d in target)
        fits = size % rest == 0 if -1 in target else size == rest
        if not fits:
            raise shape_error(
                "x", f"cannot reshape {fmt(shape)} ({size} elements) to {fmt(target)}"
            )
        return tuple(size // rest if d == -1 else d for d in target)


@register
class Flatten(Reshaping):
    name = "flatten"
    attrs = (Attr("axis", "int", 1, "axes before it make the rows, the rest the columns"),)
    formula = "out = x.reshape(prod(x.shape[:axis]), -1)  (axis 1: (N, -1))"
    rule = "flatten gate: the gradient is reshaped back to x's shape"

    def infer_shape(self, shapes, attrs):
        (shape,) = shapes
        axis = attrs["axis"]
        if not -len(shape) <= axis <= len(shape):
            raise shape_error("x", f"attr axis = {axis} is out of range for {fmt(shape)}")
        axis = axis + len(shape) if axis < 0 else axis
        if axis == 1 and len(shape) < 2:
            raise shape_error(
                "x", f"expected a batch (N, ...) with 2 or more axes, got {fmt(shape)}"
            )
        return (known_size(shape[:axis]), known_size(shape[axis:]))

    def forward(self, xp, inputs, attrs, ctx):
        """x (d0, ..., d_axis, ...) -> (d0*...*d_(axis-1), d_axis*...)."""
        (x,) = inputs
        axis = attrs["axis"] + x.ndim if attrs["axis"] < 0 else attrs["axis"]
        return x.reshape(math.prod(x.shape[:axis]), -1), x.shape


def permutation(axes, shape) -> tuple[int, ...]:
    """The axes attr as a permutation of range(ndim) (None: reversed); AttrError otherwise."""
    ndim = len(shape)
    if axes is None:
        return tuple(reversed(range(ndim)))
    normal = tuple(a % ndim for a in axes if -ndim <= a < ndim)
    if len(axes) != ndim or len(normal) != ndim or len(set(normal)) != ndim:
        raise AttrError(
            f"attr 'axes': {list(axes)} is not a permutation of the {ndim} axes of "
            f"input 'x' {fmt(shape)}"
        )
    return normal


@register
class Transpose(Op):
    name = "transpose"
    category = CATEGORY
    inputs = ("x",)
    attrs = (Attr("axes", "ints", None, "new order of the axes; null reverses them"),)
    formula = "out = x.transpose(axes)"
    rule = "transpose gate: the gradient is transposed back by the inverse permutation"

    def infer_shape(self, shapes, attrs):
        (shape,) = shapes
        return tuple(shape[a] for a in permutation(attrs["axes"], shape))

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        axes = permutation(attrs["axes"], x.shape)
        return x.transpose(axes), axes

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        inverse = sorted(range(len(saved)), key=saved.__getitem__)
        return [grad_out.transpose(inverse)]
