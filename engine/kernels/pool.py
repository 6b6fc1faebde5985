"""Max and average pooling in the (N, C, *spatial) layout over K^d windows, ``stride`` apart.

d is 1 (N, C, L), 2 (N, C, H, W) or 3 (N, C, D, H, W): ``pads`` holds each spatial axis's
begin then each one's end ((top, left, bottom, right) for images), and d is len(pads) // 2.
Both loop over the K^d taps of a window (never over cells): tap (ki, kj, ...) of every window
at once is one strided slice of the padded input. :func:`pool_pads` adds ceil mode's extra
cells at the ends.
"""

from __future__ import annotations

import math

import numpy as np

from engine.kernels.windows import (
    crop,
    fold_windows,
    pad_spatial,
    padded_zeros,
    sides,
    tap_slices,
    window_view,
)


def pool_pads(shape, kernel: int, stride: int, pad=0, dilation: int = 1, ceil_mode=False):
    """Begins then ends around the spatial axes of ``shape``, with ceil mode's extra cells;
    an int ``pad`` means images (2 spatial axes).

    In ceil mode the last window may run past the padding (its outside cells are ignored)
    but must start inside the input or the begin padding (PyTorch's and ONNX's rule).
    """
    pads = sides(pad)
    if not ceil_mode:
        return pads
    ndim = len(pads) // 2
    span = dilation * (kernel - 1) + 1
    ends = []
    for size, before, after in zip(shape[-ndim:], pads[:ndim], pads[ndim:], strict=True):
        total = size + before + after
        count = math.ceil((total - span) / stride) + 1
        if (count - 1) * stride >= size + before:
            count -= 1
        ends.append(after + max(0, (count - 1) * stride + span - total))
    return (*pads[:ndim], *ends)


def dtype_bound(dtype, highest: bool = False):
    """The lowest value of ``dtype`` (padding never wins a maximum against it), or the highest
    (dtype metadata is numpy's on any device)."""
    if np.dtype(dtype).kind == "f":
        return np.inf if highest else -np.inf
    return np.iinfo(dtype).max if highest else np.iinfo(dtype).min


def maxpool_forward(xp, x, kernel: int, stride: int, pads=(0, 0, 0, 0), dilation: int = 1):
    """out (N, C, *out) and, per window, the row-major offset of its first maximum among the
    K^d taps (k = ki*K + kj for images).

    The windows are copied once so that each offset is a contiguous block (arithmetic on
    strided views is slow); a later offset wins only when strictly greater, so ties go to the
    first maximum in window order, as in PyTorch. Padding never wins.
    """
    ndim = len(pads) // 2
    padded = pad_spatial(xp, x, pads, dtype_bound(x.dtype))
    view = window_view(xp, padded, kernel, stride, dilation, ndim)  # (N, C, *out, *K)
    positions = view.shape[:-ndim]
    taps = kernel**ndim
    blocks = xp.empty(((kernel,) * ndim + positions), dtype=x.dtype)
    blocks[...] = view.transpose(*range(view.ndim - ndim, view.ndim), *range(view.ndim - ndim))
    blocks = blocks.reshape(taps, *positions)
    out = blocks[0].copy()
    index = xp.uint8 if taps <= 256 else xp.int32
    first = xp.zeros(out.shape, dtype=index)
    for k in range(1, taps):
        # offsets come in increasing order, so "first = k where it wins" is a maximum
        xp.maximum(first, (blocks[k] > out) * index(k), out=first)
        xp.maximum(out, blocks[k], out=out)
    return out, first


def maxpool_backward(xp, first, grad_out, x_shape, kernel, stride, pads=(0,) * 4, dilation=1):
    """dx: each window's gradient goes to its first maximum only (PyTorch's rule)."""
    ndim = len(pads) // 2
    grid = padded_zeros(xp, x_shape, pads, grad_out.dtype)
    out = grad_out.shape[-ndim:]
    for k, (_, slices) in enumerate(tap_slices(kernel, stride, dilation, *out)):
        grid[(..., *slices)] += grad_out * (first == k)
    return crop(grid, x_shape, pads)


def avgpool_divisor(xp, shape, kernel, stride, pad, pads, dilation, include_pad, dtype):
    """(*out): how many cells each window averages: the input's cells, plus the explicit
    ``pad`` when ``include_pad`` (ceil mode's extra cells never count)."""
    ndim = len(pads) // 2
    explicit = sides(pad, ndim)
    spatial = shape[-ndim:]
    inside = padded_zeros(xp, spatial, explicit, dtype)
    inside[...] = 1 if include_pad else 0
    crop(inside, spatial, explicit)[...] = 1
    extra = (0,) * ndim + tuple(p - e for p, e in zip(pads[ndim:], explicit[ndim:], strict=True))
    counts = window_view(xp, pad_spatial(xp, inside, extra), kernel, stride, dilation, ndim)
    return xp.maximum(counts.sum(axis=tuple(range(-ndim, 0))), 1)


def avgpool_forward(xp, x, kernel: int, stride: int, pads=(0, 0, 0, 0), dilation=1, divisor=None):
    """out (N, C, *out): each window's sum over ``divisor`` (*out) (default K^d)."""
    ndim = len(pads) // 2
    view = window_view(xp, pad_spatial(xp, x, pads), kernel, stride, dilation, ndim)
    axes = tuple(range(-ndim, 0))
    if divisor is None:
        return view.mean(axis=axes)
    return view.sum(axis=axes) / divisor


def avgpool_backward(
    xp, grad_out, x_shape, kernel, stride, pads=(0,) * 4, dilation=1, divisor=None
):
    """dx: each window's gradient shared equally by the cells it averages."""
    ndim = len(pads) // 2
    share = grad_out / (kernel**ndim if divisor is None else divisor)
    share = share.reshape(*share.shape, *(1,) * ndim)
    parts = xp.broadcast_to(share, (*grad_out.shape, *(kernel,) * ndim))
    return fold_windows(xp, parts, x_shape, stride, pads, dilation, ndim)
