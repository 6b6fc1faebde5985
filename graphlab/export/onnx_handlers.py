"""The ONNX ops GraphLab imports: one handler per ONNX op type, and the tables of which engine
op each becomes (:data:`IMPORTED`) or why none does (:data:`NOT_IMPORTED`).

A handler takes the importer (``graphlab.export.onnx_import._Importer``), the ONNX node and
its attributes, and adds the engine node(s) computing the node's output.
"""

from __future__ import annotations

import numpy as np

from graphlab.export import ExportError
from graphlab.export.onnx_export import SAME_INPUTS
from graphlab.export.onnx_read import tensor_array

#: ONNX op type -> engine op, for ops with the same inputs and no attributes
#: (Max and Min take any number of inputs in ONNX, so they have handlers of their own)
SAME_OPS = {onnx_op: op for op, onnx_op in SAME_INPUTS.items() if op not in ("max", "min")}


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ExportError(message)


def _simple(op, **names):
    """A handler for an op whose ONNX attrs map one-to-one (engine attr <- ONNX attr, default)."""

    def handle(im, node, attrs):
        values = {key: attrs.get(onnx_name, default) for key, (onnx_name, default) in names.items()}
        im.add(op, node.output[0], [im.node_of(node.input[0])], **values)

    return handle


def _flatten(im, node, attrs):
    _check(attrs.get("axis", 1) == 1, "only axis 1 (keep the batch) is supported")
    im.add("flatten", node.output[0], [im.node_of(node.input[0])])


def _pow(im, node, attrs):
    exponent = im.array(node.input[1], "exponent")
    _check(exponent.size == 1, "the exponent must be one number")
    im.add("power", node.output[0], [im.node_of(node.input[0])], exponent=float(exponent))


def _gemm(im, node, attrs):
    _check(
        attrs.get("alpha", 1.0) == 1.0 and attrs.get("beta", 1.0) == 1.0, "alpha and beta must be 1"
    )
    _check(not attrs.get("transA", 0), "transA is not supported")
    x, w = node.input[0], node.input[1]
    if attrs.get("transB", 0):
        weights = im.array(w, "a transposed weight")
        im.arrays[w] = weights.T
    bias = node.input[2] if len(node.input) > 2 and node.input[2] else ""
    if bias:
        im.arrays[bias] = im.array(bias, "the bias").reshape(-1)
    else:
        bias = f"{node.output[0]}_b"
        im.arrays[bias] = np.zeros(im.array(w, "the weight").shape[1], np.float32)
    im.add("affine", node.output[0], [im.node_of(x), im.node_of(w), im.node_of(bias, "zeros")])


def _reshape(im, node, attrs):
    _check(not attrs.get("allowzero", 0), "allowzero is not supported")
    shape = [int(d) for d in im.array(node.input[1], "the shape")]
    if 0 in shape:
        _check(
            shape.count(0) == 1 and -1 not in shape, "0 (copy a dimension) only once, without -1"
        )
        shape[shape.index(0)] = -1
    im.add("reshape", node.output[0], [im.node_of(node.input[0])], shape=shape)


def _transpose(im, node, attrs):
    perm = attrs.get("perm")
    im.add(
        "transpose",
        node.output[0],
        [im.node_of(node.input[0])],
        axes=None if perm is None else list(perm),
    )


def _reduction(op):
    def handle(im, node, attrs):
        _check(not attrs.get("noop_with_empty_axes", 0), "noop_with_empty_axes is not supported")
        axes = attrs.get("axes")
        if len(node.input) > 1 and node.input[1]:
            axes = [int(a) for a in im.array(node.input[1], "the axes")]
        keepdims = bool(attrs.get("keepdims", 1))
        im.add(
            op,
            node.output[0],
            [im.node_of(node.input[0])],
            axis=list(axes) if axes else None,
            keepdims=keepdims,
        )

    return handle


def _penalty(op):
    """ReduceSumSquare / ReduceL1 over every axis: a penalty of strength 1 (the exported
    penalty's ``Mul`` by its strength becomes a multiply by a constant)."""

    def handle(im, node, attrs):
        _check(len(node.input) == 1 and "axes" not in attrs, "only a reduction over every axis")
        _check(attrs.get("keepdims", 1) == 0, "only keepdims=0")
        im.add(op, node.output[0], [im.node_of(node.input[0])], strength=1.0)

    return handle


def _square_window(attrs, kernel_shape) -> tuple[int, int, int]:
    """(kernel, stride, pad) of a 2-D window op with equal sizes along H and W."""
    kernel = list(attrs.get("kernel_shape", kernel_shape))
    strides = list(attrs.get("strides", [1, 1]))
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    _check(len(kernel) == 2 and kernel[0] == kernel[1], f"only square 2-D windows, got {kernel}")
    _check(strides[0] == strides[1], f"only equal strides, got {strides}")
    _check(len(set(pads)) == 1, f"only equal padding on every side, got {pads}")
    _check(attrs.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET"), "auto_pad is not supported")
    _check(set(attrs.get("dilations", [1, 1])) == {1}, "dilations are not supported")
    return kernel[0], strides[0], pads[0]


def _conv(im, node, attrs):
    _check(attrs.get("group", 1) == 1, "grouped convolution is not supported")
    w = node.input[1]
    kernel, stride, pad = _square_window(attrs, im.array(w, "the filters").shape[2:])
    bias = node.input[2] if len(node.input) > 2 and node.input[2] else ""
    if not bias:
        bias = f"{node.output[0]}_b"
        im.arrays[bias] = np.zeros(im.array(w, "the filters").shape[0], np.float32)
    inputs = [im.node_of(node.input[0]), im.node_of(w), im.node_of(bias, "zeros")]
    im.add("conv2d", node.output[0], inputs, kernel=kernel, stride=stride, pad=pad)


def _pool(op):
    def handle(im, node, attrs):
        _check(len(node.output) == 1, "the indices output is not supported")
        _check(not attrs.get("ceil_mode", 0), "ceil_mode is not supported")
        kernel, stride, pad = _square_window(attrs, [])
        _check(pad == 0, "padded pooling is not supported")
        im.add(op, node.output[0], [im.node_of(node.input[0])], kernel=kernel, stride=stride)

    return handle


def _batchnorm(im, node, attrs):
    _check(not attrs.get("training_mode", 0), "training_mode is not supported")
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


def _dropout(im, node, attrs):
    ratio = attrs.get("ratio", 0.5)
    if len(node.input) > 1 and node.input[1]:
        ratio = float(im.array(node.input[1], "the ratio"))
    im.add("dropout", node.output[0], [im.node_of(node.input[0])], p=1.0 - ratio)


def _identity(im, node, attrs):
    im.ids[node.output[0]] = im.node_of(node.input[0])


def _constant(im, node, attrs):
    _check("value" in attrs, "only tensor constants (the value attribute) are supported")
    im.arrays[node.output[0]] = tensor_array(im.onnx, attrs["value"], im.where)


def _binary(op):
    def handle(im, node, attrs):
        _check(len(node.input) == 2, f"exactly two inputs, got {len(node.input)}")
        im.add(op, node.output[0], [im.node_of(t) for t in node.input])

    return handle


def _cross_entropy(im, node, attrs):
    _check(attrs.get("reduction", b"mean") in (b"mean", "mean"), "only reduction='mean'")
    _check(
        len(node.input) == 2 and "ignore_index" not in attrs,
        "class weights and ignore_index are not supported",
    )
    im.doc.set_loss(
        im.add("softmax_cross_entropy", node.output[0], [im.node_of(t) for t in node.input])
    )


HANDLERS = {
    "Max": _binary("max"),
    "Min": _binary("min"),
    "Flatten": _flatten,
    "Pow": _pow,
    "LeakyRelu": _simple("leaky_relu", slope=("alpha", 0.01)),
    "Elu": _simple("elu", alpha=("alpha", 1.0)),
    "Softmax": _simple("softmax", axis=("axis", -1)),
    "LogSoftmax": _simple("log_softmax", axis=("axis", -1)),
    "Gemm": _gemm,
    "Reshape": _reshape,
    "Transpose": _transpose,
    "ReduceSum": _reduction("sum"),
    "ReduceMean": _reduction("mean"),
    "ReduceSumSquare": _penalty("l2_penalty"),
    "ReduceL1": _penalty("l1_penalty"),
    "Conv": _conv,
    "MaxPool": _pool("maxpool"),
    "AveragePool": _pool("avgpool"),
    "BatchNormalization": _batchnorm,
    "Dropout": _dropout,
    "Identity": _identity,
    "Constant": _constant,
    "SoftmaxCrossEntropyLoss": _cross_entropy,
}


#: engine op -> what in an ONNX model becomes it (GraphLab's own export writes that form)
IMPORTED = {
    "input": "a graph input",
    "parameter": "an initializer with one axis or more",
    "constant": "a 0-d initializer (a Constant node's value is read as an initializer)",
    **{op: onnx_op for onnx_op, op in SAME_OPS.items()},
    "max": "Max (two inputs)",
    "min": "Min (two inputs)",
    "flatten": "Flatten (axis 1)",
    "power": "Pow with a constant exponent",
    "leaky_relu": "LeakyRelu",
    "elu": "Elu",
    "softmax": "Softmax",
    "log_softmax": "LogSoftmax",
    "affine": "Gemm (after a Flatten for images)",
    "reshape": "Reshape with a constant shape",
    "transpose": "Transpose",
    "sum": "ReduceSum",
    "mean": "ReduceMean",
    "l2_penalty": "ReduceSumSquare over every axis (times its strength)",
    "l1_penalty": "ReduceL1 over every axis (times its strength)",
    "conv2d": "Conv (square kernel, equal strides and padding)",
    "maxpool": "MaxPool",
    "avgpool": "AveragePool",
    "batchnorm": "BatchNormalization (inference, with its running statistics)",
    "dropout": "Dropout",
    "softmax_cross_entropy": "SoftmaxCrossEntropyLoss (mean)",
}
#: engine op -> why no ONNX model imports as it (the import reads its exported form back as
#: other nodes, or not at all)
NOT_IMPORTED = {
    "mse": "exported as Sub, Mul and ReduceMean, read back as subtract, multiply and mean "
    "nodes that compute the same loss",
    "elastic_penalty": "exported as ReduceSumSquare and ReduceL1 terms, read back as "
    "l2_penalty, l1_penalty, multiply and add nodes that compute the same penalty",
    "maxout": "exported as Reshape + ReduceMax; ReduceMax over a group axis has no engine op, "
    "so the model is refused naming ReduceMax",
    "svm_loss": "exported with Unsqueeze and GatherElements (picking each row's correct score), "
    "which have no engine op, so the model is refused naming them",
}
