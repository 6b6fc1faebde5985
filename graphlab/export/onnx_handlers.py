"""The ONNX ops GraphLab imports: one handler per ONNX op type, and the tables of which engine
op each becomes (:data:`IMPORTED`) or why none does (:data:`NOT_IMPORTED`).

A handler takes the importer (``graphlab.export.onnx_import._Importer``), the ONNX node and
its attributes, and adds the engine node(s) computing the node's output. Ops that take any
number of inputs (Sum, Mean, Max, Min, Concat) become chains of two-input nodes.
"""

from __future__ import annotations

import numpy as np

from graphlab.export import ExportError
from graphlab.export import onnx_layers as layers
from graphlab.export.onnx_export import SAME_INPUTS
from graphlab.export.onnx_layers import check
from graphlab.export.onnx_read import tensor_array

#: ONNX op type -> engine op, for ops with the same inputs and no attributes
#: (Max and Min take any number of inputs in ONNX, and Pow with a constant number is the
#: power node, so they have handlers of their own)
HANDLED = ("max", "min", "pow")
SAME_OPS = {onnx_op: op for op, onnx_op in SAME_INPUTS.items() if op not in HANDLED}
#: ONNX ops whose engine form keeps integer tensors' results (others refuse integer inputs)
INTEGER_OK = {
    *("Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Neg", "Abs", "Relu", "Clip"),
    *("Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Concat", "Pad", "Identity"),
    *("ReduceSum", "ReduceMax", "ReduceMin", "MaxPool", "GlobalMaxPool", "Constant", "Pow"),
    "NegativeLogLikelihoodLoss",
}


def _simple(op, **names):
    """A handler for an op whose ONNX attrs map one-to-one (engine attr <- ONNX attr, default)."""

    def handle(im, node, attrs):
        values = {key: attrs.get(onnx_name, default) for key, (onnx_name, default) in names.items()}
        im.add(op, node.output[0], [im.node_of(node.input[0])], **values)

    return handle


def _optional(node, index: int) -> str:
    """The name of optional input ``index`` ("" when it is absent)."""
    return node.input[index] if len(node.input) > index else ""


def _axes(im, node, attrs, index: int = 1):
    """Axes from the attribute (older opsets) or the optional input ``index``; None if absent."""
    if _optional(node, index):
        return [int(a) for a in np.ravel(im.array(node.input[index], "the axes"))]
    return None if attrs.get("axes") is None else [int(a) for a in attrs["axes"]]


def _flatten(im, node, attrs):
    im.add("flatten", node.output[0], [im.node_of(node.input[0])], axis=int(attrs.get("axis", 1)))


def _pow(im, node, attrs):
    """x ** p with one constant number p is the power node; otherwise pow of two tensors."""
    base, exponent = node.input
    constant = exponent in im.arrays or exponent in im.values
    if constant and im.array(exponent, "exponent").size == 1 and not im.is_integer(base):
        value = float(im.array(exponent, "exponent"))
        im.add("power", node.output[0], [im.node_of(base)], exponent=value)
        return
    im.add("pow", node.output[0], [im.node_of(base), im.node_of(exponent)])


def _reshape(im, node, attrs):
    shape = [int(d) for d in im.array(node.input[1], "the shape")]
    if attrs.get("allowzero", 0):
        check(0 not in shape, "allowzero with a size of 0 (an empty tensor)")
    before = im.shape(node.input[0]) or ()
    for i, d in enumerate(shape):
        if d == 0:  # copy the input's size
            check(i < len(before), f"shape {shape} copies axis {i}, which the input lacks")
            shape[i] = before[i] if before[i] is not None else -1
    check(shape.count(-1) <= 1, f"shape {shape} leaves more than one size unknown")
    im.add("reshape", node.output[0], [im.node_of(node.input[0])], shape=shape)


def _transpose(im, node, attrs):
    perm = attrs.get("perm")
    axes = None if perm is None else list(perm)
    im.add("transpose", node.output[0], [im.node_of(node.input[0])], axes=axes)


def _squeeze(im, node, attrs):
    im.add("squeeze", node.output[0], [im.node_of(node.input[0])], axes=_axes(im, node, attrs))


def _unsqueeze(im, node, attrs):
    im.add("unsqueeze", node.output[0], [im.node_of(node.input[0])], axes=_axes(im, node, attrs))


def _reduce_nodes(im, node, attrs, op, x):
    """``op`` over the node's axes into its output; no axes: every axis, or the input itself
    with noop_with_empty_axes."""
    axes = _axes(im, node, attrs)
    if not axes and attrs.get("noop_with_empty_axes", 0):
        im.ids[node.output[0]] = x
        return
    keepdims = bool(attrs.get("keepdims", 1))
    im.add(op, node.output[0], [x], axis=axes or None, keepdims=keepdims)


def _reduction(op):
    def handle(im, node, attrs):
        _reduce_nodes(im, node, attrs, op, im.node_of(node.input[0]))

    return handle


def _norm_reduction(penalty, term):
    """ReduceL1 / ReduceSumSquare: over every axis to a scalar, a penalty of strength 1 (the
    form GraphLab exports); otherwise the sum of |x| or x*x over the axes."""

    def handle(im, node, attrs):
        if _axes(im, node, attrs) is None and attrs.get("keepdims", 1) == 0:
            im.add(penalty, node.output[0], [im.node_of(node.input[0])], strength=1.0)
            return
        x = im.node_of(node.input[0])
        inputs = [x] if term == "abs" else [x, x]
        _reduce_nodes(im, node, attrs, "sum", im.add(term, f"{node.output[0]}_{term}", inputs))

    return handle


def _clip(im, node, attrs):
    low, high = attrs.get("min"), attrs.get("max")  # opset 6's attributes
    if _optional(node, 1):
        low = float(im.array(node.input[1], "the minimum"))
    if _optional(node, 2):
        high = float(im.array(node.input[2], "the maximum"))
    im.add("clip", node.output[0], [im.node_of(node.input[0])], low=low, high=high)


def _variadic(op, mean: bool = False):
    """Sum / Max / Min (and Mean, the sum scaled by 1/n) as a chain of two-input nodes."""

    def handle(im, node, attrs):
        inputs, out = [t for t in node.input if t], node.output[0]
        if len(inputs) == 1:
            im.ids[out] = im.node_of(inputs[0])
            return
        total = im.node_of(inputs[0])
        last = len(inputs) - 1
        for i, tensor in enumerate(inputs[1:], start=1):
            name = out if i == last and not mean else f"{out}_{i}"
            total = im.add(op, name, [total, im.node_of(tensor)])
        if mean:
            im.add("multiply", out, [total, im.constant(f"{out}_1/n", 1.0 / len(inputs))])

    return handle


def _dropout(im, node, attrs):
    ratio = float(attrs.get("ratio", 0.5))
    if _optional(node, 1):
        ratio = float(im.array(node.input[1], "the ratio"))
    training = _optional(node, 2) and bool(im.array(node.input[2], "training_mode"))
    check(not training or ratio == 0, "training_mode draws a random mask no other runtime reproduces; import the inference model")  # fmt: skip
    check(len(node.output) == 1 or not node.output[1], "the mask output is not supported")
    im.add("dropout", node.output[0], [im.node_of(node.input[0])], p=1.0 - ratio)


def _identity(im, node, attrs):
    im.ids[node.output[0]] = im.node_of(node.input[0])


def _constant(im, node, attrs):
    if "value" in attrs:
        im.arrays[node.output[0]] = tensor_array(im.onnx, attrs["value"], im.where)
        return
    for key in ("value_float", "value_int", "value_floats", "value_ints"):
        if key in attrs:
            im.arrays[node.output[0]] = np.asarray(attrs[key], np.int64 if "int" in key else np.float32)  # fmt: skip
            return
    raise ExportError("only numeric constants (value, value_float(s), value_int(s))")


def _cross_entropy(im, node, attrs):
    """The course's softmax_cross_entropy when it is one (mean over (N, C) scores, no
    options), else log_softmax over the classes then nll_loss (the log_prob output)."""
    scores, out = node.input[0], node.output[0]
    shape = im.shape(scores)
    plain = attrs.get("reduction", "mean") == "mean" and shape is not None and len(shape) == 2
    if plain and not _optional(node, 2) and "ignore_index" not in attrs and len(node.output) == 1:
        inputs = [im.node_of(t) for t in node.input]
        im.doc.set_loss(im.add("softmax_cross_entropy", out, inputs))
        return
    log_prob = node.output[1] if len(node.output) > 1 and node.output[1] else f"{out}_log_prob"
    logp = im.add("log_softmax", log_prob, [im.node_of(scores)], axis=1)
    _nll_nodes(im, node, attrs, logp)


def _nll_loss(im, node, attrs):
    _nll_nodes(im, node, attrs, im.node_of(node.input[0]))


def _nll_nodes(im, node, attrs, logp: str) -> None:
    weights = None
    if _optional(node, 2):
        weights = [float(w) for w in im.array(node.input[2], "the class weights")]
    reduction = attrs.get("reduction", "mean")
    settings = {"reduction": reduction, "ignore_index": attrs.get("ignore_index")}
    nid = im.add("nll_loss", node.output[0], [logp, im.node_of(node.input[1])], **settings, class_weights=weights)  # fmt: skip
    if reduction != "none":
        im.doc.set_loss(nid)


HANDLERS = {
    "Max": _variadic("max"),
    "Min": _variadic("min"),
    "Sum": _variadic("add"),
    "Mean": _variadic("add", mean=True),
    "Flatten": _flatten,
    "Pow": _pow,
    "LeakyRelu": _simple("leaky_relu", slope=("alpha", 0.01)),
    "Elu": _simple("elu", alpha=("alpha", 1.0)),
    "Softmax": _simple("softmax", axis=("axis", -1)),
    "LogSoftmax": _simple("log_softmax", axis=("axis", -1)),
    "Clip": _clip,
    "Gemm": layers.gemm,
    "Reshape": _reshape,
    "Transpose": _transpose,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Concat": layers.concat,
    "Pad": layers.pad,
    "ReduceSum": _reduction("sum"),
    "ReduceMean": _reduction("mean"),
    "ReduceMax": _reduction("reduce_max"),
    "ReduceMin": _reduction("reduce_min"),
    "ReduceSumSquare": _norm_reduction("l2_penalty", "multiply"),
    "ReduceL1": _norm_reduction("l1_penalty", "abs"),
    "Conv": layers.conv,
    "MaxPool": layers.pool("maxpool"),
    "AveragePool": layers.pool("avgpool"),
    "GlobalAveragePool": layers.global_pool("mean"),
    "GlobalMaxPool": layers.global_pool("reduce_max"),
    "BatchNormalization": layers.batchnorm,
    "Dropout": _dropout,
    "Identity": _identity,
    "Constant": _constant,
    "SoftmaxCrossEntropyLoss": _cross_entropy,
    "NegativeLogLikelihoodLoss": _nll_loss,
}


#: engine op -> what in an ONNX model becomes it (GraphLab's own export writes that form)
IMPORTED = {
    "input": "a graph input",
    "parameter": "an initializer with one axis or more",
    "constant": "a 0-d initializer (a Constant node's value is read as an initializer)",
    **{op: onnx_op for onnx_op, op in SAME_OPS.items()},
    "max": "Max (any number of inputs, chained)",
    "min": "Min (any number of inputs, chained)",
    "flatten": "Flatten (any axis)",
    "power": "Pow with a constant exponent",
    "pow": "Pow with a tensor exponent",
    "leaky_relu": "LeakyRelu",
    "elu": "Elu",
    "softmax": "Softmax",
    "log_softmax": "LogSoftmax",
    "clip": "Clip (ReLU6 is Clip 0, 6)",
    "affine": "Gemm (after a Flatten for images)",
    "reshape": "Reshape with a constant shape",
    "transpose": "Transpose",
    "squeeze": "Squeeze",
    "unsqueeze": "Unsqueeze",
    "concat": "Concat (more than two inputs chained)",
    "pad": "Pad (constant, reflect, edge)",
    "sum": "ReduceSum",
    "mean": "ReduceMean, GlobalAveragePool",
    "reduce_max": "ReduceMax, GlobalMaxPool",
    "reduce_min": "ReduceMin",
    "l2_penalty": "ReduceSumSquare over every axis (times its strength)",
    "l1_penalty": "ReduceL1 over every axis (times its strength)",
    "conv2d": "Conv (square kernel, equal strides and dilations; any pads, groups)",
    "maxpool": "MaxPool",
    "avgpool": "AveragePool",
    "batchnorm": "BatchNormalization (inference, with its running statistics)",
    "dropout": "Dropout",
    "softmax_cross_entropy": "SoftmaxCrossEntropyLoss (mean over (N, C) scores, no options)",
    "nll_loss": "NegativeLogLikelihoodLoss; SoftmaxCrossEntropyLoss with options (after a "
    "log_softmax)",
}
#: engine op -> why no ONNX model imports as it (the import reads its exported form back as
#: other nodes, or not at all)
NOT_IMPORTED = {
    "mse": "exported as Sub, Mul and ReduceMean, read back as subtract, multiply and mean "
    "nodes that compute the same loss",
    "elastic_penalty": "exported as ReduceSumSquare and ReduceL1 terms, read back as "
    "l2_penalty, l1_penalty, multiply and add nodes that compute the same penalty",
    "maxout": "exported as Reshape + ReduceMax over a group axis, read back as reshape and "
    "reduce_max nodes that compute the same maximum",
    "svm_loss": "exported with Unsqueeze and GatherElements (picking each row's correct score), "
    "which have no engine op, so the model is refused naming them",
}
