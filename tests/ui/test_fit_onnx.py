"""An ONNX model exported by PyTorch (a small CNN for the 8x8 digits), imported into the
window, bound to the digits in the training panel, given a loss there and trained one epoch."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from graphlab.binding import bind_dataset, inputs_of, loss_nodes
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.training import show_dashboard


@pytest.fixture
def digits_cnn_onnx(torch, tmp_path):
    """A conv-relu-pool-affine classifier for (N, 1, 8, 8) images, exported to ONNX."""
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(8 * 4 * 4, 10),
    ).float().eval()  # fmt: skip
    path = tmp_path / "digits_cnn.onnx"
    torch.onnx.export(
        model,
        torch.zeros(1, 1, 8, 8, dtype=torch.float32),
        str(path),
        dynamo=False,
        input_names=["image"],
        output_names=["scores"],
        dynamic_axes={"image": {0: "N"}, "scores": {0: "N"}},
    )
    return path


@pytest.fixture
def window(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "circuit-add-mul")
    window.resize(1600, 1000)
    yield window
    window.training.shutdown()


def choose_dataset(panel, name: str) -> None:
    """Pick ``name`` in the panel's dataset list as a click on the item does."""
    index = panel.dataset.findText(name)
    assert index > 0, name
    panel.dataset.setCurrentIndex(index)
    panel.dataset.activated.emit(index)


def test_imported_onnx_cnn_binds_to_digits_and_trains_one_epoch(window, qtbot, digits_cnn_onnx):
    assert window.export_menu.import_onnx(str(digits_cnn_onnx))
    doc, dashboard = window.doc, window.training
    show_dashboard(window)
    panel, row = dashboard.panel, dashboard.loss_row
    assert inputs_of(doc, "float") == ["image"] and not doc.dataset
    assert row.isVisible()  # no labels, no loss: the panel offers one
    choose_dataset(panel, "spiral")  # (N, 2) points cannot feed an image input
    assert panel.message.text() == (
        "input image takes (N, 1, 8, 8) but the dataset's samples are (N, 2): the shapes differ"
    )
    assert panel.dataset.currentIndex() == 0 and not doc.dataset
    choose_dataset(panel, "digits")
    assert doc.dataset["data_input"] == "image" and doc.dataset["spec"] == {"name": "digits"}
    before = {k: np.array(v) for k, v in doc.params.items()}
    qtbot.mouseClick(row.button, Qt.LeftButton)
    assert not row.isVisible() and doc.dataset["label_input"] in doc.nodes
    assert doc.nodes[doc.dataset["label_input"]].attrs["dtype"] == "int"
    assert window.stack.undoText() == "Add loss"
    panel.epochs.setValue(1)
    panel.batch_size.setValue(32)
    qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    assert dashboard.running, panel.message.text()
    qtbot.waitUntil(lambda: not dashboard.running, timeout=60_000)
    record = dashboard.record
    assert record.epochs == 1 and record.latest["val_acc"] > 0.5  # ten classes: chance is 0.1
    assert any(not np.array_equal(before[k], doc.params[k]) for k in before)
    assert panel.speed.text().startswith("finished")


def test_binding_logic_without_a_window(digits_cnn_onnx):
    from graphlab.export import import_onnx

    doc = import_onnx(digits_cnn_onnx)
    assert bind_dataset(doc, {"name": "digits"}, (1, 8, 8)) == {
        "spec": {"name": "digits"},
        "data_input": "image",
    }
    with pytest.raises(Exception, match=r"takes \(N, 1, 8, 8\).*\(N, 64\)"):
        bind_dataset(doc, {"name": "flat"}, (64,))
    nodes, edges, labels = loss_nodes(doc)
    assert [n.op for n in nodes] == ["input", "softmax_cross_entropy"]
    assert {(e.src, e.port) for e in edges} == {("scores", "scores"), (labels, "labels")}
