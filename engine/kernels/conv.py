"""Convolution in the (N, C, H, W) layout: im2col as one strided copy plus one GEMM.

The per-node op uses these; the compiled training plan has its own batch-innermost kernels.
"""

from __future__ import annotations

from engine.kernels.windows import fold_taps, pad_spatial, window_view


def conv_forward(xp, x, w, b, stride: int, pad: int):
    """out (N, F, Ho, Wo) of x (N, C, H, W), w (F, C, K, K), b (F,); also cols for backward.

    cols (C*K*K, N*Ho*Wo) is the im2col matrix: row (c, ki, kj), column (n, ho, wo).
    """
    filters, channels, kernel, _ = w.shape
    view = window_view(xp, pad_spatial(xp, x, pad), kernel, stride)  # (N, C, Ho, Wo, K, K)
    batch, _, ho, wo = view.shape[:4]
    cols = xp.empty((channels, kernel, kernel, batch, ho, wo), dtype=x.dtype)
    cols[...] = view.transpose(1, 4, 5, 0, 2, 3)
    cols = cols.reshape(channels * kernel * kernel, batch * ho * wo)
    product = (w.reshape(filters, -1) @ cols).reshape(filters, batch, ho, wo)
    out = xp.empty((batch, filters, ho, wo), dtype=product.dtype)
    xp.add(product.transpose(1, 0, 2, 3), b[:, None, None], out=out)
    return out, cols


def conv_backward(xp, cols, w, grad_out, x_shape, stride: int, pad: int, need_x: bool = True):
    """(dx, dw, db) of :func:`conv_forward`; dx is None when ``need_x`` is false."""
    filters, channels, kernel, _ = w.shape
    batch, _, ho, wo = grad_out.shape
    g = grad_out.transpose(1, 0, 2, 3).reshape(filters, -1)
    dw = (cols @ g.T).T.reshape(w.shape)  # faster than g @ cols.T for these thin shapes
    db = grad_out.sum(axis=(0, 2, 3))
    if not need_x:
        return None, dw, db
    # dx through batch-last columns (C*K*K, Ho*Wo*N): the fold then adds long contiguous runs
    g_last = grad_out.transpose(1, 2, 3, 0).reshape(filters, -1)
    dcols = (w.reshape(filters, -1).T @ g_last).reshape(channels, kernel, kernel, ho, wo, batch)
    dx = fold_taps(xp, dcols, (channels, *x_shape[2:], batch), stride, pad)
    return dx.transpose(3, 0, 1, 2), dw, db
