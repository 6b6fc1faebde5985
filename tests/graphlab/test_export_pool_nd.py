"""Pooling over 1-D (N, C, L) and 3-D (N, C, D, H, W) inputs and wrap padding through the ONNX
export (run by onnxruntime) and import, and the PyTorch export (outputs and gradients)."""

import numpy as np
import pytest

from graphlab.document import GraphDocument
from graphlab.templates import add_op
from tests.graphlab.test_export_onnx import assert_round_trip, assert_runtime_matches_engine
from tests.graphlab.test_export_torch import assert_torch_matches_engine


@pytest.fixture(scope="module")
def ort():
    pytest.importorskip("onnx", reason="the export extra is not installed")
    return pytest.importorskip("onnxruntime", reason="the export extra is not installed")


def pools_nd(with_loss: bool) -> tuple[GraphDocument, dict]:
    """Max and average pooling with uneven pads, ceil mode and dilation over a signal
    (N, 2, 11) and a volume (N, 2, 5, 6, 7); ``with_loss`` adds every output's mean."""
    doc = GraphDocument("pools-nd")
    add_op(doc, "input", id="signal", shape=[-1, 2, 11])
    add_op(doc, "input", id="volume", shape=[-1, 2, 5, 6, 7])
    outputs = [
        add_op(
            doc, "maxpool", "signal", id="max1d", kernel=3, stride=2, pads=[1, 2], dilation=2
        ),  # fmt: skip
        add_op(
            doc, "avgpool", "signal", id="avg1d", kernel=3, stride=2, pads=[1, 1], ceil_mode=True
        ),  # fmt: skip
        add_op(
            doc,
            "maxpool",
            "volume",
            id="max3d",
            kernel=2,
            stride=2,
            pads=[1, 0, 0, 0, 0, 0],
            ceil_mode=True,
        ),  # fmt: skip
        add_op(
            doc,
            "avgpool",
            "volume",
            id="avg3d",
            kernel=3,
            stride=2,
            pads=[1, 1, 1, 1, 1, 1],
            count_include_pad=True,
        ),  # fmt: skip
    ]
    if with_loss:
        loss = add_op(doc, "mean", outputs[0])
        for node in outputs[1:]:
            loss = add_op(doc, "add", loss, add_op(doc, "mean", node))
        doc.loss = loss
    rng = np.random.default_rng(5)
    feeds = {"signal": rng.standard_normal((3, 2, 11)), "volume": rng.standard_normal((2, 2, 5, 6, 7))}  # fmt: skip
    return doc, feeds


def test_1d_and_3d_pooling_agree_with_onnxruntime_and_import_back(ort):
    doc, feeds = pools_nd(with_loss=False)
    outputs = assert_runtime_matches_engine(ort, doc, feeds)
    assert set(outputs) == {"max1d", "avg1d", "max3d", "avg3d"}
    imported = assert_round_trip(doc, feeds)
    assert imported.compile().shapes["max3d"] == (None, 2, 3, 3, 4)


def test_1d_and_3d_pooling_export_to_pytorch_with_gradients(torch, tmp_path):
    doc, feeds = pools_nd(with_loss=True)
    written = assert_torch_matches_engine(torch, doc, feeds, tmp_path)
    text = written[0].read_text()
    assert "F.max_pool1d(" in text and "F.avg_pool3d(" in text


def wrap_padded(with_loss: bool) -> tuple[GraphDocument, dict]:
    """An image batch (N, 2, 4, 5) padded around H and W by wrapping around (``with_loss``:
    then its mean)."""
    doc = GraphDocument("wrap-pad")
    add_op(doc, "input", id="x", shape=[-1, 2, 4, 5])
    add_op(doc, "pad", "x", id="wrapped", pads=[0, 0, 3, 1, 0, 0, 2, 4], mode="wrap")
    if with_loss:
        doc.loss = add_op(doc, "mean", "wrapped", id="loss")
    return doc, {"x": np.random.default_rng(6).standard_normal((3, 2, 4, 5))}


def test_wrap_padding_exports_to_pytorch_and_to_onnx_opset_19_and_imports_back(ort, torch, tmp_path):  # fmt: skip
    from graphlab.export.onnx_export import to_onnx_model

    doc, feeds = wrap_padded(with_loss=True)
    written = assert_torch_matches_engine(torch, doc, feeds, tmp_path)
    assert "mode='circular'" in written[0].read_text()
    doc, feeds = wrap_padded(with_loss=False)
    model = to_onnx_model(doc)
    assert [o.version for o in model.opset_import] == [19]  # Pad's wrap mode
    assert [n.op_type for n in model.graph.node] == ["Pad"]
    assert assert_runtime_matches_engine(ort, doc, feeds) == ["wrapped"]
    imported = assert_round_trip(doc, feeds)
    assert imported.nodes["wrapped"].attrs["mode"] == "wrap"
    assert imported.compile().shapes["wrapped"] == (None, 2, 9, 10)
