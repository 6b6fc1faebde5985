"""Sliding windows over the last ``ndim`` axes (2 for images): im2col views and col2im.

Written against ``xp`` (numpy or cupy). A window view is an ``as_strided`` view, never a copy;
callers copy it once into a contiguous buffer (strided copies are fast, strided arithmetic is
not). Folding back is one slice-add per tap, never ``add.at``. ``dilation`` spaces a window's
taps (1: adjacent cells); ``pad`` is one size for every side or every axis's begin then every
axis's end ((top, left, bottom, right) for images).
"""

from __future__ import annotations

import itertools


def out_size(size: int, kernel: int, stride: int, pad: int = 0, dilation: int = 1) -> int:
    """Number of window positions along an axis of ``size`` (PyTorch's floor rule)."""
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def sides(pad, ndim: int = 2) -> tuple[int, ...]:
    """``pad`` (an int, or the begins then the ends) as 2 * ``ndim`` sizes."""
    return (pad,) * (2 * ndim) if isinstance(pad, int) else tuple(pad)


def window_view(xp, x, kernel: int, stride: int, dilation: int = 1, ndim: int = 2):
    """View (..., *out, *K) of the K^ndim windows of ``x`` (..., *spatial), ``stride`` apart:
    (..., Ho, Wo, K, K) for images."""
    lead, spatial = x.shape[:-ndim], x.shape[-ndim:]
    out = tuple(out_size(size, kernel, stride, 0, dilation) for size in spatial)
    lead_strides, steps = x.strides[:-ndim], x.strides[-ndim:]
    return xp.lib.stride_tricks.as_strided(
        x,
        shape=(*lead, *out, *(kernel,) * ndim),
        strides=(*lead_strides, *(s * stride for s in steps), *(s * dilation for s in steps)),
    )


def pad_spatial(xp, x, pad, value: float = 0.0, ndim: int = 2):
    """``x`` (..., *spatial) with ``pad`` cells of ``value`` around the last ``ndim`` axes
    (``x`` itself if there is no padding)."""
    pads = sides(pad, ndim)
    if not any(pads):
        return x
    ndim = len(pads) // 2
    width = [(0, 0)] * (x.ndim - ndim) + list(zip(pads[:ndim], pads[ndim:], strict=True))
    return xp.pad(x, width, constant_values=value)


def tap_slices(kernel: int, stride: int, dilation: int, *out):
    """(tap, slices) for each tap of a window, in row-major order: the slices of a padded
    (..., *spatial) grid that tap (ki, kj, ...) of every window reads; ``out`` holds the
    window positions along each axis."""
    for tap in itertools.product(range(kernel), repeat=len(out)):
        yield (
            tap,
            tuple(
                slice(k * dilation, k * dilation + stride * (n - 1) + 1, stride)
                for k, n in zip(tap, out, strict=True)
            ),
        )


def padded_zeros(xp, shape, pads, dtype):
    """Zeros of ``shape`` grown by ``pads`` (begins then ends) along its last axes."""
    ndim = len(pads) // 2
    spatial = (s + b + e for s, b, e in zip(shape[-ndim:], pads[:ndim], pads[ndim:], strict=True))
    return xp.zeros((*shape[:-ndim], *spatial), dtype)


def crop(grid, shape, pads):
    """The last axes' cells of ``shape`` inside ``grid`` padded by ``pads`` (begins, ends)."""
    ndim = len(pads) // 2
    inside = (slice(b, b + s) for b, s in zip(pads[:ndim], shape[-ndim:], strict=True))
    return grid[(..., *inside)]


def fold_windows(xp, parts, shape: tuple[int, ...], stride: int, pad=0, dilation: int = 1, ndim=2):
    """Sum window values back onto the grid: the adjoint of :func:`window_view` (col2im).

    parts (..., *out, *K) holds one value per window position; returns an array of ``shape``
    (..., *spatial) where each grid cell is the sum of the values of the windows that cover
    it (cells in the ``pad`` border are dropped).
    """
    pads = sides(pad, ndim)
    out = parts.shape[-2 * ndim : -ndim]
    grid = padded_zeros(xp, shape, pads, parts.dtype)
    for tap, slices in tap_slices(parts.shape[-1], stride, dilation, *out):
        grid[(..., *slices)] += parts[(..., *tap)]
    return crop(grid, shape, pads)


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
