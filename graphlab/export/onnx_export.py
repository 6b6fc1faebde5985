"""A document as an ONNX model (opset 18; 19 where a pad wraps around): inference mode, parameters as initializers.

Each tensor is named after the node that computes it, so the ONNX graph reads like the
GraphLab one. Input nodes become graph inputs with a symbolic batch dimension ``N``;
batchnorm uses its running statistics and dropout is ONNX ``Dropout``, which is the identity
at inference. By default the model stops before the loss (its outputs are the predictions);
with ``include_loss`` the labels become an input and the loss a second output (every loss
and penalty has an ONNX form, some as a few ONNX ops). An op missing from :data:`SUPPORTED`
is refused with its reason from :data:`UNSUPPORTED`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from engine.ops.base import fmt, normalise_axes
from engine.ops.cnn import Pool, padding
from engine.ops.linalg import permutation
from graphlab.document import GraphDocument
from graphlab.export import LEAF_OPS, ExportError, export_plan, unsupported
from graphlab.export.preprocess_export import onnx_metadata, onnx_preprocess, stored_preprocessing
from graphlab.fileformat import write_atomically

OPSET = 18
BATCH_DIM = "N"
#: engine ops that are one ONNX op with the same inputs and no attributes
SAME_INPUTS = {
    "add": "Add",
    "subtract": "Sub",
    "multiply": "Mul",
    "divide": "Div",
    "max": "Max",
    "min": "Min",
    "negate": "Neg",
    "reciprocal": "Reciprocal",
    "exp": "Exp",
    "log": "Log",
    "abs": "Abs",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "relu": "Relu",
    "prelu": "PRelu",
    "matmul": "MatMul",
    "sqrt": "Sqrt",
    "pow": "Pow",
}


def require_onnx():
    """The onnx module, or an ExportError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise ExportError(
            "ONNX export and import need the onnx package: pip install 'graphlab[export]'"
        ) from None
    return onnx


class _Builder:
    """Collects ONNX nodes and initializers; every tensor is named by a string."""

    def __init__(self, onnx, graph) -> None:
        self.onnx, self.graph = onnx, graph
        self.nodes: list = []
        self.initializers: list = []
        self.renames: dict[str, str] = {}  # tensor -> what consumers read instead

    def node(self, op_type: str, inputs, output: str, **attrs) -> str:
        """Add one ONNX node (named like its output); returns the output's name."""
        self.nodes.append(
            self.onnx.helper.make_node(op_type, list(inputs), [output], name=output, **attrs)
        )
        return output

    def const(self, name: str, value, dtype=np.float32) -> str:
        array = np.asarray(value, dtype=dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def emit(self, nid: str) -> None:
        """The ONNX nodes computing node ``nid`` into the tensor named ``nid``."""
        graph = self.graph
        op, attrs = graph.nodes[nid].op, graph.attrs[nid]
        sources = [graph.sources[nid][port] for port in graph.ops[nid].inputs]
        ins = [self.renames.get(name, name) for name in sources]
        if op in SAME_INPUTS:
            self.node(SAME_INPUTS[op], ins, nid)
        else:
            EMITTERS[op](self, nid, ins, attrs, [graph.shapes[i] for i in sources])


def _flatten(b, nid, ins, attrs, shapes):
    b.node("Flatten", ins, nid, axis=attrs["axis"])


def _power(b, nid, ins, attrs, shapes):
    b.node("Pow", [ins[0], b.const(f"{nid}::exponent", attrs["exponent"])], nid)


def _leaky_relu(b, nid, ins, attrs, shapes):
    b.node("LeakyRelu", ins, nid, alpha=attrs["slope"])


def _elu(b, nid, ins, attrs, shapes):
    b.node("Elu", ins, nid, alpha=attrs["alpha"])


def _affine(b, nid, ins, attrs, shapes):
    x, w, bias = ins
    if len(shapes[0]) != 2:
        x = b.node("Flatten", [x], f"{nid}::flat", axis=1)
    b.node("Gemm", [x, w, bias], nid)


def _reshape(b, nid, ins, attrs, shapes):
    target = b.const(f"{nid}::shape", attrs["shape"], np.int64)
    b.node("Reshape", [ins[0], target], nid)


def _transpose(b, nid, ins, attrs, shapes):
    b.node("Transpose", ins, nid, perm=list(permutation(attrs["axes"], shapes[0])))


def _reduction(op_type):
    def emit(b, nid, ins, attrs, shapes):
        inputs = list(ins)
        if attrs["axis"] is not None:
            axes = normalise_axes(attrs["axis"], len(shapes[0]))
            inputs.append(b.const(f"{nid}::axes", axes, np.int64))
        b.node(op_type, inputs, nid, keepdims=int(attrs["keepdims"]))

    return emit


def _softmax(op_type):
    def emit(b, nid, ins, attrs, shapes):
        b.node(op_type, ins, nid, axis=attrs["axis"])

    return emit


def _onnx_pads(attrs, ndim: int = 2) -> list[int]:
    """The engine's pads (each spatial axis's begin, then each one's end) are ONNX's."""
    return list(padding(attrs, ndim))


def _conv2d(b, nid, ins, attrs, shapes):
    k, s, d = attrs["kernel"], attrs["stride"], attrs["dilation"]
    b.node(
        "Conv", ins, nid, kernel_shape=[k, k], strides=[s, s], pads=_onnx_pads(attrs),
        dilations=[d, d], group=attrs["groups"],
    )  # fmt: skip


def _pool(op_type):
    def emit(b, nid, ins, attrs, shapes):
        kernel, stride = Pool.window(attrs)
        ndim = len(shapes[0]) - 2
        extra = {"dilations": [attrs["dilation"]] * ndim} if attrs["dilation"] != 1 else {}
        if "count_include_pad" in attrs:  # AveragePool has dilations only from opset 19
            if extra:
                raise ExportError(
                    f'node "{nid}" (avgpool): ONNX AveragePool has dilations only from opset '
                    f"19 (GraphLab writes opset {OPSET})"
                )
            extra = {"count_include_pad": int(attrs["count_include_pad"])}
        sizes = {"kernel_shape": [kernel] * ndim, "strides": [stride] * ndim}
        pads, ceil = _onnx_pads(attrs, ndim), int(attrs["ceil_mode"])
        b.node(op_type, ins, nid, **sizes, pads=pads, ceil_mode=ceil, **extra)

    return emit


def _concat(b, nid, ins, attrs, shapes):
    b.node("Concat", ins, nid, axis=attrs["axis"])


def _pad(b, nid, ins, attrs, shapes):
    pads = b.const(f"{nid}::pads", attrs["pads"], np.int64)
    value = b.const(f"{nid}::value", attrs["value"])
    b.node("Pad", [ins[0], pads, value], nid, mode=attrs["mode"])


def _clip(b, nid, ins, attrs, shapes):
    bounds = [
        "" if attrs[key] is None else b.const(f"{nid}::{key}", attrs[key])
        for key in ("low", "high")
    ]
    b.node("Clip", [ins[0], *bounds], nid)


def _axes_op(op_type):
    def emit(b, nid, ins, attrs, shapes):
        axes = [] if attrs["axes"] is None else [b.const(f"{nid}::axes", attrs["axes"], np.int64)]
        b.node(op_type, [ins[0], *axes], nid)

    return emit


def _batchnorm(b, nid, ins, attrs, shapes):
    state = b.graph.state[nid]
    channels = shapes[0][1]
    mean = state.get("running_mean", np.zeros(channels))
    var = state.get("running_var", np.ones(channels))
    stats = [b.const(f"{nid}::running_mean", mean), b.const(f"{nid}::running_var", var)]
    b.node(
        "BatchNormalization", [*ins, *stats], nid, epsilon=attrs["eps"], momentum=attrs["momentum"]
    )


def _dropout(b, nid, ins, attrs, shapes):
    b.node("Dropout", [ins[0], b.const(f"{nid}::ratio", 1 - attrs["p"])], nid)


def _cross_entropy(b, nid, ins, attrs, shapes):
    b.node("SoftmaxCrossEntropyLoss", ins, nid, reduction="mean")


def _nll_loss(b, nid, ins, attrs, shapes):
    inputs = list(ins)
    if attrs["class_weights"] is not None:
        inputs.append(b.const(f"{nid}::weights", attrs["class_weights"]))
    ignore = {} if attrs["ignore_index"] is None else {"ignore_index": attrs["ignore_index"]}
    b.node("NegativeLogLikelihoodLoss", inputs, nid, reduction=attrs["reduction"], **ignore)


def _mse(b, nid, ins, attrs, shapes):
    diff = b.node("Sub", ins, f"{nid}::diff")
    square = b.node("Mul", [diff, diff], f"{nid}::square")
    b.node("ReduceMean", [square], nid, keepdims=0)


def _svm_loss(b, nid, ins, attrs, shapes):
    """mean_i sum_j max(0, s_j - s_(y_i) + Delta), less the j = y_i term, max(0, Delta)."""
    scores, labels = ins
    rows = b.node("Unsqueeze", [labels, b.const(f"{nid}::axis1", [1], np.int64)], f"{nid}::rows")
    correct = b.node("GatherElements", [scores, rows], f"{nid}::correct", axis=1)
    diff = b.node("Sub", [scores, correct], f"{nid}::diff")
    shifted = b.node("Add", [diff, b.const(f"{nid}::margin", attrs["margin"])], f"{nid}::shifted")
    margins = b.node("Relu", [shifted], f"{nid}::margins")
    per_row = b.node("ReduceSum", [margins, f"{nid}::axis1"], f"{nid}::per_row", keepdims=0)
    total = b.node("ReduceMean", [per_row], f"{nid}::total", keepdims=0)
    b.node("Sub", [total, b.const(f"{nid}::own_class", max(0.0, attrs["margin"]))], nid)


def _maxout(b, nid, ins, attrs, shapes):
    """Channels (N, C, ...) as groups (N, C/k, k, ...), then the max over each group."""
    k, (_, channels, *rest) = attrs["k"], shapes[0]
    sizes = [channels and channels // k, k, *rest]
    dims = [0, *(-1 if d is None else d for d in sizes)]  # 0: the batch, as it comes
    if dims.count(-1) > 1:
        raise ExportError(
            f'node "{nid}" (maxout): input {fmt(shapes[0])} has too many unknown sizes'
        )
    groups = b.node("Reshape", [ins[0], b.const(f"{nid}::groups", dims, np.int64)], f"{nid}::g")
    b.node("ReduceMax", [groups, b.const(f"{nid}::axis", [2], np.int64)], nid, keepdims=0)


def _penalty(op_type):
    def emit(b, nid, ins, attrs, shapes):
        total = b.node(op_type, ins, f"{nid}::total", keepdims=0)
        b.node("Mul", [total, b.const(f"{nid}::strength", attrs["strength"])], nid)

    return emit


def _elastic_penalty(b, nid, ins, attrs, shapes):
    squares = b.node("ReduceSumSquare", ins, f"{nid}::squares", keepdims=0)
    weighted = b.node("Mul", [squares, b.const(f"{nid}::beta", attrs["beta"])], f"{nid}::l2")
    absolute = b.node("ReduceL1", ins, f"{nid}::l1", keepdims=0)
    total = b.node("Add", [weighted, absolute], f"{nid}::total")
    b.node("Mul", [total, b.const(f"{nid}::strength", attrs["strength"])], nid)


EMITTERS = {
    "flatten": _flatten,
    "power": _power,
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "affine": _affine,
    "reshape": _reshape,
    "transpose": _transpose,
    "sum": _reduction("ReduceSum"),
    "mean": _reduction("ReduceMean"),
    "reduce_max": _reduction("ReduceMax"),
    "reduce_min": _reduction("ReduceMin"),
    "concat": _concat,
    "pad": _pad,
    "clip": _clip,
    "squeeze": _axes_op("Squeeze"),
    "unsqueeze": _axes_op("Unsqueeze"),
    "softmax": _softmax("Softmax"),
    "log_softmax": _softmax("LogSoftmax"),
    "conv2d": _conv2d,
    "maxpool": _pool("MaxPool"),
    "avgpool": _pool("AveragePool"),
    "batchnorm": _batchnorm,
    "dropout": _dropout,
    "maxout": _maxout,
    "softmax_cross_entropy": _cross_entropy,
    "svm_loss": _svm_loss,
    "nll_loss": _nll_loss,
    "mse": _mse,
    "l2_penalty": _penalty("ReduceSumSquare"),
    "l1_penalty": _penalty("ReduceL1"),
    "elastic_penalty": _elastic_penalty,
}
SUPPORTED = {*LEAF_OPS, *SAME_INPUTS, *EMITTERS}
#: op -> why ONNX cannot express it (the export's error message says it); none today
UNSUPPORTED: dict[str, str] = {}


def to_onnx_model(doc: GraphDocument, include_loss: bool = False, preprocess: str = "embed"):
    """The checked ``onnx.ModelProto`` of ``doc`` (float32; labels int64). A model trained
    with preprocessing statistics starts with them (``preprocess="embed"``: it takes raw
    samples) or documents them in its metadata (``"metadata"``: it takes preprocessed ones)."""
    onnx = require_onnx()
    plan = export_plan(doc, include_loss)
    graph = plan.graph
    unsupported(graph, plan.nodes, SUPPORTED, "ONNX", UNSUPPORTED)
    builder = _Builder(onnx, graph)
    stored = stored_preprocessing(doc, plan.nodes)
    inputs = []
    for nid in plan.nodes:
        op = graph.nodes[nid].op
        if op == "input":
            integer = graph.attrs[nid]["dtype"] == "int"
            inputs.append(_value_info(onnx, nid, graph.shapes[nid], integer))
            if stored and stored[0] == nid:
                builder.renames = onnx_preprocess(builder, nid, stored[1], preprocess)
        elif op == "parameter":
            builder.const(nid, np.asarray(graph.params[nid]))
        elif op == "constant":
            builder.const(nid, graph.attrs[nid]["value"])
        else:
            builder.emit(nid)
    outputs = [_value_info(onnx, nid, graph.shapes[nid], False) for nid in plan.outputs]
    body = onnx.helper.make_graph(
        builder.nodes, doc.name or "graphlab", inputs, outputs, builder.initializers
    )
    body.doc_string = doc.description
    opset = onnx.helper.make_opsetid("", opset_version(graph, plan.nodes))
    model = onnx.helper.make_model(body, opset_imports=[opset], producer_name="graphlab")
    model.ir_version = onnx.helper.find_min_ir_version_for([opset])
    if stored:
        onnx_metadata(onnx, model, *stored, preprocess)
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise ExportError(f"{doc.name}: the ONNX model does not check: {exc}") from None
    return model


def opset_version(graph, nodes) -> int:
    """:data:`OPSET`, or 19 where a pad wraps around (Pad's wrap mode is new in opset 19)."""
    wraps = any(graph.nodes[n].op == "pad" and graph.attrs[n]["mode"] == "wrap" for n in nodes)
    return 19 if wraps else OPSET


def _value_info(onnx, name: str, shape, integer: bool):
    dims = [BATCH_DIM if d is None else d for d in shape]
    elem = onnx.TensorProto.INT64 if integer else onnx.TensorProto.FLOAT
    return onnx.helper.make_tensor_value_info(name, elem, dims)


def export_onnx(
    doc: GraphDocument, path: str | os.PathLike, include_loss: bool = False, preprocess="embed"
) -> None:
    """Write ``doc`` to ``path`` as an ONNX model, atomically (``preprocess``: see
    :func:`to_onnx_model`)."""
    data = to_onnx_model(doc, include_loss, preprocess).SerializeToString()
    write_atomically(Path(path), lambda f: f.write(data))
