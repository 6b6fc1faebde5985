"""An ONNX model as an editable document: the ops of classification CNNs.

Graph inputs become input nodes (an unknown dimension becomes -1); initializers and
``Constant`` values used as data become parameter nodes holding their values (constant
nodes when 0-d), and each supported ONNX node becomes one engine node, or a few, named after
its output tensor; ``Flatten`` + ``Gemm`` is the affine layer. Tensors that act as settings
(a ``Reshape`` shape, ``Reduce*`` axes, ``Pad`` sizes, batchnorm running statistics, a
``Dropout`` ratio) become attrs or op state; they may be initializers, ``Constant`` nodes or
graph inputs whose value is given (``values``, e.g. ``graphlab run --input``). Shapes and
element types come from ONNX's shape inference. A model with a cross-entropy loss gets its
last output as the loss node. Positions come from :func:`graphlab.layout.layered_positions`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from engine.errors import FileFormatError, GraphLabError
from engine.ops import get_op
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.export import ExportError, python_names
from graphlab.export.onnx_export import require_onnx
from graphlab.export.onnx_handlers import HANDLERS, INTEGER_OK, SAME_OPS
from graphlab.export.onnx_read import read_model, tensor_array
from graphlab.layout import layered_positions

#: TensorProto element types of integer and boolean tensors
INTEGER_TYPES = {2, 3, 4, 5, 6, 7, 9, 12, 13}
BOOL = 9


class _Importer:
    """Builds a document from one ONNX graph, node by node."""

    def __init__(self, onnx, model, name: str, where, values=None) -> None:
        self.onnx, self.model, self.where = onnx, model, where
        self.doc = GraphDocument(name, model.graph.doc_string or f"imported from {name}.onnx")
        self.arrays = {i.name: tensor_array(onnx, i, where) for i in model.graph.initializer}
        self.inputs = {v.name: v for v in model.graph.input if v.name not in self.arrays}
        self.values = {k: np.asarray(v) for k, v in (values or {}).items() if k in self.inputs}
        self.types = _value_types(onnx, model)
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
        """The node computing ``tensor``: a graph input becomes an input node (a parameter when
        it feeds a weight, ``init`` given, and its value is given); a constant becomes a
        parameter node, or a constant node when 0-d."""
        if tensor in self.ids:
            return self.ids[tensor]
        if tensor in self.inputs and not (init and tensor in self.values):
            return self._input(self.inputs[tensor])
        value = self.array(tensor, "tensor")
        if value.ndim == 0:
            return self.add("constant", tensor, value=value.item())
        init = init or ("he" if value.ndim > 1 else "zeros")
        nid = self.add("parameter", tensor, shape=list(value.shape), init=init)
        self.doc.set_params({nid: np.asarray(value, dtype=np.float32)})
        return nid

    def constant(self, tensor: str, value) -> str:
        """A parameter (or 0-d constant) node holding ``value`` as ``tensor``."""
        self.arrays[tensor] = np.asarray(value, dtype=np.float32)
        return self.node_of(tensor)

    def array(self, tensor: str, what: str) -> np.ndarray:
        """A constant: an initializer, a Constant node's value or a given graph input's value."""
        if tensor in self.arrays:
            return self.arrays[tensor]
        if tensor in self.values:
            return self.values[tensor]
        if tensor in self.inputs:
            raise ExportError(
                f"{what} {tensor!r} is a graph input: give its value "
                f"(graphlab run --input {tensor}=FILE.npy)"
            )
        raise ExportError(f"{what} {tensor!r} must be a constant (an initializer)")

    def shape(self, tensor: str):
        """The tensor's shape (None for an unknown size), or None when even its rank is unknown."""
        if tensor in self.arrays:
            return self.arrays[tensor].shape
        return self.types.get(tensor, (None, None))[1]

    def is_integer(self, tensor: str) -> bool:
        return self.types.get(tensor, (None, None))[0] in INTEGER_TYPES

    # -- the graph -------------------------------------------------------------------------

    def run(self) -> GraphDocument:
        graph = self.model.graph
        known = set(HANDLERS) | set(SAME_OPS)
        unknown = sorted({n.op_type for n in graph.node} - known)
        if unknown:
            raise ExportError(
                f"cannot import: unsupported ONNX ops {', '.join(unknown)} "
                f"(supported: {', '.join(sorted(known))})"
            )
        for node in graph.node:
            try:
                self._node(node)
            except FileFormatError:
                raise
            except (GraphLabError, TypeError, ValueError) as exc:
                raise ExportError(f"ONNX node {_node_name(node)} ({node.op_type}): {exc}") from None
            except (IndexError, KeyError):
                raise ExportError(
                    f"ONNX node {_node_name(node)} ({node.op_type}): an input or output is missing"
                ) from None
        for output in graph.output:
            if output.name not in self.ids and output.name in self.arrays:
                value = self.arrays[output.name]
                self.add("constant", output.name, value=value.tolist())
        missing = [o.name for o in graph.output if o.name not in self.ids]
        if missing:
            raise ExportError(f"no node computes the graph outputs {', '.join(missing)}")
        if self.doc.loss:
            self.doc.set_loss(self.ids[graph.output[-1].name])
        return self.doc

    def _node(self, node) -> None:
        attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        attrs = {k: v.decode() if isinstance(v, bytes) else v for k, v in attrs.items()}
        if node.op_type not in INTEGER_OK and node.input and self.is_integer(node.input[0]):
            raise ExportError(
                "integer tensors: GraphLab computes this op in floating point, which would "
                "change ONNX's integer result"
            )
        if node.op_type in SAME_OPS:
            inputs = [self.node_of(t) for t in node.input]
            self.add(SAME_OPS[node.op_type], node.output[0], inputs)
        else:
            HANDLERS[node.op_type](self, node, attrs)

    def _input(self, value) -> str:
        tensor = value.type.tensor_type
        if not value.type.HasField("tensor_type") or not tensor.HasField("shape"):
            raise ExportError(f"input {value.name!r} has no tensor shape")
        dims = [d.dim_value if d.HasField("dim_value") else -1 for d in tensor.shape.dim]
        if tensor.elem_type == BOOL and 0 in dims:
            raise ExportError(f"input {value.name!r} is an empty boolean tensor (GraphLab holds booleans as integers, whose extremes over no values differ)")  # fmt: skip
        if dims.count(-1) > 1:
            raise ExportError(
                f"input {value.name!r}: only one dimension may be unknown, got {dims}"
            )
        dtype = "int" if tensor.elem_type in INTEGER_TYPES else "float"
        nid = self.add("input", value.name, shape=dims, dtype=dtype)
        if value.name in self.values:
            self.doc.set_input_value(nid, self.values[value.name])
        return nid


def _value_types(onnx, model) -> dict:
    """tensor name -> (element type, shape with None for unknown sizes) from ONNX's shape
    inference (what it cannot infer is left out)."""
    try:
        inferred = onnx.shape_inference.infer_shapes(model).graph
    except Exception:  # inference is a help only; the import checks shapes itself
        inferred = model.graph
    types = {}
    for value in (*inferred.input, *inferred.value_info, *inferred.output):
        tensor = value.type.tensor_type
        shape = None
        if tensor.HasField("shape"):
            shape = tuple(
                d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim
            )
        types[value.name] = (tensor.elem_type, shape)
    return types


def _node_name(node) -> str:
    return repr(node.name or (node.output[0] if node.output else "(unnamed)"))


def document_from_onnx(model, name: str = "imported", where=None, values=None) -> GraphDocument:
    """An editable, laid-out document of an ONNX ``ModelProto``; ExportError names what fails
    (FileFormatError, naming ``where``, for tensors whose data is unusable). ``values`` gives
    graph inputs that feed settings or weights (name -> array)."""
    onnx = require_onnx()
    doc = _Importer(onnx, model, model.graph.name or name, where or name, values).run()
    try:
        doc.compile()
    except GraphLabError as exc:
        raise ExportError(f"{name}: the imported graph does not compile: {exc}") from None
    for nid, pos in layered_positions(doc).items():
        doc.move_node(nid, pos)
    return doc


def import_onnx(path: str | os.PathLike, values=None) -> GraphDocument:
    """Read the ONNX file at ``path`` as a document (named after its graph, or the file)."""
    onnx = require_onnx()
    path = Path(path)
    model = read_model(onnx, path)
    try:
        return document_from_onnx(model, path.stem, path, values)
    except ExportError as exc:
        raise ExportError(f"{path}: {exc}") from None
