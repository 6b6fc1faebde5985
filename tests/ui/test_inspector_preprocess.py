"""The inspector shows the preprocessing statistics a project keeps (issue 27), on the
document's summary and on the data input node, and only says they will be fitted before a
run has trained."""

import numpy as np
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QLabel

from graphlab.examples import open_graph
from graphlab.preprocess_store import record_settings, with_record
from ui.inspector import Inspector

RECORD = {
    "center": "mean",
    "mean": (np.arange(64, dtype=float).reshape(1, 8, 8) / 8).tolist(),
    "scale": [[[16.0]]],
    "pixel_top": 16.0,
    "dark_background": True,
    "fingerprint": {"samples": 1257, "sum": 1.0, "sum_squares": 2.0},
}


def texts(inspector) -> dict[str, str]:
    return {w.objectName(): w.text() for w in inspector.findChildren(QLabel) if w.objectName()}


def test_the_stored_statistics_show_on_the_summary_and_the_data_input(qtbot, tmp_path):
    doc = open_graph("cnn-digits")
    inspector = Inspector(doc, QUndoStack())
    qtbot.addWidget(inspector)
    inspector.show_node(None)
    assert "preprocess:center" not in texts(inspector)  # not trained: nothing stored yet
    assert any("fitted on the training split when a run starts" in w.text() for w in inspector.findChildren(QLabel))  # fmt: skip
    record = {**RECORD, "settings": record_settings(doc.dataset)}  # fitted on this binding
    doc.set_dataset(with_record(doc.dataset, record))
    inspector.show_node("x")
    shown = texts(inspector)
    assert shown["preprocess:center"] == "mean"
    assert shown["preprocess:mean"] == "(1, 8, 8): 0 .. 7.875"
    assert shown["preprocess:fitted on"] == "1257 training samples"
    inspector.resize(360, 700)
    inspector.grab().save(str(tmp_path / "inspector-preprocess.png"))
    inspector.show_node("conv1")
    assert "preprocess:center" not in texts(inspector)
