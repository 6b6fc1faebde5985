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

from engine.errors import FileFormatError, GraphLabError
from engine.ops import get_op
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.export import ExportError, python_names
from graphlab.export.onnx_export import require_onnx
from graphlab.export.onnx_handlers import HANDLERS, SAME_OPS
from graphlab.export.onnx_read import read_model, tensor_array
from graphlab.layout import layered_positions

INTEGER_TYPES = {6, 7}  # TensorProto INT32, INT64


class _Importer:
    """Builds a document from one ONNX graph, node by node."""

    def __init__(self, onnx, model, name: str, where) -> None:
        self.onnx, self.model, self.where = onnx, model, where
        self.doc = GraphDocument(name, model.graph.doc_string or f"imported from {name}.onnx")
        self.arrays = {i.name: tensor_array(onnx, i, where) for i in model.graph.initializer}
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
            try:
                attrs = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
                if node.op_type in SAME_OPS:
                    inputs = [self.node_of(t) for t in node.input]
                    self.add(SAME_OPS[node.op_type], node.output[0], inputs)
                else:
                    HANDLERS[node.op_type](self, node, attrs)
            except FileFormatError:
                raise
            except (GraphLabError, TypeError, ValueError) as exc:
                raise ExportError(f"ONNX node {_node_name(node)} ({node.op_type}): {exc}") from None
            except (IndexError, KeyError):
                raise ExportError(
                    f"ONNX node {_node_name(node)} ({node.op_type}): an input or output is missing"
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


def _node_name(node) -> str:
    return repr(node.name or (node.output[0] if node.output else "(unnamed)"))


def document_from_onnx(model, name: str = "imported", where=None) -> GraphDocument:
    """An editable, laid-out document of an ONNX ``ModelProto``; ExportError names what fails
    (FileFormatError, naming ``where``, for tensors whose data is unusable)."""
    onnx = require_onnx()
    doc = _Importer(onnx, model, model.graph.name or name, where or name).run()
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
    path = Path(path)
    model = read_model(onnx, path)
    try:
        return document_from_onnx(model, path.stem, path)
    except ExportError as exc:
        raise ExportError(f"{path}: {exc}") from None
