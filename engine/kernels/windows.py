"""Sliding windows over the last two axes: im2col views and their inverse (col2im).

Written against ``xp`` (numpy or cupy). A window view is an ``as_strided`` view, never a copy;
callers copy it once into a contiguous buffer (strided copies are fast, strided arithmetic is
not). Folding back is K*K slice-adds, never ``add.at``.
"""

from __future__ import annotations


def out_size(size: int, kernel: int, stride: int, pad: int = 0) -> int:
    """Number of window positions along an axis of ``size`` (PyTorch's floor rule)."""
    return (size + 2 * pad - kernel) // stride + 1


def window_view(xp, x, kernel: int, stride: int):
    """View (..., Ho, Wo, K, K) of the K x K windows of ``x`` (..., H, W), ``stride`` apart."""
    *lead, height, width = x.shape
    ho, wo = out_size(height, kernel, stride), out_size(width, kernel, stride)
    *lead_strides, sh, sw = x.strides
    return xp.lib.stride_tricks.as_strided(
        x,
        shape=(*lead, ho, wo, kernel, kernel),
        strides=(*lead_strides, sh * stride, sw * stride, sh, sw),
    )


def pad_spatial(xp, x, pad: int):
    """``x`` (..., H, W) with ``pad`` zeros around the last two axes (``x`` itself if pad is 0)."""
    if pad == 0:
        return x
    width = [(0, 0)] * (x.ndim - 2) + [(pad, pad), (pad, pad)]
    return xp.pad(x, width)


def fold_windows(xp, parts, shape: tuple[int, ...], stride: int, pad: int = 0):
    """Sum window values back onto the grid: the adjoint of :func:`window_view` (col2im).

    parts (..., Ho, Wo, K, K) holds one value per window position; returns an array of
    ``shape`` (..., H, W) where each grid cell is the sum of the values of the windows that
    cover it (cells in the ``pad`` border are dropped).
    """
    *lead, ho, wo, kernel, _ = parts.shape
    height, width = shape[-2] + 2 * pad, shape[-1] + 2 * pad
    grid = xp.zeros((*lead, height, width), dtype=parts.dtype)
    for ki in range(kernel):
        rows = slice(ki, ki + stride * (ho - 1) + 1, stride)
        for kj in range(kernel):
            cols = slice(kj, kj + stride * (wo - 1) + 1, stride)
            grid[..., rows, cols] += parts[..., ki, kj]
    if pad:
        grid = grid[..., pad:-pad, pad:-pad]
    return grid


def fold_taps(xp, taps, shape: tuple[int, int, int, int], stride: int, pad: int = 0):
    """col2im from tap-major, batch-last columns: taps (C, K, K, Ho, Wo, N) holds each tap's
    value at every window position; returns ``shape`` (C, H, W, N), each cell the sum over
    the windows covering it (the ``pad`` border dropped). With the batch innermost, each of
    the K*K adds runs over Wo*N contiguous values (a batch-first fold adds runs of Wo)."""
    kernel, ho, wo = taps.shape[1], taps.shape[3], taps.shape[4]
    channels, height, width, batch = shape
    hp, wp = height + 2 * pad, width + 2 * pad
    grid = xp.zeros((channels, hp, wp, batch), dtype=taps.dtype)
    for ki in range(kernel):
        rows = slice(ki, ki + stride * (ho - 1) + 1, stride)
        for kj in range(kernel):
            grid[:, rows, kj : kj + stride * (wo - 1) + 1 : stride] += taps[:, ki, kj]
    return grid[:, pad : hp - pad, pad : wp - pad] if pad else grid
