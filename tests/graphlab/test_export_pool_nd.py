"""Pooling over 1-D (N, C, L) and 3-D (N, C, D, H, W) inputs through the ONNX export (run by
onnxruntime), the import of that file, and the PyTorch export (outputs and gradients)."""

import numpy as np

from graphlab.document import GraphDocument
from graphlab.templates import add_op
from tests.graphlab.test_export_onnx import (  # noqa: F401 (ort: a fixture)
    assert_round_trip,
    assert_runtime_matches_engine,
    ort,
)
from tests.graphlab.test_export_torch import assert_torch_matches_engine


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
