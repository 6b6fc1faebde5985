"""Issue 27: the preprocessing statistics a run fits are stored in the project, used again
on load instead of a new fit (a changed dataset is noted), kept when the dataset is gone,
and exported: the ONNX model (and the PyTorch module) take raw samples and give GraphLab's
own predictions."""

import json

import numpy as np
import pytest

from graphlab.api_train import train_document
from graphlab.binding import bound_data
from graphlab.examples import open_graph
from graphlab.export import export_onnx
from graphlab.fileformat import load_document, save_document
from graphlab.predict import class_names
from graphlab.preprocess_store import preprocessing_of
from graphlab.user_input import dataset_pixel_scale

ort = pytest.importorskip("onnxruntime", reason="the export extra is not installed")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(the cnn-digits document bound to a digits .npz and trained 2 epochs, the raw test
    images, the .npz path)."""
    from sklearn.datasets import load_digits

    folder = tmp_path_factory.mktemp("digits")
    digits = load_digits()
    X = digits.images[:, None].astype(np.float32)  # raw pixels 0..16, (N, 1, 8, 8)
    path = folder / "digits.npz"
    np.savez(path, X=X[:1500], y=digits.target[:1500])
    doc = open_graph("cnn-digits")
    doc.set_dataset({**doc.dataset, "spec": {"format": "npz", "path": str(path)}})
    train_document(doc, {"epochs": 2}, progress=False)
    return doc, X[1500:1530], path


def graphlab_scores(doc, raw):
    """GraphLab's own scores for raw samples: its bound preprocessing, then the graph."""
    stats = bound_data(doc).preprocessing
    feeds = {"x": stats.apply(raw), "y": np.zeros(len(raw), np.int64)}
    return np.asarray(doc.compile().forward(feeds, train=False)["fc"])


def test_the_fitted_statistics_are_stored_and_used_again(trained):
    doc, _, _ = trained
    record = doc.dataset["preprocess"]["fitted"]
    assert record["center"] == "mean" and np.asarray(record["mean"]).shape == (1, 8, 8)
    assert record["settings"]["center"] == "mean" and record["settings"]["scale"] == 16.0
    assert record["settings"]["spec"] == doc.dataset["spec"]
    data = bound_data(doc)
    np.testing.assert_array_equal(data.preprocessing.mean, np.asarray(record["mean"], np.float32))
    assert data.record == record and data.note == ""


def test_the_onnx_model_fed_raw_images_gives_graphlabs_predictions(trained, tmp_path):
    doc, raw, _ = trained
    expected = graphlab_scores(doc, raw)
    export_onnx(doc, tmp_path / "embedded.onnx")
    session = ort.InferenceSession(str(tmp_path / "embedded.onnx"))
    (scores,) = session.run(["fc"], {"x": raw})
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-4)
    assert (scores.argmax(1) == expected.argmax(1)).all()
    meta = json.loads(session.get_modelmeta().custom_metadata_map["graphlab.preprocess"])
    assert meta["embedded"] and meta["mean"] == doc.dataset["preprocess"]["fitted"]["mean"]
    export_onnx(doc, tmp_path / "documented.onnx", preprocess="metadata")
    documented = ort.InferenceSession(str(tmp_path / "documented.onnx"))
    meta = json.loads(documented.get_modelmeta().custom_metadata_map["graphlab.preprocess"])
    prepared = (raw - np.asarray(meta["mean"], np.float32)) / np.asarray(meta["scale"], np.float32)
    (scores,) = documented.run(["fc"], {"x": prepared})
    assert not meta["embedded"]
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-4)


def test_the_pytorch_module_applies_the_preprocessing(trained, tmp_path):
    torch = pytest.importorskip("torch")
    from graphlab.export import export_torch
    from tests.graphlab.test_export_torch import load_module

    doc, raw, _ = trained
    written = export_torch(doc, tmp_path / "digits_cnn.py")
    assert "self.preprocess_mean" in written[0].read_text()
    model = load_module(written[0]).CnnDigits().eval()
    with torch.no_grad():
        outputs = model(torch.tensor(raw), torch.zeros(len(raw), dtype=torch.long))
    np.testing.assert_allclose(outputs[0].numpy(), graphlab_scores(doc, raw), rtol=1e-4, atol=1e-4)  # fmt: skip


def test_reloaded_without_its_dataset_the_project_keeps_its_statistics(trained, tmp_path):
    doc, raw, npz = trained
    project = tmp_path / "digits.graphlab"
    save_document(doc, project)
    expected = graphlab_scores(doc, raw)
    moved = npz.rename(tmp_path / "elsewhere.npz")
    try:
        again = load_document(project)
        record = again.dataset["preprocess"]["fitted"]
        assert record == doc.dataset["preprocess"]["fitted"]
        scale = dataset_pixel_scale(again)  # --input and predict need no dataset
        np.testing.assert_array_equal(scale.preprocessing.mean, preprocessing_of(record).mean)
        assert scale.top == 16.0
        assert class_names(again, 10) == record["class_names"] == [str(k) for k in range(10)]
        export_onnx(again, tmp_path / "again.onnx")
        (scores,) = ort.InferenceSession(str(tmp_path / "again.onnx")).run(["fc"], {"x": raw})
        np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-4)
    finally:
        moved.rename(npz)


def test_a_dataset_that_changed_is_noted_and_the_stored_statistics_kept(trained, tmp_path):
    doc, _, npz = trained
    stored = bound_data(doc).preprocessing.mean
    original = npz.read_bytes()
    with np.load(npz) as data:
        X, y = data["X"], data["y"]
    np.savez(npz, X=X[:900] * 0.5, y=y[:900])  # the same file, other samples
    try:
        data = bound_data(doc)
        assert "the dataset changed since its preprocessing statistics were fitted" in data.note
        np.testing.assert_array_equal(data.preprocessing.mean, stored)
    finally:
        npz.write_bytes(original)
    other = doc.snapshot()  # another split is fitted again, not reused
    other.set_dataset({**doc.dataset, "split": {"val": 0.3, "test": 0.1, "seed": 1}})
    assert bound_data(other).record == {} and bound_data(doc).record
