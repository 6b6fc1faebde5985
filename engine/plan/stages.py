"""The non-conv stages of the training plan: dense layers, elementwise activations, reshapes.

Every stage has ``forward(x, params) -> y`` and ``backward(grad, grads, params) -> dx`` (None
when ``need_dx`` is False); parameter gradients are written into the preallocated arrays of
``grads``. ``batch_last`` says whether the batch is the last axis of x (the (C, H, W, N) conv
layout) or the first.
"""

from __future__ import annotations

from engine.ops import ForwardContext


class Linear:
    """x @ W + b (affine), x @ W (matmul) or x + b (bias add); x flattened to (N, D).

    With ``batch_last`` the input arrives as (C, H, W, N), i.e. x^T (D, N) after a free
    reshape: forward multiplies the transposed view and backward writes dx^T directly, so
    the conv layout needs no transpose copy. Output (N, M).
    """

    def __init__(self, xp, w_id: str | None, b_id: str | None, batch_last: bool):
        self.xp, self.w_id, self.b_id, self.batch_last = xp, w_id, b_id, batch_last
        self.need_dx = True

    def forward(self, x, params):
        self.in_shape = x.shape
        if self.batch_last:
            self.x = x.reshape(-1, x.shape[-1]).T
        else:
            self.x = x.reshape(x.shape[0], -1)
        out = self.x @ params[self.w_id] if self.w_id else self.x
        return out + params[self.b_id] if self.b_id else out

    def backward(self, grad, grads, params):
        xp = self.xp
        if self.w_id:
            xp.matmul(self.x.T, grad, out=grads[self.w_id])
        if self.b_id:
            xp.sum(grad, axis=0, out=grads[self.b_id])
        if not self.need_dx:
            return None
        if not self.w_id:
            return grad.reshape(self.in_shape)
        w = params[self.w_id]
        dx = w @ grad.T if self.batch_last else grad @ w.T
        return dx.reshape(self.in_shape)


class Reshape:
    """flatten / reshape to (N, D): a free reshape in either layout, undone by backward."""

    def __init__(self, batch_last: bool):
        self.batch_last = batch_last
        self.need_dx = True

    def forward(self, x, params):
        self.in_shape = x.shape
        return x.reshape(-1, x.shape[-1]) if self.batch_last else x.reshape(x.shape[0], -1)

    def backward(self, grad, grads, params):
        return grad.reshape(self.in_shape) if self.need_dx else None


class Elementwise:
    """A deterministic one-input elementwise op (relu, tanh, ...) run by the op itself."""

    def __init__(self, xp, op, attrs):
        self.xp, self.op, self.attrs = xp, op, attrs
        self.need_dx = True

    def forward(self, x, params):
        out, self.saved = self.op.forward(self.xp, [x], self.attrs, ForwardContext(train=True))
        return out

    def backward(self, grad, grads, params):
        if not self.need_dx:
            return None
        return self.op.backward(self.xp, self.saved, grad, self.attrs)[0]


class Loss:
    """The data loss node (softmax cross-entropy or SVM) run by the op itself, on (N, M)
    scores and (N,) labels."""

    def __init__(self, xp, op, attrs):
        self.xp, self.op, self.attrs = xp, op, attrs

    def forward(self, scores, labels):
        ctx = ForwardContext(train=True)
        loss, self.saved = self.op.forward(self.xp, [scores, labels], self.attrs, ctx)
        return loss

    def backward(self, loss, weight: float = 1.0):
        """d(weight * loss)/dscores."""
        grad_out = self.xp.full_like(loss, weight)
        return self.op.backward(self.xp, self.saved, grad_out, self.attrs)[0]

    def value(self, loss) -> float:
        """The loss that forward returned, as a float."""
        return float(loss)


class Penalties:
    """The weight penalties summed into the loss, each on a parameter of the chain, run by
    their ops. They count once per step, not once per part of the batch."""

    def __init__(self, graph, ids: list[str]) -> None:
        self.xp, self.one = graph.xp, graph.xp.ones((), graph.dtype)
        self.terms = [(graph.ops[n], graph.attrs[n], graph.sources[n]["w"]) for n in ids]

    def total(self, params, grads=None):
        """The penalties' sum at ``params`` (a scalar array, 0.0 without penalties); with
        ``grads``, each penalty's gradient is added into its parameter's entry."""
        total, ctx = 0.0, ForwardContext(train=grads is not None)
        for op, attrs, w_id in self.terms:
            value, saved = op.forward(self.xp, [params[w_id]], attrs, ctx)
            if grads is not None:
                grads[w_id] += op.backward(self.xp, saved, self.one, attrs)[0]
            total = total + value
        return total
