"""Conv and 2x2 max-pool kernels in the batch-innermost (C, H, W, N) layout.

In this layout a convolution is one 2-D GEMM ``W (F, C*K*K) @ cols (C*K*K, positions)`` whose
result (F, Ho, Wo, N) is already the next layer's layout. When a 2x2 max pool follows, the
columns are ordered so that the four positions of every pool window form four contiguous
blocks (F, 4, P): pooling is then two rounds of pairwise ``maximum`` on contiguous arrays.
Every function writes into buffers the caller owns (``out=``), so a training step allocates
almost nothing.
"""

from __future__ import annotations


def column_view(xp, grid, kernel: int, stride: int, out_hw: tuple[int, int], pooled: bool):
    """The im2col view of ``grid`` (C, Hp, Wp, N), a zero-padded input.

    pooled=False: shape (C, K, K, Ho, Wo, N). pooled=True: (C, K, K, 2, 2, Ho//2, Wo//2, N),
    where axes 3-4 are the position (di, dj) inside a 2x2 pool window (rows and columns of
    the conv output that no pool window covers are left out).
    """
    channels, _, _, batch = grid.shape
    sc, sh, sw, sn = grid.strides
    ho, wo = out_hw
    if pooled:
        shape = (channels, kernel, kernel, 2, 2, ho // 2, wo // 2, batch)
        strides = (sc, sh, sw, sh * stride, sw * stride, 2 * sh * stride, 2 * sw * stride, sn)
    else:
        shape = (channels, kernel, kernel, ho, wo, batch)
        strides = (sc, sh, sw, sh * stride, sw * stride, sn)
    return xp.lib.stride_tricks.as_strided(grid, shape=shape, strides=strides)


def fold_columns(xp, dcols, grid_view) -> None:
    """col2im: add ``dcols`` (shaped like ``grid_view``) onto the grid under ``grid_view``.

    grid_view is :func:`column_view` of a zeroed gradient grid; one slice-add per (ki, kj),
    each touching distinct cells, so in-place addition is exact.
    """
    kernel = dcols.shape[1]
    for ki in range(kernel):
        for kj in range(kernel):
            grid_view[:, ki, kj] += dcols[:, ki, kj]


def fold_shifted(xp, dcols, flat, row: int, cell: int) -> None:
    """col2im for stride 1: each (ki, kj) is one contiguous add at a flat offset.

    dcols (C, K, K, L) holds the gradient of every (ki, kj) tap at positions laid out on the
    padded grid itself (rows of ``row`` elements, the padded width times N, cells of ``cell``
    elements, N): position p of tap (ki, kj) lands on flat (C, ...) at ki * row + kj * cell + p.
    Positions outside the conv output must hold zeros. flat must be zeroed and hold
    (K - 1) * cell elements more than the padded grid.
    """
    kernel, length = dcols.shape[1], dcols.shape[3]
    for ki in range(kernel):
        for kj in range(kernel):
            start = ki * row + kj * cell
            flat[:, start : start + length] += dcols[:, ki, kj]


def maxpool2x2_forward(xp, y, out, scratch, masks) -> None:
    """out (F, P) = max over the four blocks of y (F, 4, P), first maximum winning ties.

    masks (3, F, P) bool records the pairwise decisions for backward: [0] block 1 beat block 0,
    [1] block 3 beat block 2, [2] the lower pair (2, 3) beat the upper pair (0, 1). Strict
    ``>`` means an equal later candidate never wins: PyTorch's first-max rule.
    """
    xp.greater(y[:, 1], y[:, 0], out=masks[0])
    xp.maximum(y[:, 0], y[:, 1], out=out)
    xp.greater(y[:, 3], y[:, 2], out=masks[1])
    xp.maximum(y[:, 2], y[:, 3], out=scratch)
    xp.greater(scratch, out, out=masks[2])
    xp.maximum(out, scratch, out=out)


def maxpool2x2_backward(xp, grad, dy, masks) -> None:
    """dy (F, 4, P): each window's gradient grad (F, P) sent to its winner (see forward)."""
    xp.multiply(grad, masks[2], out=dy[:, 2])  # the lower pair's share
    xp.subtract(grad, dy[:, 2], out=dy[:, 0])  # the upper pair's share
    xp.multiply(dy[:, 0], masks[0], out=dy[:, 1])
    dy[:, 0] -= dy[:, 1]
    xp.multiply(dy[:, 2], masks[1], out=dy[:, 3])
    dy[:, 2] -= dy[:, 3]


def chunked_matmul_nt(xp, a, b, out, chunks: int) -> None:
    """out = a @ b.T summed over ``chunks`` slices of the long shared axis.

    For a thin product such as conv1's dW (F, 9) from (F, positions) @ (positions, 9), one
    GEMM call with a very long inner axis is slow; a few shorter ones summed are faster.
    """
    inner = a.shape[1]
    step = -(-inner // chunks)
    xp.matmul(a[:, :step], b[:, :step].T, out=out)
    for start in range(step, inner, step):
        out += a[:, start : start + step] @ b[:, start : start + step].T
