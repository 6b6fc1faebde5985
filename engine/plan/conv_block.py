"""One fused conv layer of the training plan: conv2d [-> relu] [-> 2x2 max pool].

Inside, arrays are batch-innermost (C, H, W, N); buffers are allocated once per batch size and
reused (dx's only once a backward needs them, so evaluation batches carry none). Bias and ReLU are applied after the pool, on four times fewer values: for a per-channel
bias b, relu(max(y) + b) == max(relu(y + b)), and the gradient reaches the same position.
"""

from __future__ import annotations

import math

from engine.kernels.chwn import (
    chunked_matmul_nt,
    column_view,
    fold_columns,
    fold_shifted,
    maxpool2x2_backward,
    maxpool2x2_forward,
)
from engine.kernels.windows import out_size

#: dW GEMMs with fewer rows than this (conv1 on one channel: 9 or 25) are split into chunks
THIN_ROWS = 32
#: length of the inner axis of one chunk (measured: 2048-3136 fast, 4096 and more slow)
CHUNK = 2048
#: the largest padded-width / output-width ratio for which col2im uses the shifted fold
WIDE = 1.3
#: batch sizes whose buffers are kept (the training batch, its remainder, evaluation's two)
KEPT_BATCH_SIZES = 4


class ConvBlock:
    """conv2d of the graph node ``conv`` with optional fused ReLU and 2x2 max pool.

    forward(x, params) takes x as (N, C, H, W) when ``batch_last`` is False (a fed batch) or
    (C, H, W, N) when True (the previous block's output) and returns (F, Ho', Wo', N).
    backward(grad, grads, params) takes dL/d(output) as (F, Ho', Wo', N), writes dW and db into
    ``grads`` and returns dx as (C, H, W, N), or None when ``need_dx`` is False (first layer).
    """

    def __init__(self, xp, dtype, graph, conv: str, relu: bool, pooled: bool, batch_last: bool):
        self.xp, self.dtype = xp, dtype
        self.w_id, self.b_id = graph.sources[conv]["w"], graph.sources[conv]["b"]
        attrs = graph.attrs[conv]
        self.kernel, self.stride, self.pad = attrs["kernel"], attrs["stride"], attrs["pad"]
        _, self.channels, self.height, self.width = graph.shapes[graph.sources[conv]["x"]]
        self.filters = graph.shapes[self.w_id][0]
        self.conv_hw = tuple(
            out_size(size, self.kernel, self.stride, self.pad) for size in (self.height, self.width)
        )
        self.out_hw = tuple(s // 2 for s in self.conv_hw) if pooled else self.conv_hw
        self.relu, self.pooled, self.batch_last = relu, pooled, batch_last
        self.need_dx = True
        self.batch = None
        self._buffers: dict[int, dict] = {}

    def _use_batch(self, batch: int) -> None:
        """Switch to the buffers for ``batch``: allocated on first use and kept for the
        KEPT_BATCH_SIZES sizes used last (training and evaluation alternate between a few)."""
        buffers = self._buffers.pop(batch, None) or self._allocate(batch)
        self._buffers[batch] = buffers  # the most recent last
        if len(self._buffers) > KEPT_BATCH_SIZES:
            del self._buffers[next(iter(self._buffers))]
        vars(self).update(buffers)
        self.batch = batch

    def _allocate(self, batch: int) -> dict:
        """The forward buffers (and dL/dout's) for ``batch``, by attribute name."""
        xp, dtype, pad = self.xp, self.dtype, self.pad
        grid_shape = (self.channels, self.height + 2 * pad, self.width + 2 * pad, batch)
        grid = xp.zeros(grid_shape, dtype)
        view = column_view(xp, grid, self.kernel, self.stride, self.conv_hw, self.pooled)
        rows = self.channels * self.kernel * self.kernel
        positions = math.prod(view.shape[3:])
        out_positions = positions // 4 if self.pooled else positions
        b = {"grid": grid, "view": view, "grid_shape": grid_shape}
        b["interior"] = grid[:, pad : pad + self.height, pad : pad + self.width]
        b["cols"] = xp.empty((rows, positions), dtype)
        b["y"] = xp.empty((self.filters, positions), dtype)
        b["out"] = xp.empty((self.filters, out_positions), dtype) if self.pooled else b["y"]
        b["grad"] = xp.empty((self.filters, out_positions), dtype)
        if self.pooled:
            b["scratch"] = xp.empty_like(b["out"])
            b["masks"] = xp.empty((3, *b["out"].shape), bool)
            b["dy"] = xp.empty_like(b["y"])
        b["chunks"] = max(1, positions // CHUNK) if rows < THIN_ROWS else 1
        if b["chunks"] == 1:
            b["dw_t"] = xp.empty((rows, self.filters), dtype)
        b["has_dx"] = False
        return b

    def _allocate_dx(self) -> None:
        """The dx buffers for the current batch size (first backward at that size)."""
        xp, dtype, pad, grid_shape = self.xp, self.dtype, self.pad, self.grid_shape
        rows = self.channels * self.kernel * self.kernel
        channels, hp, wp, batch = grid_shape
        inside = (slice(None), slice(pad, pad + self.height), slice(pad, pad + self.width))
        # the shifted fold costs a GEMM over Wp instead of Wo columns: worth it only on wide
        # images (measured: 28x28 pad 2 faster, 4x4 pad 1 slower than the strided fold)
        b = {"has_dx": True, "shifted_fold": self.stride == 1 and wp <= WIDE * self.conv_hw[1]}
        if b["shifted_fold"]:
            # dy laid out with the padded grid's width (zeros beyond Wo) makes every tap's
            # col2im add one contiguous run (see fold_shifted)
            b["dy_grid"] = xp.zeros((self.filters, self.conv_hw[0], wp, batch), dtype)
            target = column_view(xp, b["dy_grid"], 1, 1, self.conv_hw, self.pooled)
            b["dy_target"] = target[:, 0, 0]
            b["dcols"] = xp.empty((rows, b["dy_grid"][0].size), dtype)
            b["dflat"] = xp.zeros((channels, (hp * wp + self.kernel - 1) * batch), dtype)
            b["dinterior"] = b["dflat"][:, : hp * wp * batch].reshape(grid_shape)[inside]
        else:
            b["dgrid"] = xp.zeros(grid_shape, dtype)
            b["dview"] = column_view(
                xp, b["dgrid"], self.kernel, self.stride, self.conv_hw, self.pooled
            )
            b["dinterior"] = b["dgrid"][inside]
            b["dcols"] = xp.empty_like(self.cols)
        self._buffers[self.batch].update(b)
        vars(self).update(b)

    def forward(self, x, params):
        xp = self.xp
        batch = x.shape[-1] if self.batch_last else x.shape[0]
        if batch != self.batch:
            self._use_batch(batch)
        xp.copyto(self.interior, x if self.batch_last else x.transpose(1, 2, 3, 0))
        xp.copyto(self.cols.reshape(self.view.shape), self.view)
        w2 = params[self.w_id].reshape(self.filters, -1)
        xp.matmul(w2, self.cols, out=self.y)
        if self.pooled:
            y = self.y.reshape(self.filters, 4, -1)
            maxpool2x2_forward(xp, y, self.out, self.scratch, self.masks)
        self.out += params[self.b_id][:, None]
        if self.relu:
            xp.maximum(self.out, 0, out=self.out)
        return self.out.reshape(self.filters, *self.out_hw, self.batch)

    def backward(self, grad, grads, params):
        xp, filters = self.xp, self.filters
        grad4 = self.grad.reshape(grad.shape)
        if self.relu:
            xp.multiply(grad, self.out.reshape(grad.shape) > 0, out=grad4)
        else:
            xp.copyto(grad4, grad)
        xp.sum(self.grad, axis=1, out=grads[self.b_id])
        dy = self.grad
        if self.pooled:
            maxpool2x2_backward(xp, self.grad, self.dy.reshape(filters, 4, -1), self.masks)
            dy = self.dy
        dw2 = grads[self.w_id].reshape(filters, -1)
        if self.chunks > 1:
            chunked_matmul_nt(xp, dy, self.cols, dw2, self.chunks)
        else:  # (rows, F) = cols @ dy^T is faster than dy @ cols^T for these shapes
            xp.matmul(self.cols, dy.T, out=self.dw_t)
            xp.copyto(dw2, self.dw_t.T)
        if not self.need_dx:
            return None
        if not self.has_dx:
            self._allocate_dx()
        w2_t = params[self.w_id].reshape(filters, -1).T
        if self.shifted_fold:
            xp.copyto(self.dy_target, dy.reshape(self.dy_target.shape))
            xp.matmul(w2_t, self.dy_grid.reshape(filters, -1), out=self.dcols)
            self.dflat.fill(0)
            taps = self.dcols.reshape(self.channels, self.kernel, self.kernel, -1)
            fold_shifted(xp, taps, self.dflat, self.dy_grid.shape[2] * self.batch, self.batch)
        else:
            xp.matmul(w2_t, dy, out=self.dcols)
            self.dgrid.fill(0)
            fold_columns(xp, self.dcols.reshape(self.dview.shape), self.dview)
        return self.dinterior
