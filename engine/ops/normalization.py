"""Ops that behave differently in training and evaluation: batch normalization and dropout."""

from __future__ import annotations

from engine.ops.base import Attr, Op, fmt, same_dim, shape_error
from engine.ops.registry import register


def _channel_axes(ndim: int) -> tuple[int, ...]:
    """Axes batchnorm averages over: N for (N, D); N, H, W for (N, C, H, W)."""
    return (0,) if ndim == 2 else (0, 2, 3)


@register
class BatchNorm(Op):
    """Batch normalization of (N, D) features or, spatially, of (N, C, H, W) channels.

    Training uses the batch mean and biased variance and updates the running averages in the
    node's state as ``running = momentum * running + (1 - momentum) * batch`` (the CS231n
    convention). PyTorch's ``momentum`` is our ``1 - momentum``, and PyTorch averages the
    *unbiased* batch variance (M / (M - 1) times ours, M = N*H*W values per channel) into its
    running variance, so the two running variances drift apart. Evaluation uses the running
    averages. The state arrays are replaced, never updated in place.
    """

    name = "batchnorm"
    train_differs = True
    category = "Normalization"
    inputs = ("x", "gamma", "beta")
    attrs = (
        Attr(
            "momentum",
            "float",
            0.9,
            "share of the old running average kept at each training step (below 1)",
            minimum=0.0,
            maximum=1.0,
            exclusive_maximum=True,
        ),
        Attr(
            "eps",
            "float",
            1e-5,
            "added to the variance before the square root",
            minimum=0.0,
            exclusive_minimum=True,
        ),
    )
    formula = "out = gamma * (x - mean) / sqrt(var + eps) + beta"
    rule = (
        "batchnorm: dx = gamma / (M sigma) * (M g - sum g - x_hat * sum(g x_hat)), "
        "dgamma = sum(g x_hat), dbeta = sum g"
    )

    def infer_shape(self, shapes, attrs):
        x, gamma, beta = shapes
        if len(x) not in (2, 4):
            raise shape_error("x", f"expected (N, D) or (N, C, H, W), got {fmt(x)}")
        for port, shape in (("gamma", gamma), ("beta", beta)):
            if len(shape) != 1 or not same_dim(shape[0], x[1]):
                raise shape_error(
                    port, f"expected ({x[1]},) to match axis 1 of x {fmt(x)}, got {fmt(shape)}"
                )
        return x

    def forward(self, xp, inputs, attrs, ctx):
        x, gamma, beta = inputs
        axes = _channel_axes(x.ndim)
        per_channel = (1, -1) + (1,) * (x.ndim - 2)
        count = x.size // x.shape[1]
        state = ctx.state
        if "running_mean" not in state:
            state["running_mean"] = xp.zeros(x.shape[1], dtype=x.dtype)
            state["running_var"] = xp.ones(x.shape[1], dtype=x.dtype)
        if ctx.train:
            if count < 2:
                raise shape_error(
                    "x",
                    f"training mode needs more than one value per channel, got {fmt(x.shape)}",
                )
            mean = x.mean(axis=axes, keepdims=True)
            centred = x - mean
            var = (centred * centred).mean(axis=axes, keepdims=True)
            m = attrs["momentum"]
            state["running_mean"] = m * state["running_mean"] + (1 - m) * mean.reshape(-1)
            state["running_var"] = m * state["running_var"] + (1 - m) * var.reshape(-1)
        else:
            centred = x - state["running_mean"].reshape(per_channel)
            var = state["running_var"].reshape(per_channel)
        inv_std = 1 / xp.sqrt(var + attrs["eps"])
        x_hat = centred * inv_std
        gamma = gamma.reshape(per_channel)
        out = gamma * x_hat + beta.reshape(per_channel)
        return out, (x_hat, inv_std, gamma, axes, ctx.train)

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        x_hat, inv_std, gamma, axes, train = saved
        dgamma = (grad_out * x_hat).sum(axis=axes)
        dbeta = grad_out.sum(axis=axes)
        scale = gamma * inv_std
        if train:
            count = x_hat.size // x_hat.shape[1]
            dx = (scale / count) * (
                count * grad_out - dbeta.reshape(scale.shape) - x_hat * dgamma.reshape(scale.shape)
            )
        else:
            dx = scale * grad_out
        return [dx, dgamma, dbeta]


@register
class Dropout(Op):
    """Inverted dropout: in training each unit is kept with probability p and scaled by 1/p."""

    name = "dropout"
    train_differs = True
    category = "Regularization"
    inputs = ("x",)
    attrs = (
        Attr(
            "p",
            "float",
            0.5,
            "probability of keeping a unit",
            minimum=0.0,
            maximum=1.0,
            exclusive_minimum=True,
        ),
    )
    formula = "out = x * mask, mask = (random < p) / p in training; out = x in evaluation"
    rule = "dropout: dx = g * mask (the same mask as the forward pass)"

    def infer_shape(self, shapes, attrs):
        return shapes[0]

    def forward(self, xp, inputs, attrs, ctx):
        (x,) = inputs
        if not ctx.train:
            return x, None
        p = attrs["p"]
        # a numpy Generator draws on the host: its keep mask crosses to x's device here
        keep = xp.asarray(ctx.rng.random(x.shape, dtype=x.dtype) < p)
        mask = keep.astype(x.dtype) / p
        return x * mask, mask

    def backward(self, xp, mask, grad_out, attrs, needed=None):
        return [grad_out if mask is None else grad_out * mask]
