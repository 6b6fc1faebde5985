"""A corpus of hostile inputs, built small on disk: bombs declare sizes, they do not hold them.

Each builder writes its files into a folder and returns the ``graphlab`` arguments that read
them. Used by test_hostile_corpus.py (every case through the command line under an
address-space limit) and test_budget.py.
"""

from __future__ import annotations

import copy
import gzip
import io
import json
import os
import pickle
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

from graphlab.examples import EXAMPLES_DIR, open_graph
from graphlab.fileformat import save_document

CNN = json.loads((EXAMPLES_DIR / "cnn-digits.json").read_text())
BN = json.loads((EXAMPLES_DIR / "batchnorm-dropout-mlp.json").read_text())


# -- byte-level helpers ---------------------------------------------------------------------


def npy_header(shape, descr="<f8") -> bytes:
    """An npy v1 header declaring ``shape`` (no values follow)."""
    text = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)})
    text += " " * (-(10 + len(text) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()


def zip_bytes(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def patch_declared_size(raw: bytes, name: str, size: int) -> bytes:
    """Make the central directory declare ``size`` uncompressed bytes for member ``name``."""
    raw = bytearray(raw)
    at = raw.index(b"PK\x01\x02")
    while True:
        name_len = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + name_len] == name.encode():
            struct.pack_into("<I", raw, at + 24, size)
            return bytes(raw)
        at = raw.index(b"PK\x01\x02", at + 4)


def project(graph: dict, params: bytes | None) -> bytes:
    members = {"graph.json": json.dumps(graph).encode()}
    if params is not None:
        members["params.npz"] = params
    return zip_bytes(members)


def with_dataset(spec: dict, split: dict | None = None) -> dict:
    graph = copy.deepcopy(CNN)
    graph["dataset"]["spec"] = spec
    if split is not None:
        graph["dataset"]["split"] = split
    return graph


def png_declaring(width: int, height: int) -> bytes:
    """A 2x2 PNG whose header says width x height (Pillow reads only the header on open)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (2, 2)).save(buffer, "PNG")
    raw = bytearray(buffer.getvalue())
    struct.pack_into(">II", raw, 16, width, height)
    struct.pack_into(">I", raw, 29, zlib.crc32(bytes(raw[12:29])))
    return bytes(raw)


def gzip_bomb(gigabytes: int = 1) -> bytes:
    """gzip members of 64 MiB of zeros each, 1 GiB per gigabyte (about 64 KiB each on disk)."""
    return gzip.compress(bytes(64 * 2**20), compresslevel=9) * (16 * gigabytes)


# -- pickles made by hand (what pickle.dumps would never write) -------------------------------


def pickle_call(module: str, name: str, args: bytes, arity: int) -> bytes:
    """Opcodes calling module.name with ``arity`` arguments already encoded in ``args``."""
    tuple_op = {1: b"\x85", 2: b"\x86", 3: b"\x87"}[arity]
    return f"c{module}\n{name}\n".encode() + args + tuple_op + b"R"


def binint(value: int) -> bytes:
    return b"J" + struct.pack("<i", value)


def pickled_batch(data_opcodes: bytes) -> bytes:
    """A protocol-3 pickle of {b'data': <opcodes>, b'labels': [0]}."""
    return (
        b"\x80\x03}(C\x04data" + data_opcodes + b"C\x06labels]K\x00au."
    )  # EMPTY_DICT MARK key value key [0] SETITEMS STOP


def shared_leaves_labels() -> bytes:
    """A CIFAR batch whose labels list shares sub-lists: 10^10 leaves from a few hundred bytes."""
    level = [0] * 10
    for _ in range(9):
        level = [level] * 10
    return pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": level}, protocol=2)


# -- ONNX models -----------------------------------------------------------------------------


def onnx_model(initializers=(), nodes=None, inputs=None, outputs=None):
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])
    nodes = nodes if nodes is not None else [helper.make_node("Add", ["x", "w"], ["y"])]
    graph = helper.make_graph(nodes, "g", inputs or [x], outputs or [y], list(initializers))
    return helper.make_model(graph).SerializeToString()


def onnx_external(tmp: Path, location: str, length: int | None = 16) -> bytes:
    from onnx import TensorProto

    tensor = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4])
    tensor.data_location = TensorProto.EXTERNAL
    entries = {"location": location, **({"length": str(length)} if length is not None else {})}
    for key, value in entries.items():
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return onnx_model([tensor])


# -- the corpus ----------------------------------------------------------------------------


def _write(tmp: Path, name: str, data: bytes) -> str:
    (tmp / name).write_bytes(data)
    return str(tmp / name)


def _graph(tmp: Path, graph: dict, name: str = "g.json") -> str:
    return _write(tmp, name, json.dumps(graph).encode())


def _run(tmp: Path, spec: dict, split: dict | None = None) -> list[str]:
    return ["run", _graph(tmp, with_dataset(spec, split))]


def _mnist(tmp: Path, images: str, labels: bytes | None = None) -> list[str]:
    labels_path = _write(tmp, "labels.idx", labels or b"\0\0\x08\x01\0\0\0\x01\x00")
    return _run(tmp, {"format": "mnist", "images": images, "labels": labels_path})


def _saved_project(tmp: Path, example: str) -> bytes:
    save_document(open_graph(example), tmp / "good.graphlab")
    return (tmp / "good.graphlab").read_bytes()


def _fifo(tmp: Path) -> str:
    os.mkfifo(tmp / "fifo")
    return str(tmp / "fifo")


def _onnx(tmp: Path, data: bytes) -> list[str]:
    return ["import", _write(tmp, "m.onnx", data), "-o", str(tmp / "out.graphlab")]


def _tensor(name="w", dims=(4,), data_type=1, raw: bytes | None = None, floats=None):
    from onnx import TensorProto

    tensor = TensorProto(name=name, data_type=data_type, dims=list(dims))
    if raw is not None:
        tensor.raw_data = raw
    if floats is not None:
        tensor.float_data.extend(floats)
    return tensor


def _flipped(tmp: Path, member: str) -> bytes:
    """The cnn-digits project with one byte flipped in the middle of ``member``'s deflate data."""
    raw = bytearray(_saved_project(tmp, "cnn-digits"))
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = archive.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0x5A
    return bytes(raw)


def _conv_missing_input():
    from onnx import helper

    w = _tensor("w", (2, 1, 3, 3), floats=[0.1] * 18)
    node = helper.make_node("Conv", ["x"], ["y"], kernel_shape=[3, 3])
    return onnx_model([w], [node])


def _gemm_missing_input():
    from onnx import helper

    return onnx_model([], [helper.make_node("Gemm", ["x"], ["y"])])


CASES = {
    # projects and graphs
    "npy header declares 10^11 float64": lambda t: [
        "describe",
        _write(t, "p.graphlab", project(CNN, zip_bytes({"param:fc_W.npy": npy_header((10**11,))}))),
    ],
    "params member declares 4 GB (zip bomb)": lambda t: [
        "run",
        _write(t, "p.graphlab", patch_declared_size(_saved_project(t, "cnn-digits"), "params.npz", 4_000_000_000)),
    ],
    "graph.json deflate stream with a flipped byte": lambda t: ["run", _write(t, "p.graphlab", _flipped(t, "graph.json"))],
    "params.npz deflate stream with a flipped byte": lambda t: ["run", _write(t, "p.graphlab", _flipped(t, "params.npz"))],
    "JSON with a 5000-digit integer": lambda t: [
        "describe",
        _write(t, "g.json", b'{"format": "graphlab", "version": ' + b"9" * 5000 + b', "nodes": []}'),
    ],
    "training progress that is not a number": lambda t: [
        "train", _graph(t, {**CNN, "training": {**CNN["training"], "progress": {"step": "many"}}}), "--epochs", "1",
    ],
    "graph path is a FIFO": lambda t: ["describe", _fifo(t)],
    "graph path is /dev/zero": lambda t: ["run", "/dev/zero"],
    "graph path is a folder": lambda t: ["describe", str(t)],
    # datasets
    "MNIST images: a gzip bomb": lambda t: _mnist(t, _write(t, "images.gz", gzip_bomb())),
    "MNIST images: IDX dims beyond the file": lambda t: _mnist(t, _write(t, "images.idx", b"\0\0\x08\x03" + struct.pack(">III", 60000, 28000, 28000))),
    "MNIST images: /dev/zero": lambda t: _mnist(t, "/dev/zero"),
    "MNIST images: a FIFO": lambda t: _mnist(t, _fifo(t)),
    "MNIST images: a text file": lambda t: _mnist(t, _write(t, "images.txt", b"SECRET-CONTENT line one\n")),
    "MNIST images: a folder": lambda t: _mnist(t, str(t)),
    "CIFAR batch: a gzip bomb": lambda t: _run(t, {"format": "cifar10", "path": _write(t, "data_batch_1", gzip_bomb())}),
    "CIFAR batch: shared list leaves": lambda t: _run(t, {"format": "cifar10", "path": _write(t, "data_batch_1", shared_leaves_labels())}),
    "CIFAR batch: ndarray of 300,000 images": lambda t: _run(t, {"format": "cifar10", "path": _write(t, "data_batch_1", pickled_batch(pickle_call("numpy", "ndarray", binint(300_000) + binint(3072) + b"\x86" + b"X\x01\x00\x00\x00B", 2)))}),
    "CIFAR batch: bytearray of 921,600,000 bytes": lambda t: _run(t, {"format": "cifar10", "path": _write(t, "data_batch_1", pickled_batch(pickle_call("builtins", "bytearray", binint(921_600_000), 1)))}),
    "CIFAR batch: a text file": lambda t: _run(t, {"format": "cifar10", "path": _write(t, "data_batch_1", b"SECRET-CONTENT\n" * 205)}),
    "npz: a member declaring 3 GiB": lambda t: _run(t, {"format": "npz", "path": _write(t, "d.npz", patch_declared_size(zip_bytes({"X.npy": npy_header((2, 4)) + bytes(64), "y.npy": npy_header((2,), "<i8") + bytes(16)}, zipfile.ZIP_STORED), "X.npy", 3 * 2**30))}),
    "npz: X declares 10^11 values": lambda t: _run(t, {"format": "npz", "path": _write(t, "d.npz", zip_bytes({"X.npy": npy_header((10**11, 1)), "y.npy": npy_header((2,), "<i8") + bytes(16)}))}),
    "npz: labels hold 2^62": lambda t: _run(t, {"format": "npz", "path": _npz(t, X=np.zeros((2, 4)), y=np.array([0, 2**62]))}),
    "split seed -1": lambda t: ["run", _graph(t, {**CNN, "dataset": {**CNN["dataset"], "split": {"val": 0.2, "test": 0.1, "seed": -1}}})],
    "image folder: three 12000x12000 PNGs": lambda t: _run(t, {"format": "folder", "path": _image_folder(t, png_declaring(12000, 12000))}),
    "image folder: an image that is a FIFO": lambda t: _run(t, {"format": "folder", "path": _image_folder(t, None)}),
    # ONNX models
    "ONNX: an empty file": lambda t: _onnx(t, b""),
    "ONNX: random bytes": lambda t: _onnx(t, bytes(range(256)) * 4),
    "ONNX: NaN initializer": lambda t: _onnx(t, onnx_model([_tensor(floats=[1.0, float("nan"), 0.0, 0.0])])),
    "ONNX: initializer without data": lambda t: _onnx(t, onnx_model([_tensor()])),
    "ONNX: initializer of unknown data type": lambda t: _onnx(t, onnx_model([_tensor(data_type=99, raw=bytes(16))])),
    "ONNX: initializer dims 10^5 x 10^5 x 10^5": lambda t: _onnx(t, onnx_model([_tensor(dims=(100_000,) * 3)])),
    "ONNX: external data missing": lambda t: _onnx(t, onnx_external(t, "missing.bin")),
    "ONNX: external data absolute": lambda t: _onnx(t, onnx_external(t, "/etc/passwd")),
    "ONNX: external data outside the folder": lambda t: _onnx(t, onnx_external(t, "../outside.bin")),
    "ONNX: external data through a symlink": lambda t: _onnx(t, _symlinked_external(t)),
    "ONNX: external data shorter than declared": lambda t: _onnx(t, _short_external(t)),
    "ONNX: Conv missing its weight input": lambda t: _onnx(t, _conv_missing_input()),
    "ONNX: Gemm missing its weight input": lambda t: _onnx(t, _gemm_missing_input()),
}  # fmt: skip


def _npz(tmp: Path, **arrays) -> str:
    np.savez(tmp / "d.npz", **arrays)
    return str(tmp / "d.npz")


def _image_folder(tmp: Path, png: bytes | None) -> str:
    root = tmp / "images"
    for label in ("a", "b", "c"):
        (root / label).mkdir(parents=True)
        if png is None:
            os.mkfifo(root / label / "0.png")
        else:
            (root / label / "0.png").write_bytes(png)
    return str(root)


def _symlinked_external(tmp: Path) -> bytes:
    (tmp / "real.bin").write_bytes(bytes(16))
    (tmp / "link.bin").symlink_to(tmp / "real.bin")
    return onnx_external(tmp, "link.bin")


def _short_external(tmp: Path) -> bytes:
    (tmp / "w.bin").write_bytes(bytes(8))
    return onnx_external(tmp, "w.bin", length=None)


#: stale extras (issue 24): dropped with a warning, the graph opens (status 0)
STALE = {
    "batchnorm state of the wrong shape": lambda t: [
        "run",
        _write(t, "p.graphlab", project(BN, zip_bytes({"state:bn1:running_mean.npy": npy_header((3,), "<f4") + bytes(12)}))),
    ],
    "state on a node without state": lambda t: [
        "run",
        _write(t, "p.graphlab", project(CNN, zip_bytes({"state:relu1:running_mean.npy": npy_header((8,), "<f4") + bytes(32)}))),
    ],
}  # fmt: skip
