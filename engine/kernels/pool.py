"""Max and average pooling in the (N, C, H, W) layout over K x K windows, ``stride`` apart."""

from __future__ import annotations

from engine.kernels.windows import fold_windows, window_view


def maxpool_forward(xp, x, kernel: int, stride: int):
    """out (N, C, Ho, Wo) and, per window, the flat index of its first maximum (window order)."""
    view = window_view(xp, x, kernel, stride)
    flat = view.reshape(*view.shape[:4], kernel * kernel)  # one strided copy
    first = flat.argmax(axis=-1)
    out = xp.take_along_axis(flat, first[..., None], axis=-1)[..., 0]
    return out, first


def maxpool_backward(xp, first, grad_out, x_shape, kernel: int, stride: int):
    """dx: each window's gradient goes to its first maximum only (PyTorch's rule)."""
    positions = xp.arange(kernel * kernel)
    parts = (positions == first[..., None]) * grad_out[..., None]
    return fold_windows(xp, parts.reshape(*first.shape, kernel, kernel), x_shape, stride)


def avgpool_forward(xp, x, kernel: int, stride: int):
    """out (N, C, Ho, Wo): the mean of each window."""
    return window_view(xp, x, kernel, stride).mean(axis=(-2, -1))


def avgpool_backward(xp, grad_out, x_shape, kernel: int, stride: int):
    """dx: each window's gradient shared equally by its K*K cells."""
    share = (grad_out / (kernel * kernel))[..., None, None]
    parts = xp.broadcast_to(share, (*grad_out.shape, kernel, kernel))
    return fold_windows(xp, parts, x_shape, stride)
