"""An ONNX model as an editable document: the op subset GraphLab's own export writes.

Graph inputs become input nodes (an unknown dimension becomes -1), initializers used as data
become parameter nodes holding their values (constant nodes when 0-d), and each supported
ONNX node becomes one engine node named after its output tensor; ``Flatten`` + ``Gemm`` is
the affine layer. Initializers that act as settings (a ``Reshape`` shape, ``Reduce*`` axes,
batchnorm running statistics, a ``Dropout`` ratio, a ``Pow`` exponent) become attrs or op
state. A model with a cross-entropy loss gets its last output as the loss node. Positions
come from :func:`graphlab.layout.layered_positions`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from engine.errors import GraphLabError
from engine.ops import get_op
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.export import ExportError, python_names
from graphlab.export.onnx_export import SAME_INPUTS, require_onnx
from graphlab.layout import layered_positions

#: ONNX op type -> engine op, for ops with the same inputs and no attributes
#: (Max and Min take any number of inputs in ONNX, so they have handlers of their own)
SAME_OPS = {onnx_op: op for op, onnx_op in SAME_INPUTS.items() if op not in ("max", "min")}
INTEGER_TYPES = {6, 7}  # TensorProto INT32, INT64


class _Importer:
    """Builds a document from one ONNX graph, node by node."""

    def __init__(self, onnx, model, name: str) -> None:
        self.onnx, self.model = onnx, model
        self.doc = GraphDocument(name, model.graph.doc_string or f"imported from {name}.onnx")
        self.arrays = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
        self.ids: dict[str, str] = {}  # tensor name -> node id
        self.taken: set[str] = set()

    # -- tensors and nodes -----------------------------------------------------------------

    def new_id(self, tensor: str) -> str:
        """A node id from a tensor name (PyTorch's ``/0/Conv_output_0`` gives ``n_0_Conv``)."""
        readable = re.sub(r"_output_0$", "", tensor)
        nid = python_names([readable], reserved=self.taken)[readable]
        self.taken.add(nid)
        return nid

    def add(self, op: str, tensor: str, inputs=(), **attrs) -> str:
        """An engine node computing ``tensor`` from the nodes ``inputs`` (in port order)."""
        nid = self.new_id(tensor)
        self.doc.add_node(DocNode(nid, op, attrs))
        for src, port in zip(inputs, get_op(op).inputs, strict=True):
            self.doc.add_edge(DocEdge(src, nid, port))
        self.ids[tensor] = nid
        return nid

    def node_of(self, tensor: str, init: str = "") -> str:
        """The node computing ``tensor``; an initializer becomes a parameter or constant node."""
        if tensor in self.ids:
            return self.ids[tensor]
        if tensor not in self.arrays:
            raise ExportError(f"tensor {tensor!r} is used before any node computes it")
        value = self.arrays[tensor]
        if value.ndim == 0:
            return self.add("constant", tensor, value=float(value))
        init = init or ("he" if value.ndim > 1 else "zeros")
        nid = self.add("parameter", tensor, shape=list(value.shape), init=init)
        self.doc.set_params({nid: np.asarray(value, dtype=np.float32)})
        return nid

    def array(self, tensor: str, what: str) -> np.ndarray:
        """A constant input (an initializer or a Constant node's value)."""
        if tensor not in self.arrays:
            raise ExportError(f"{what} {tensor!r} must be a constant (an initializer)")
        return self.arrays[tensor]

    # -- the graph -------------------------------------------------------------------------

    def run(self) -> GraphDocument:
        graph = self.model.graph
        unknown = sorted({n.op_type for n in graph.node} - set(HANDLERS) - set(SAME_OPS))
        if unknown:
            raise ExportError(
                f"cannot import: unsupported ONNX ops {', '.join(unknown)} "
                f"(supported: {', '.join(sorted(set(HANDLERS) | set(SAME_OPS)))})"
            )
        for value in graph.input:
            if value.name not in self.arrays:
                self._input(value)
        for node in graph.node:
            attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
            try:
                if node.op_type in SAME_OPS:
                    inputs = [self.node_of(t) for t in node.input]
                    self.add(SAME_OPS[node.op_type], node.output[0], inputs)
                else:
                    HANDLERS[node.op_type](self, node, attrs)
            except (GraphLabError, TypeError, ValueError) as exc:
                raise ExportError(
                    f"ONNX node {node.name or node.output[0]!r} ({node.op_type}): {exc}"
                ) from None
        missing = [o.name for o in graph.output if o.name not in self.ids]
        if missing:
            raise ExportError(f"no node computes the graph outputs {', '.join(missing)}")
        if self.doc.loss:
            self.doc.set_loss(self.ids[graph.output[-1].name])
        return self.doc

    def _input(self, value) -> None:
        tensor = value.type.tensor_type
        if not tensor.HasField("shape"):
            raise ExportError(f"input {value.name!r} has no shape")
        dims = [d.dim_value if d.dim_value > 0 else -1 for d in tensor.shape.dim]
        if dims.count(-1) > 1:
            raise ExportError(
                f"input {value.name!r}: only one dimension may be unknown, got {dims}"
            )
        dtype = "int" if tensor.elem_type in INTEGER_TYPES else "float"
        self.add("input", value.name, shape=dims, dtype=dtype)


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
    im.arrays[node.output[0]] = im.onnx.numpy_helper.to_array(attrs["value"])


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


def document_from_onnx(model, name: str = "imported") -> GraphDocument:
    """An editable, laid-out document of an ONNX ``ModelProto``; ExportError names what fails."""
    onnx = require_onnx()
    doc = _Importer(onnx, model, model.graph.name or name).run()
    try:
        doc.compile()
    except GraphLabError as exc:
        raise ExportError(f"{name}: the imported graph does not compile: {exc}") from None
    for nid, pos in layered_positions(doc).items():
        doc.move_node(nid, pos)
    return doc


def import_onnx(path: str | os.PathLike) -> GraphDocument:
    """Read the ONNX file at ``path`` as a document (named after its graph, or the file)."""
    onnx = require_onnx()
    from google.protobuf.message import DecodeError  # installed with onnx

    path = Path(path)
    try:
        model = onnx.load(str(path))
    except OSError as exc:
        raise ExportError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except DecodeError as exc:
        raise ExportError(f"{path}: not an ONNX model ({exc})") from None
    try:
        return document_from_onnx(model, path.stem)
    except ExportError as exc:
        raise ExportError(f"{path}: {exc}") from None
