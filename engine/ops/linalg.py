"""Linear algebra and shape ops: matmul, the affine layer, reshape, flatten and transpose.

Shapes may hold None (an unknown batch size); checks compare only the sizes that are known.
"""

from __future__ import annotations

import math

from engine.errors import AttrError
from engine.ops.base import Attr, Op, fmt, known_size, same_dim, shape_error
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
    formula = "out = a @ b"
    rule = "matmul gate: da = g @ b^T, db = a^T @ g (each input gets the upstream gradient times the other)"

    def infer_shape(self, shapes, attrs):
        a, b = shapes
        _require_ndim("a", a, (1, 2), "a vector (K,) or a matrix (M, K)")
        _require_ndim("b", b, (1, 2), "a vector (K,) or a matrix (K, N)")
        if not same_dim(a[-1], b[0]):
            raise shape_error(
                "b",
                f"inner sizes differ: a {fmt(a)} has {a[-1]} columns, b {fmt(b)} has {b[0]} rows",
            )
        return a[:-1] + b[1:]

    def forward(self, xp, inputs, attrs, ctx):
        """a (M, K) or (K,), b (K, N) or (K,) -> numpy matmul of the two."""
        a, b = inputs
        return xp.asarray(a @ b), (a, b)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        a, b = saved
        needed = needed or (True, True)
        # promote vectors to matrices: a (1, K), b (K, 1), g (M, N)
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        g2 = grad_out.reshape(a2.shape[0], b2.shape[1])
        da = (g2 @ b2.T).reshape(a.shape) if needed[0] else None
        db = (a2.T @ g2).reshape(b.shape) if needed[1] else None
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

    def forward(self, xp, inputs, attrs, ctx):
        """x -> x.reshape(shape); a fed batch that does not fit raises a ShapeError."""
        (x,) = inputs
        return x.reshape(self.infer_shape([x.shape], attrs)), x.shape


@register
class Flatten(Reshaping):
    name = "flatten"
    formula = "out = x.reshape(N, -1)"
    rule = "flatten gate: the gradient is reshaped back to x's shape"

    def infer_shape(self, shapes, attrs):
        (shape,) = shapes
        if len(shape) < 2:
            raise shape_error(
                "x", f"expected a batch (N, ...) with 2 or more axes, got {fmt(shape)}"
            )
        return (shape[0], known_size(shape[1:]))

    def forward(self, xp, inputs, attrs, ctx):
        """x (N, d1, d2, ...) -> (N, d1*d2*...)."""
        (x,) = inputs
        return x.reshape(x.shape[0], -1), x.shape


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
