"""The training panel's own choices: the user's dataset files through the file dialogs (with
the preview and a run on them) and the GPU's name and memory in the device list."""

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QFileDialog

from engine.backend import cuda_description
from tests.graphlab.test_dataset_files import write_idx
from tests.ui.test_main_window import isolated_settings  # noqa: F401
from tests.ui.test_training_dashboard import wait_finished, window  # noqa: F401


def choose(panel, text: str) -> None:
    """Pick ``text`` in the dataset list as a user does (which opens the dialogs)."""
    index = panel.dataset.findText(text)
    assert index > 0, text
    panel.dataset.setCurrentIndex(index)
    panel.dataset.activated.emit(index)


def answer_dialogs(monkeypatch, files=(), folders=()):
    """The next getOpenFileName / getExistingDirectory calls return ``files`` / ``folders``
    in order; returns the titles the dialogs were opened with."""
    files, folders, titles = list(files), list(folders), []

    def open_file(parent, title, *args):
        titles.append(title)
        return (str(files.pop(0)), "")

    def open_folder(parent, title, *args):
        titles.append(title)
        return str(folders.pop(0))

    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_file)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", open_folder)
    return titles


def digits_like(n: int, seed: int = 0):
    """(X (n, 8, 8) in 0-16, y (n,)) shaped like the bundled digits, classes 0-9 in turn."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 17, size=(n, 8, 8)).astype(np.float32), np.arange(n) % 10


def test_an_npz_file_is_previewed_and_trained_on(window, qtbot, monkeypatch, tmp_path):  # noqa: F811
    X, y = digits_like(100)
    path = tmp_path / "mine.npz"
    np.savez(path, X=X, y=y)
    titles = answer_dialogs(monkeypatch, files=[path])
    dashboard, panel = window.training, window.training.panel
    choose(panel, "npz file...")
    assert titles == ["npz: path"]
    assert panel.dataset_spec() == {"format": "npz", "path": str(path)}
    assert panel.preview.samples.isVisibleTo(panel) and not panel.message.text()
    np.testing.assert_array_equal(panel.preview.counts, np.bincount(y))
    assert dashboard.start_training(1)
    wait_finished(qtbot, dashboard)
    assert not panel.message.text()
    assert window.doc.dataset["spec"] == {"format": "npz", "path": str(path)}
    assert dashboard.record.steps == 2  # 80 training samples in batches of 64


def test_mnist_asks_for_images_then_labels(window, monkeypatch, tmp_path):  # noqa: F811
    X, y = digits_like(30)
    images, labels = write_idx(tmp_path / "img.idx", X), write_idx(tmp_path / "lab.idx", y)
    titles = answer_dialogs(monkeypatch, files=[images, labels])
    panel = window.training.panel
    choose(panel, "mnist file...")
    assert titles == ["mnist: images", "mnist: labels"]
    assert panel.dataset_spec() == {"format": "mnist", "images": str(images), "labels": str(labels)}
    np.testing.assert_array_equal(panel.preview.counts, np.bincount(y))


def test_an_image_folder_is_picked_as_a_folder(window, monkeypatch, tmp_path):  # noqa: F811
    for name, count in (("cat", 3), ("dog", 5)):
        (tmp_path / name).mkdir()
        for i in range(count):
            Image.fromarray(np.full((8, 8), 40 * i, np.uint8)).save(tmp_path / name / f"{i}.png")
    titles = answer_dialogs(monkeypatch, folders=[tmp_path])
    panel = window.training.panel
    choose(panel, "folder file...")
    assert titles == ["folder: path"]
    assert panel.dataset_spec() == {"format": "folder", "path": str(tmp_path)}
    np.testing.assert_array_equal(panel.preview.counts, [3, 5])


def test_cancelling_a_dialog_goes_back_to_the_graphs_dataset(window, monkeypatch):  # noqa: F811
    answer_dialogs(monkeypatch, files=[""])
    panel = window.training.panel
    choose(panel, "npz file...")
    assert panel.dataset.currentIndex() == 0 and panel.dataset_spec() is None


def test_the_device_list_shows_the_cuda_description(window):  # noqa: F811
    """'CUDA: <name>, <memory> GiB' on a GPU (engine.backend tests the text), else not available."""
    device = window.training.panel.device
    assert [device.itemData(i) for i in range(device.count())] == ["cpu", "cuda"]
    assert device.itemText(1) == cuda_description()
