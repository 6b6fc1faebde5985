"""Convolution in the (N, C, H, W) layout: im2col as one strided copy plus one (batched) GEMM.

``groups`` splits the channels: filter group g sees only input channels group g (depthwise
when groups = C). ``pad`` is an int or (top, left, bottom, right); ``dilation`` spaces the
taps. The per-node op uses these; the compiled training plan has its own batch-innermost
kernels.
"""

from __future__ import annotations

from engine.kernels.windows import fold_taps, pad_spatial, window_view


def conv_forward(xp, x, w, b, stride: int, pad, dilation: int = 1, groups: int = 1):
    """out (N, F, Ho, Wo) of x (N, C, H, W), w (F, C/groups, K, K), b (F,); also cols.

    cols (groups, C/groups*K*K, N*Ho*Wo) is the im2col matrix of each group: row (c, ki, kj),
    column (n, ho, wo).
    """
    filters, _, kernel, _ = w.shape
    view = window_view(xp, pad_spatial(xp, x, pad), kernel, stride, dilation)
    batch, channels, ho, wo = view.shape[:4]  # view (N, C, Ho, Wo, K, K)
    cols = xp.empty((channels, kernel, kernel, batch, ho, wo), dtype=x.dtype)
    cols[...] = view.transpose(1, 4, 5, 0, 2, 3)
    cols = cols.reshape(groups, -1, batch * ho * wo)
    product = (w.reshape(groups, filters // groups, -1) @ cols).reshape(filters, batch, ho, wo)
    out = xp.empty((batch, filters, ho, wo), dtype=product.dtype)
    xp.add(product.transpose(1, 0, 2, 3), b[:, None, None], out=out)
    return out, cols


def conv_backward(
    xp, cols, w, grad_out, x_shape, stride: int, pad, need_x=True, dilation=1, groups=1
):
    """(dx, dw, db) of :func:`conv_forward`; dx is None when ``need_x`` is false."""
    filters, _, kernel, _ = w.shape
    batch, _, ho, wo = grad_out.shape
    g = grad_out.transpose(1, 0, 2, 3).reshape(groups, filters // groups, -1)
    # faster than g @ cols^T for these thin shapes
    dw = (cols @ g.transpose(0, 2, 1)).transpose(0, 2, 1).reshape(w.shape)
    db = grad_out.sum(axis=(0, 2, 3))
    if not need_x:
        return None, dw, db
    # dx through batch-last columns (C*K*K, Ho*Wo*N): the fold then adds long contiguous runs
    g_last = grad_out.transpose(1, 2, 3, 0).reshape(groups, filters // groups, -1)
    w_groups = w.reshape(groups, filters // groups, -1).transpose(0, 2, 1)
    dcols = (w_groups @ g_last).reshape(x_shape[1], kernel, kernel, ho, wo, batch)
    dx = fold_taps(xp, dcols, (x_shape[1], *x_shape[2:], batch), stride, pad, dilation)
    return dx.transpose(3, 0, 1, 2), dw, db
