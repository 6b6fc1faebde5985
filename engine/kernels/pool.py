"""Max and average pooling in the (N, C, H, W) layout over K x K windows, ``stride`` apart.

Both loop over the K*K offsets inside a window (never over pixels): offset (ki, kj) of every
window at once is one strided slice of the image.
"""

from __future__ import annotations

from engine.kernels.windows import fold_windows, out_size, window_view


def _offset_slices(shape, kernel: int, stride: int):
    """(k, (rows, cols)) for each offset k = ki*K + kj in window order: the slice of an
    (..., H, W) image holding offset (ki, kj) of every window."""
    ho, wo = out_size(shape[-2], kernel, stride), out_size(shape[-1], kernel, stride)
    for ki in range(kernel):
        rows = slice(ki, ki + stride * (ho - 1) + 1, stride)
        for kj in range(kernel):
            yield ki * kernel + kj, (Ellipsis, rows, slice(kj, kj + stride * (wo - 1) + 1, stride))


def maxpool_forward(xp, x, kernel: int, stride: int):
    """out (N, C, Ho, Wo) and, per window, the offset k = ki*K + kj of its first maximum.

    The windows are copied once so that each offset is a contiguous block (arithmetic on
    strided views is slow); a later offset wins only when strictly greater, so ties go to the
    first maximum in window order, as in PyTorch.
    """
    view = window_view(xp, x, kernel, stride)  # (N, C, Ho, Wo, K, K)
    blocks = xp.empty((kernel, kernel, *view.shape[:4]), dtype=x.dtype)
    blocks[...] = view.transpose(4, 5, 0, 1, 2, 3)
    blocks = blocks.reshape(kernel * kernel, *view.shape[:4])
    out = blocks[0].copy()
    index = xp.uint8 if kernel * kernel <= 256 else xp.int32
    first = xp.zeros(out.shape, dtype=index)
    for k in range(1, kernel * kernel):
        # offsets come in increasing order, so "first = k where it wins" is a maximum
        xp.maximum(first, (blocks[k] > out) * index(k), out=first)
        xp.maximum(out, blocks[k], out=out)
    return out, first


def maxpool_backward(xp, first, grad_out, x_shape, kernel: int, stride: int):
    """dx: each window's gradient goes to its first maximum only (PyTorch's rule)."""
    dx = xp.zeros(x_shape, dtype=grad_out.dtype)
    for k, where in _offset_slices(x_shape, kernel, stride):
        dx[where] += grad_out * (first == k)
    return dx


def avgpool_forward(xp, x, kernel: int, stride: int):
    """out (N, C, Ho, Wo): the mean of each window."""
    return window_view(xp, x, kernel, stride).mean(axis=(-2, -1))


def avgpool_backward(xp, grad_out, x_shape, kernel: int, stride: int):
    """dx: each window's gradient shared equally by its K*K cells."""
    share = (grad_out / (kernel * kernel))[..., None, None]
    parts = xp.broadcast_to(share, (*grad_out.shape, kernel, kernel))
    return fold_windows(xp, parts, x_shape, stride)
