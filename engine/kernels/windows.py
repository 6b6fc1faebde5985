"""Sliding windows over the last two axes: im2col views and their inverse (col2im).

Written against ``xp`` (numpy or cupy). A window view is an ``as_strided`` view, never a copy;
callers copy it once into a contiguous buffer (strided copies are fast, strided arithmetic is
not). Folding back is K*K slice-adds, never ``add.at``. ``dilation`` spaces a window's taps
(1: adjacent cells); ``pad`` is one size for every side or (top, left, bottom, right).
"""

from __future__ import annotations


def out_size(size: int, kernel: int, stride: int, pad: int = 0, dilation: int = 1) -> int:
    """Number of window positions along an axis of ``size`` (PyTorch's floor rule)."""
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def sides(pad) -> tuple[int, int, int, int]:
    """``pad`` (an int, or (top, left, bottom, right)) as the four sides."""
    return (pad,) * 4 if isinstance(pad, int) else tuple(pad)


def window_view(xp, x, kernel: int, stride: int, dilation: int = 1):
    """View (..., Ho, Wo, K, K) of the K x K windows of ``x`` (..., H, W), ``stride`` apart."""
    *lead, height, width = x.shape
    ho, wo = (out_size(size, kernel, stride, 0, dilation) for size in (height, width))
    *lead_strides, sh, sw = x.strides
    return xp.lib.stride_tricks.as_strided(
        x,
        shape=(*lead, ho, wo, kernel, kernel),
        strides=(*lead_strides, sh * stride, sw * stride, sh * dilation, sw * dilation),
    )


def pad_spatial(xp, x, pad, value: float = 0.0):
    """``x`` (..., H, W) with ``pad`` cells of ``value`` around the last two axes (``x`` itself
    if there is no padding)."""
    top, left, bottom, right = sides(pad)
    if not (top or left or bottom or right):
        return x
    width = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    return xp.pad(x, width, constant_values=value)


def tap_slices(kernel: int, stride: int, dilation: int, ho: int, wo: int):
    """((ki, kj), (rows, cols)) for each tap of a window: the slices of a padded (..., H, W)
    grid that tap (ki, kj) of every window reads."""
    for ki in range(kernel):
        rows = slice(ki * dilation, ki * dilation + stride * (ho - 1) + 1, stride)
        for kj in range(kernel):
            cols = slice(kj * dilation, kj * dilation + stride * (wo - 1) + 1, stride)
            yield (ki, kj), (rows, cols)


def _crop(grid, shape, pad):
    """The (H, W) of ``shape`` inside a grid padded by ``pad`` (the last two axes of
    ``grid`` are H and W)."""
    top, left, _, _ = sides(pad)
    return grid[..., top : top + shape[-2], left : left + shape[-1]]


def fold_windows(xp, parts, shape: tuple[int, ...], stride: int, pad=0, dilation: int = 1):
    """Sum window values back onto the grid: the adjoint of :func:`window_view` (col2im).

    parts (..., Ho, Wo, K, K) holds one value per window position; returns an array of
    ``shape`` (..., H, W) where each grid cell is the sum of the values of the windows that
    cover it (cells in the ``pad`` border are dropped).
    """
    *lead, ho, wo, kernel, _ = parts.shape
    top, left, bottom, right = sides(pad)
    grid = xp.zeros((*lead, shape[-2] + top + bottom, shape[-1] + left + right), parts.dtype)
    for (ki, kj), (rows, cols) in tap_slices(kernel, stride, dilation, ho, wo):
        grid[..., rows, cols] += parts[..., ki, kj]
    return _crop(grid, shape, pad)


def fold_taps(xp, taps, shape: tuple[int, int, int, int], stride: int, pad=0, dilation: int = 1):
    """col2im from tap-major, batch-last columns: taps (C, K, K, Ho, Wo, N) holds each tap's
    value at every window position; returns ``shape`` (C, H, W, N), each cell the sum over
    the windows covering it (the ``pad`` border dropped). With the batch innermost, each of
    the K*K adds runs over Wo*N contiguous values (a batch-first fold adds runs of Wo)."""
    kernel, ho, wo = taps.shape[1], taps.shape[3], taps.shape[4]
    channels, height, width, batch = shape
    top, left, bottom, right = sides(pad)
    grid = xp.zeros((channels, height + top + bottom, width + left + right, batch), taps.dtype)
    for (ki, kj), (rows, cols) in tap_slices(kernel, stride, dilation, ho, wo):
        grid[:, rows, cols] += taps[:, ki, kj]
    return grid[:, top : top + height, left : left + width]
