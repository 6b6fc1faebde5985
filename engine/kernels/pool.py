"""Max and average pooling in the (N, C, H, W) layout over K x K windows, ``stride`` apart.

Both loop over the K*K taps of a window (never over pixels): tap (ki, kj) of every window at
once is one strided slice of the padded image. ``pad`` is an int or (top, left, bottom,
right); :func:`pool_pads` adds ceil mode's extra cells at the bottom and right.
"""

from __future__ import annotations

import math

import numpy as np

from engine.kernels.windows import (
    fold_windows,
    pad_spatial,
    sides,
    tap_slices,
    window_view,
)


def pool_pads(shape, kernel: int, stride: int, pad=0, dilation: int = 1, ceil_mode=False):
    """(top, left, bottom, right) around the (H, W) of ``shape``, with ceil mode's extra cells.

    In ceil mode the last window may run past the padding (its outside cells are ignored)
    but must start inside the image or the top/left padding (PyTorch's and ONNX's rule).
    """
    top, left, bottom, right = sides(pad)
    if not ceil_mode:
        return top, left, bottom, right
    span = dilation * (kernel - 1) + 1
    extra = []
    for size, before, after in ((shape[-2], top, bottom), (shape[-1], left, right)):
        total = size + before + after
        count = math.ceil((total - span) / stride) + 1
        if (count - 1) * stride >= size + before:
            count -= 1
        extra.append(max(0, (count - 1) * stride + span - total))
    return top, left, bottom + extra[0], right + extra[1]


def _lowest(xp, dtype):
    """The value padding never wins a maximum against (dtype metadata is numpy's on any
    device)."""
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def maxpool_forward(xp, x, kernel: int, stride: int, pads=(0, 0, 0, 0), dilation: int = 1):
    """out (N, C, Ho, Wo) and, per window, the offset k = ki*K + kj of its first maximum.

    The windows are copied once so that each offset is a contiguous block (arithmetic on
    strided views is slow); a later offset wins only when strictly greater, so ties go to the
    first maximum in window order, as in PyTorch. Padding never wins.
    """
    padded = pad_spatial(xp, x, pads, _lowest(xp, x.dtype))
    view = window_view(xp, padded, kernel, stride, dilation)  # (N, C, Ho, Wo, K, K)
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


def maxpool_backward(xp, first, grad_out, x_shape, kernel, stride, pads=(0,) * 4, dilation=1):
    """dx: each window's gradient goes to its first maximum only (PyTorch's rule)."""
    top, left, bottom, right = pads
    grid = xp.zeros(
        (*x_shape[:-2], x_shape[-2] + top + bottom, x_shape[-1] + left + right), grad_out.dtype
    )
    ho, wo = grad_out.shape[-2:]
    for (ki, kj), (rows, cols) in tap_slices(kernel, stride, dilation, ho, wo):
        grid[..., rows, cols] += grad_out * (first == ki * kernel + kj)
    return grid[..., top : top + x_shape[-2], left : left + x_shape[-1]]


def avgpool_divisor(xp, shape, kernel, stride, pad, pads, dilation, include_pad, dtype):
    """(Ho, Wo): how many cells each window averages: the image's cells, plus the explicit
    ``pad`` when ``include_pad`` (ceil mode's extra cells never count)."""
    top, left, bottom, right = sides(pad)
    inside = xp.ones((shape[-2] + top + bottom, shape[-1] + left + right), dtype=dtype)
    if not include_pad:
        inside[:top], inside[inside.shape[0] - bottom :] = 0, 0
        inside[:, :left], inside[:, inside.shape[1] - right :] = 0, 0
    extra = (0, 0, pads[2] - bottom, pads[3] - right)
    counts = window_view(xp, pad_spatial(xp, inside, extra), kernel, stride, dilation)
    return xp.maximum(counts.sum(axis=(-2, -1)), 1)


def avgpool_forward(xp, x, kernel: int, stride: int, pads=(0, 0, 0, 0), dilation=1, divisor=None):
    """out (N, C, Ho, Wo): each window's sum over ``divisor`` (Ho, Wo) (default K*K)."""
    view = window_view(xp, pad_spatial(xp, x, pads), kernel, stride, dilation)
    if divisor is None:
        return view.mean(axis=(-2, -1))
    return view.sum(axis=(-2, -1)) / divisor


def avgpool_backward(
    xp, grad_out, x_shape, kernel, stride, pads=(0,) * 4, dilation=1, divisor=None
):
    """dx: each window's gradient shared equally by the cells it averages."""
    share = (grad_out / (kernel * kernel if divisor is None else divisor))[..., None, None]
    parts = xp.broadcast_to(share, (*grad_out.shape, kernel, kernel))
    return fold_windows(xp, parts, x_shape, stride, pads, dilation)
