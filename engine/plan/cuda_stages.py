"""The training plan's conv block and loss on CUDA, through the fused kernels of
:mod:`engine.kernels.cuda`: same API, layouts and results as :class:`ConvBlock` and
:class:`Loss`, in fewer launches (a GPU step of small layers is bound by launches)."""

from __future__ import annotations

import numpy as np

from engine.backend import to_numpy
from engine.kernels import cuda as kernels
from engine.ops.losses import label_range_error
from engine.plan.conv_block import ConvBlock


class CudaConvBlock(ConvBlock):
    """conv2d [-> relu] [-> 2x2 max pool] in fused kernels.

    forward: im2col straight from x through its strides (no padded grid), one GEMM, then
    pool, bias and ReLU in one kernel that keeps each window's winner: 3 launches (the xp
    block takes 11). backward: ReLU and unpool in one kernel, the bias sum, the dW GEMM and,
    when dx is needed, the dcols GEMM and a gathering col2im that writes dx (C, H, W, N)
    contiguous: 3 or 5 launches (22).
    """

    @property
    def _geometry(self) -> tuple:
        """What im2col and col2im need besides the arrays."""
        return self.kernel, self.stride, self.pad, self.conv_hw, self.pooled

    def _allocate(self, batch: int) -> dict:
        xp, dtype, filters = self.xp, self.dtype, self.filters
        rows = self.channels * self.kernel * self.kernel
        ho, wo = self.conv_hw
        positions = 4 * (ho // 2) * (wo // 2) * batch if self.pooled else ho * wo * batch
        b = {"cols": xp.empty((rows, positions), dtype), "y": xp.empty((filters, positions), dtype)}
        if self.pooled:
            b["out"] = xp.empty((filters, positions // 4), dtype)
            b["winner"] = xp.empty(b["out"].shape, np.uint8)
            b["dy"] = xp.empty_like(b["y"])
            b["grad"] = xp.empty_like(b["out"])
        else:  # no winners; dL/dy is the gradient through the ReLU itself
            b["out"] = b["winner"] = b["y"]
            b["grad"] = b["dy"] = xp.empty_like(b["y"])
        b["has_dx"] = False
        return b

    def _allocate_dx(self) -> None:
        xp, shape = self.xp, (self.channels, self.height, self.width, self.batch)
        b = {"has_dx": True, "dcols": xp.empty_like(self.cols), "dx": xp.empty(shape, self.dtype)}
        self._buffers[self.batch].update(b)
        vars(self).update(b)

    def forward(self, x, params):
        batch = x.shape[-1] if self.batch_last else x.shape[0]
        if batch != self.batch:
            self._use_batch(batch)
        image = x if self.batch_last else x.transpose(1, 2, 3, 0)
        kernels.im2col(image, self.cols, *self._geometry)
        self.xp.matmul(params[self.w_id].reshape(self.filters, -1), self.cols, out=self.y)
        kernels.pool_bias_relu(
            self.y, params[self.b_id], self.out, self.winner, self.pooled, self.relu
        )
        return self.out.reshape(self.filters, *self.out_hw, self.batch)

    def backward(self, grad, grads, params):
        xp, filters = self.xp, self.filters
        grad = xp.ascontiguousarray(grad)
        kernels.relu_unpool(grad, self.out, self.winner, self.grad, self.dy, self.pooled, self.relu)
        xp.sum(self.grad, axis=1, out=grads[self.b_id])
        xp.matmul(self.dy, self.cols.T, out=grads[self.w_id].reshape(filters, -1))
        if not self.need_dx:
            return None
        if not self.has_dx:
            self._allocate_dx()
        xp.matmul(params[self.w_id].reshape(filters, -1).T, self.dy, out=self.dcols)
        kernels.col2im(self.dcols, self.dx, *self._geometry)
        return self.dx


class CudaLoss:
    """Softmax cross-entropy, forward and backward in one kernel.

    The labels are checked by the same kernel and read with the loss by :meth:`value`, one
    transfer at the end of the step (the xp loss checks them in forward, a mid-step sync).
    """

    def __init__(self, xp) -> None:
        self.xp = xp
        self._result = xp.zeros(2, np.float64)  # mean loss, number of labels out of range
        self._dscores, self._classes = None, 0

    def forward(self, scores, labels):
        if self._dscores is None or self._dscores.shape != scores.shape:
            self._dscores = self.xp.empty(scores.shape, scores.dtype)
        kernels.softmax_cross_entropy(scores, labels, self._dscores, self._result)
        self._classes = scores.shape[1]
        return self._result[0]

    def backward(self, loss, weight: float = 1.0):
        """d(weight * loss)/dscores."""
        return self._dscores if weight == 1.0 else self._dscores * weight

    def value(self, loss) -> float:
        """The loss of the last forward as a float; DatasetError if a label was not a class.

        loss: what forward returned (read here together with the label check)."""
        mean, bad = to_numpy(self._result)
        if bad:
            raise label_range_error(self._classes)
        return float(mean)
