"""Reading an ONNX file's bytes and tensors within the budget, with one error per fault.

:func:`read_model` parses the file itself (a regular file, within the memory budget; an empty
file is "not an ONNX model") and loads external data only from regular files inside the
model's folder, never through a symlink, each length checked against the file and the budget.
:func:`tensor_array` turns an initializer or constant into numpy after checking its declared
dims and data type, and refuses NaN or infinite values naming the tensor. Every error of the
onnx library becomes a :class:`FileFormatError` naming the file.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from engine.errors import FileFormatError
from graphlab.budget import check_bytes, read_file, regular_file


def read_model(onnx, path: Path):
    """The ``ModelProto`` in ``path`` with its external data loaded (checked) into memory."""
    from google.protobuf.message import DecodeError  # installed with onnx

    raw = read_file(path, FileFormatError, "the model")
    if not raw:
        raise FileFormatError(f"{path}: not an ONNX model (the file is empty)")
    try:
        model = onnx.load_model_from_string(raw)
    except (DecodeError, ValueError, TypeError, RuntimeError, RecursionError):
        raise FileFormatError(f"{path}: not an ONNX model (the protobuf data is damaged)") from None
    if not model.HasField("graph"):
        raise FileFormatError(f"{path}: not an ONNX model (it holds no graph)")
    if not all(isinstance(text, str) for text in _names(model.graph)):
        raise FileFormatError(f"{path}: not an ONNX model (a name in it is not UTF-8 text)")
    for tensor in _tensors(model.graph):
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            _load_external(onnx, tensor, path)
    return model


def _names(graph):
    """Every name and op type in ``graph`` (protobuf hands back bytes for invalid UTF-8)."""
    yield graph.name
    for node in graph.node:
        yield from (node.op_type, node.name, node.domain, *node.input, *node.output)
        yield from (attr.name for attr in node.attribute)
    for value in (*graph.input, *graph.output, *graph.initializer, *graph.value_info):
        yield value.name
    for tensor in graph.initializer:
        yield from (entry.key for entry in tensor.external_data)
        yield from (entry.value for entry in tensor.external_data)


def _tensors(graph):
    """Every tensor stored in ``graph``: initializers and Constant nodes' values."""
    yield from graph.initializer
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t


def _load_external(onnx, tensor, path: Path) -> None:
    """Read a tensor's external data into ``raw_data`` after checking where and how much."""
    info = {entry.key: entry.value for entry in tensor.external_data}
    name = f"tensor {tensor.name!r}"
    location = info.get("location", "")
    folder = path.resolve().parent
    file = Path(os.path.normpath(folder / location))
    if not location or os.path.isabs(location) or ".." in Path(location).parts:
        raise FileFormatError(
            f"{path}: {name}: its external data must be a file in the model's folder"
        )
    if file.resolve() != file:  # a symlink on the way
        raise FileFormatError(f"{path}: {name}: its external data must not be a symlink")
    try:
        size = regular_file(file, FileFormatError)
    except FileFormatError as exc:
        raise FileFormatError(f"{path}: {name}: external data {exc}") from None
    try:
        offset, length = int(info.get("offset", 0)), int(info.get("length", size))
    except ValueError:
        raise FileFormatError(f"{path}: {name}: invalid external data offset or length") from None
    expected = _declared_bytes(onnx, tensor, path)
    if offset < 0 or length != expected:
        raise FileFormatError(
            f"{path}: {name}: external data of {length} bytes at offset {offset}, "
            f"but its dims and type need {expected} bytes"
        )
    check_bytes(length, file, f"{name}'s data", FileFormatError, room=max(size - offset, 0))
    try:
        with open(file, "rb") as f:
            f.seek(offset)
            data = f.read(length)
    except OSError as exc:
        raise FileFormatError(f"{file}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) != length:
        raise FileFormatError(f"{file}: {name}'s external data is truncated")
    del tensor.external_data[:]
    tensor.data_location = onnx.TensorProto.DEFAULT
    tensor.raw_data = data


def _declared_bytes(onnx, tensor, where) -> int:
    """Bytes a tensor's dims and data type declare, checked against the budget."""
    name = f"tensor {tensor.name!r}"
    try:
        dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type))
    except (KeyError, TypeError, ValueError):
        raise FileFormatError(
            f"{where}: {name} has an unknown data type ({tensor.data_type})"
        ) from None
    if any(d < 0 for d in tensor.dims):
        raise FileFormatError(f"{where}: {name} declares a negative dimension {list(tensor.dims)}")
    nbytes = math.prod(tensor.dims) * dtype.itemsize
    check_bytes(nbytes, where, f"{name} of dims {list(tensor.dims)}", FileFormatError)
    return nbytes


def tensor_array(onnx, tensor, where) -> np.ndarray:
    """A stored tensor as numpy: dims and type checked first, values finite."""
    name = f"tensor {tensor.name!r}"
    _declared_bytes(onnx, tensor, where)
    if tensor.data_location == onnx.TensorProto.EXTERNAL:
        raise FileFormatError(f"{where}: {name}: its external data was not loaded")
    try:
        array = onnx.numpy_helper.to_array(tensor)
    except Exception as exc:  # the onnx library's many errors for malformed tensors
        raise FileFormatError(
            f"{where}: {name} holds no usable data for dims {list(tensor.dims)} "
            f"({type(exc).__name__})"
        ) from None
    if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
        raise FileFormatError(f"{where}: {name} holds NaN or infinite values")
    return array
