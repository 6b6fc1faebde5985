"""ONNX import handlers of the layers: Conv, pooling, Gemm, BatchNormalization, Pad and Concat.

A window op reads square 2-D windows (pooling also 1-D and cubic 3-D ones) with equal
strides and dilations along every axis; its ``pads`` (each axis's begin, then each one's end)
may differ per side, and ``auto_pad`` is resolved from the input's known spatial sizes. Anything else is refused with its reason (listed in docs/onnx.md).
"""

from __future__ import annotations

import math

import numpy as np

from graphlab.export import ExportError


def check(condition: bool, message: str) -> None:
    if not condition:
        raise ExportError(message)


def _same(values, what: str) -> int:
    check(len(set(values)) == 1, f"only equal {what} along every spatial axis, got {list(values)}")  # fmt: skip
    return int(values[0])


#: the inputs a window op of 1, 2 or 3 spatial axes reads
LAYOUTS = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}


def window(im, node, attrs, kernel_shape, dims=(2,)) -> dict:
    """Engine attrs (kernel, stride, pads, dilation) of an ONNX window op over ``dims``
    spatial axes (one of them)."""
    kernel = list(attrs.get("kernel_shape", kernel_shape))
    layouts = " or ".join(f"{d}-D windows over {LAYOUTS[d]}" for d in dims)
    check(len(kernel) in dims, f"only {layouts}, got a {len(kernel)}-D one")
    size = _same(kernel, "window sizes (square windows)")
    ones = [1] * len(kernel)
    stride = _same(list(attrs.get("strides", ones)), "strides")
    dilation = _same(list(attrs.get("dilations", ones)), "dilations")
    pads = [int(p) for p in attrs.get("pads", [0] * 2 * len(kernel))]
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads = _same_pads(im.shape(node.input[0]), size, stride, dilation, auto)
    elif auto == "VALID":
        pads = [0] * 2 * len(kernel)
    else:
        check(auto == "NOTSET", f"unknown auto_pad {auto!r}")
    return {"kernel": size, "stride": stride, "pads": pads, "dilation": dilation}


def _same_pads(shape, kernel, stride, dilation, mode) -> list[int]:
    """ONNX's SAME padding: output size ceil(size / stride), the odd cell at the end (UPPER)
    or the start (LOWER)."""
    check(shape is not None and len(shape) > 2 and None not in shape[2:], "auto_pad SAME needs the input's spatial sizes")  # fmt: skip
    begins, ends = [], []
    for size in shape[2:]:
        total = max((math.ceil(size / stride) - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
        small, large = total // 2, total - total // 2
        begins.append(small if mode == "SAME_UPPER" else large)
        ends.append(large if mode == "SAME_UPPER" else small)
    return [*begins, *ends]


def _plain(attrs: dict) -> dict:
    """Window attrs as the engine's simplest form: ``pad`` for equal padding, ``pads`` else."""
    pads = attrs.pop("pads")
    if len(set(pads)) == 1:
        attrs["pad"] = pads[0]
    else:
        attrs["pads"] = pads
    if attrs["dilation"] == 1:
        del attrs["dilation"]
    return attrs


def _bias(im, node, filters: int) -> str:
    bias = node.input[2] if len(node.input) > 2 and node.input[2] else ""
    if bias:
        return im.node_of(bias, "zeros")
    return im.constant(f"{node.output[0]}_b", np.zeros(filters, np.float32))


def conv(im, node, attrs):
    w = node.input[1]
    w_shape = im.shape(w)
    check(w_shape is not None and len(w_shape) == 4, "only 2-D convolutions with known filters")
    settings = _plain(window(im, node, attrs, w_shape[2:]))
    settings["groups"] = int(attrs.get("group", 1))
    inputs = [im.node_of(node.input[0]), im.node_of(w, "he"), _bias(im, node, w_shape[0])]
    im.add("conv2d", node.output[0], inputs, **settings)


def pool(op):
    def handle(im, node, attrs):
        check(len(node.output) == 1 or not node.output[1], "the indices output is not supported")
        settings = window(im, node, attrs, [], dims=(1, 2, 3))
        if not any(settings["pads"]):
            del settings["pads"]
        if settings["dilation"] == 1:
            del settings["dilation"]
        settings["ceil_mode"] = bool(attrs.get("ceil_mode", 0))
        if op == "avgpool":
            settings["count_include_pad"] = bool(attrs.get("count_include_pad", 0))
        im.add(op, node.output[0], [im.node_of(node.input[0])], **settings)

    return handle


def global_pool(op):
    def handle(im, node, attrs):
        shape = im.shape(node.input[0])
        axes = list(range(2, len(shape))) if shape is not None else [2, 3]
        im.add(op, node.output[0], [im.node_of(node.input[0])], axis=axes, keepdims=True)

    return handle


def gemm(im, node, attrs):
    """An affine layer when it is one (x @ W + b), else matmul, scaling and add nodes."""
    alpha, beta = float(attrs.get("alpha", 1.0)), float(attrs.get("beta", 1.0))
    trans_a, trans_b = attrs.get("transA", 0), attrs.get("transB", 0)
    a, b = node.input[0], node.input[1]
    c = node.input[2] if len(node.input) > 2 and node.input[2] else ""
    out = node.output[0]
    constant_b = b in im.arrays or b in im.values
    if constant_b and trans_b:
        im.arrays[f"{b}_T"] = np.ascontiguousarray(im.array(b, "the weight").T)
        b, trans_b = f"{b}_T", 0
    columns = im.shape(b)[1] if im.shape(b) is not None else None
    bias = _vector_bias(im, c, columns, beta)
    if alpha == 1.0 and not trans_a and constant_b and bias is not None:
        if c and bias is im.arrays.get(c):
            bias_node = im.node_of(c, "zeros")
        else:
            bias_node = im.constant(f"{out}_b", bias)
        im.add("affine", out, [im.node_of(a), im.node_of(b), bias_node])
        return
    x = im.node_of(a)
    if trans_a:
        x = im.add("transpose", f"{out}_aT", [x])
    w = im.node_of(b)
    if trans_b:
        w = im.add("transpose", f"{out}_bT", [w])
    product = im.add("matmul", f"{out}_ab" if c or alpha != 1.0 else out, [x, w])
    if alpha != 1.0:
        scale = im.constant(f"{out}_alpha", alpha)
        product = im.add("multiply", f"{out}_scaled" if c else out, [product, scale])
    if c:
        term = im.node_of(c)
        if beta != 1.0:
            term = im.add("multiply", f"{out}_beta_c", [term, im.constant(f"{out}_beta", beta)])
        im.add("add", out, [product, term])


def _vector_bias(im, c: str, columns, beta: float):
    """The affine layer's bias (N,) from Gemm's C (the array itself when it is one already),
    or None when C is not a constant that broadcasts along the rows."""
    if columns is None:
        return None
    if not c:
        return np.zeros(columns, np.float32)
    if c not in im.arrays and c not in im.values:
        return None
    value = im.array(c, "the bias")
    if value.shape == (columns,) and beta == 1.0:
        return value
    if value.size not in (1, columns) or (value.ndim == 2 and value.shape[0] != 1):
        return None
    return np.broadcast_to(np.asarray(value, np.float32).reshape(-1) * beta, (columns,)).copy()


def batchnorm(im, node, attrs):
    check(not attrs.get("training_mode", 0), "training_mode normalises with the batch's own statistics and returns new running ones; import the inference model")  # fmt: skip
    check(len(node.output) == 1, "the running statistics outputs (training mode) are not supported")
    x, scale, bias, mean, var = node.input
    inputs = [im.node_of(x), im.node_of(scale, "ones"), im.node_of(bias, "zeros")]
    nid = im.add(
        "batchnorm",
        node.output[0],
        inputs,
        momentum=float(attrs.get("momentum", 0.9)),
        eps=float(attrs.get("epsilon", 1e-5)),
    )
    stats = {
        "running_mean": im.array(mean, "the running mean"),
        "running_var": im.array(var, "the running variance"),
    }
    im.doc.set_params({}, {nid: {k: np.asarray(v, np.float32) for k, v in stats.items()}})


def pad(im, node, attrs):
    mode = attrs.get("mode", "constant")
    check(mode in ("constant", "reflect", "edge", "wrap"), f"mode {mode!r} (only constant, reflect, edge and wrap)")  # fmt: skip
    pads = [int(p) for p in (im.array(node.input[1], "the pads") if len(node.input) > 1 else attrs["pads"])]  # fmt: skip
    check(min(pads, default=0) >= 0, "negative pads (cropping) are not supported")
    value = 0.0
    if len(node.input) > 2 and node.input[2]:
        value = float(im.array(node.input[2], "the constant value"))
    shape = im.shape(node.input[0])
    check(shape is not None, "the input's rank must be known")
    if len(node.input) > 3 and node.input[3]:
        axes = [int(a) % len(shape) for a in im.array(node.input[3], "the axes")]
        full = [0] * (2 * len(shape))
        for i, axis in enumerate(axes):
            full[axis], full[len(shape) + axis] = pads[i], pads[len(axes) + i]
        pads = full
    im.add("pad", node.output[0], [im.node_of(node.input[0])], pads=pads, mode=mode, value=value)


def concat(im, node, attrs):
    """Two inputs are one concat node; more are a chain of them along the same axis."""
    axis = int(attrs["axis"])
    inputs = [t for t in node.input if t]
    if len(inputs) == 1:
        im.ids[node.output[0]] = im.node_of(inputs[0])
        return
    joined = im.node_of(inputs[0])
    for i, tensor in enumerate(inputs[1:], start=1):
        name = node.output[0] if i == len(inputs) - 1 else f"{node.output[0]}_{i}"
        joined = im.add("concat", name, [joined, im.node_of(tensor)], axis=axis)
