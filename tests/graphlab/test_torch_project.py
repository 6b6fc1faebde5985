"""``graphlab export --torch-project``: the project trains under torchrun without GraphLab, its
data and first step equal GraphLab's, and its weights come back with ``import-weights``."""

import gzip
import json
import os
import pickle
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.backend import to_numpy
from graphlab.api_train import train_document
from graphlab.binding import bound_data
from graphlab.cli import main
from graphlab.examples import open_graph
from graphlab.export import export_torch_project
from graphlab.fileformat import load_document
from graphlab.predict import class_probabilities
from graphlab.training.runs import record_from_metrics, saved_runs
from graphlab.zoo import ZOO_DIR
from tests.test_architecture import imports

#: what an exported project may import (it runs where GraphLab is not installed)
PROJECT_IMPORTS = {"__future__", "argparse", "codecs", "gzip", "importlib", "io", "json", "math",
                   "os", "pickle", "re", "struct", "time", "pathlib", "numpy", "torch", "PIL",
                   "data", "model"}  # fmt: skip


@pytest.fixture
def project_modules(monkeypatch):
    """Import a written project's data, model and train modules (fresh, removed after)."""

    def load(folder):
        monkeypatch.syspath_prepend(str(folder))
        for name in ("data", "model", "train"):
            monkeypatch.delitem(sys.modules, name, raising=False)
        import data
        import train

        return data, train

    yield load
    for name in ("data", "model", "train"):
        sys.modules.pop(name, None)


def clean_env():
    """The environment of a project run: no GraphLab on the path, one thread per process."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**env, "OMP_NUM_THREADS": "1"}


def test_torchrun_two_processes_train_cnn_digits_and_the_weights_come_back(
    tmp_path, capsys, monkeypatch
):
    folder = tmp_path / "project"
    assert main(["export", "cnn-digits", "--torch-project", str(folder)]) == 0
    assert {m for f in folder.glob("*.py") for m, _ in imports(f)} <= PROJECT_IMPORTS
    started = time.perf_counter()
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", "train.py", "--epochs", "3", "--batch-size", "16"]  # fmt: skip
    done = subprocess.run(command, cwd=folder, env=clean_env(), capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-2000:]
    with capsys.disabled():  # the measurement the README quotes
        print(f"\ntorchrun, 2 processes, 3 epochs of cnn-digits: {seconds:.1f} s")
    result = json.loads((folder / "output" / "result.json").read_text())
    assert result["epoch"] == 3 and result["val_acc"] >= 0.90
    assert f"val accuracy {result['val_acc']:.6g}" in done.stdout
    assert sorted(p.name for p in (folder / "output" / "checkpoints").iterdir()) == [
        "epoch-1.pt", "epoch-2.pt", "epoch-3.pt"
    ]  # fmt: skip

    readme = (folder / "README.md").read_text()  # its command, as a person would copy it
    command = next(
        line.split() for line in readme.splitlines() if "graphlab import-weights" in line
    )
    assert command[1:] == ["import-weights", "cnn-digits", "output/model.pt", "--metrics",
                           "output/metrics.csv", "-o", "cnn-digits-trained.graphlab"]  # fmt: skip
    monkeypatch.chdir(folder)
    capsys.readouterr()
    assert main(command[1:]) == 0
    assert "took fc_W (128, 10) from fc_W (by name)" in capsys.readouterr().out
    project = folder / "cnn-digits-trained.graphlab"
    doc = load_document(project)
    val = bound_data(doc).splits.val
    accuracy = float(np.mean(class_probabilities(doc, val.X, "x").argmax(1) == val.y))
    assert abs(accuracy - result["val_acc"]) <= 0.005
    run = saved_runs(doc.training)[-1]
    assert run.epochs == 3 and run.latest["val_acc"] == pytest.approx(result["val_acc"], abs=1e-6)


@pytest.mark.parametrize("example", ["cnn-digits", "linear-softmax-mnist"])  # the 2nd: L2 penalty
def test_data_and_first_step_equal_graphlab(tmp_path, project_modules, example):
    assert_first_step_equal(open_graph(example), tmp_path, project_modules)


def test_a_trained_project_is_preprocessed_once(tmp_path, project_modules):
    """A trained project stores its preprocessing statistics; data.py applies them, so the
    project's module must not apply them again."""
    doc = open_graph("cnn-digits")
    train_document(doc, {"epochs": 1}, progress=False)
    assert doc.dataset["preprocess"].get("fitted")  # the statistics travel with the project
    assert_first_step_equal(doc, tmp_path, project_modules)


def assert_first_step_equal(doc, tmp_path, project_modules):
    export_torch_project(doc, tmp_path)
    data, train = project_modules(tmp_path)
    splits = data.prepared_splits()
    expected = bound_data(doc).splits
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(splits[name][0], getattr(expected, name).X)
        np.testing.assert_array_equal(splits[name][1], getattr(expected, name).y)
    loader, _ = data.loaders(64)
    X, y = next(iter(loader))
    model = train.make_model(torch.device("cpu"))
    torch_loss = float(train.outputs_of(model, X, y)[-1].detach())
    graph = doc.compile(seed=0)  # the weights GraphLab's training starts from (or the trained)
    for name, nid in data.CONFIG["model"]["parameters"].items():
        assert (
            getattr(model, name).detach().numpy().tobytes() == to_numpy(graph.params[nid]).tobytes()
        )
    graph.forward({"x": X.numpy(), "y": y.numpy()}, train=True)
    assert abs(torch_loss - float(graph.values[doc.loss_node(graph)])) <= 1e-5


def image_folder(root):
    from PIL import Image

    rng = np.random.default_rng(0)
    for label in ("cat", "dog"):
        (root / label).mkdir(parents=True)
        for i in range(5):
            pixels = rng.integers(0, 256, (10, 12), dtype=np.uint8)
            Image.fromarray(pixels, "L").save(root / label / f"{i}.png")


def idx_files(folder):
    rng = np.random.default_rng(1)
    images, labels = rng.integers(0, 256, (20, 8, 8), dtype=np.uint8), np.arange(20) % 10
    with gzip.open(folder / "images.gz", "wb") as f:
        f.write(struct.pack(">HBBIII", 0, 8, 3, 20, 8, 8) + images.tobytes())
    (folder / "labels").write_bytes(
        struct.pack(">HBBI", 0, 8, 1, 20) + labels.astype(np.uint8).tobytes()
    )


def cifar_batches(folder):
    """A binary CIFAR-10 batch file and a python-version one (pickled dict) of 6 images each."""
    rng = np.random.default_rng(2)
    labels, pixels = np.arange(6) % 10, rng.integers(0, 256, (6, 3072), dtype=np.uint8)
    records = np.concatenate([labels[:, None].astype(np.uint8), pixels], axis=1)
    (folder / "data_batch_1.bin").write_bytes(records.tobytes())
    batch = {b"data": pixels[::-1].copy(), b"labels": labels.tolist()}
    (folder / "data_batch_2").write_bytes(pickle.dumps(batch, protocol=2))


SPECS = {
    "folder": lambda t: {"format": "folder", "path": str(t / "images"), "size": [8, 8]},
    "mnist": lambda t: {"format": "mnist", "images": str(t / "images.gz"),
                        "labels": str(t / "labels")},
    "cifar10": lambda t: {"format": "cifar10", "path": str(t), "split": "train"},
    "npz": lambda t: {"format": "npz", "path": str(t / "d.npz")},
}  # fmt: skip


@pytest.mark.parametrize("kind", list(SPECS))
def test_every_file_format_loads_as_in_graphlab(tmp_path, project_modules, kind):
    image_folder(tmp_path / "images")
    idx_files(tmp_path)
    cifar_batches(tmp_path)
    np.savez(tmp_path / "d.npz", X=np.arange(20 * 64).reshape(20, 8, 8) % 17, y=np.arange(20) % 3)
    doc = open_graph("cnn-digits")
    doc.set_dataset({**doc.dataset, "spec": SPECS[kind](tmp_path)})
    export_torch_project(doc, tmp_path / "project")
    data, train = project_modules(tmp_path / "project")
    splits, expected = data.prepared_splits(), bound_data(doc).splits
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(splits[name][0], getattr(expected, name).X)
        np.testing.assert_array_equal(splits[name][1], getattr(expected, name).y)
    if kind != "cifar10":  # 8x8 grey images: cnn-digits runs on them
        X, y = next(iter(data.loaders(4)[0]))
        assert tuple(X.shape) == (4, 1, 8, 8)
        assert train.outputs_of(train.make_model(torch.device("cpu")), X, y)[-1].isfinite()


def test_augmentation_equals_graphlabs_and_a_graph_without_a_dataset_is_refused(
    tmp_path, project_modules
):
    from graphlab.datasets import Augmentation

    spec = {"crop_padding": 1, "translate": 0.25, "flip": True}
    doc = open_graph("cnn-digits")
    doc.set_dataset({**doc.dataset, "augment": spec})
    export_torch_project(doc, tmp_path)
    data, _ = project_modules(tmp_path)
    X = np.random.default_rng(3).standard_normal((16, 1, 8, 8)).astype(np.float32)
    moved = data.augment(X, np.random.default_rng(0))
    expected = Augmentation.from_spec(spec).apply(X, np.random.default_rng(0), train=True)
    np.testing.assert_array_equal(moved, expected)
    assert not np.array_equal(moved, X)
    assert main(["export", "circuit-add-mul", "--torch-project", str(tmp_path / "c")]) == 2


def test_the_onnxruntime_example_in_the_api_docs_runs(tmp_path, monkeypatch, capsys):
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    section = text[text.index("## Past one machine") :]
    command = re.search(r"```text\n(graphlab export zoo/\S+ --onnx \S+)\n```", section).group(1)
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    monkeypatch.chdir(tmp_path)
    assert main(command.split()[1:]) == 0
    capsys.readouterr()
    exec(compile(code, "docs/api.md", "exec"), {})
    card = json.loads((ZOO_DIR / "cnn-digits.card.json").read_text())
    assert capsys.readouterr().out == f"accuracy {card['accuracy']:.4f}\n"


def test_plain_python_trains_writes_graphlab_metrics_and_resumes(tmp_path, project_modules):
    folder = tmp_path / "spiral"
    export_torch_project(open_graph("linear-softmax-spiral"), folder)
    run = [sys.executable, "train.py", "--epochs", "2", "--out", "first"]
    done = subprocess.run(run, cwd=folder, env=clean_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    record = record_from_metrics(folder / "first" / "metrics.csv")
    first = json.loads((folder / "first" / "result.json").read_text())
    assert (
        record.epochs == 2 and record.last_step == first["step"] and record.steps == first["step"]
    )
    assert record.latest["train_acc"] == pytest.approx(first["train_acc"], abs=1e-6)
    _, train = project_modules(folder)  # the resumed run in this process
    resume = ["--resume", str(folder / "first/checkpoints/epoch-1.pt"), "--epochs", "1"]
    train.main([*resume, "--out", str(folder / "again")])
    again = json.loads((folder / "again" / "result.json").read_text())
    assert (again["epoch"], again["step"]) == (2, first["step"])
    assert again["loss"] == first["loss"]  # the same shuffle and optimizer state: the same run


class Evil:
    def __reduce__(self):
        return (exec, ("raise SystemExit('ran code from a data file')",))


def test_the_projects_cifar_reader_runs_no_code_from_a_pickle(tmp_path, project_modules):
    export_torch_project(open_graph("cnn-digits"), tmp_path)
    data, _ = project_modules(tmp_path)
    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({b"data": Evil()}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="never needs .*exec"):
        data.read_cifar_batch(tmp_path / "data_batch_1")


def test_frozen_parameters_stay_bit_identical_in_the_projects_training(tmp_path, project_modules):
    doc = open_graph("cnn-digits")
    for nid in ("conv1_W", "conv1_b"):
        doc.set_attrs(nid, {**doc.nodes[nid].attrs, "frozen": True})
    export_torch_project(doc, tmp_path)
    _, train = project_modules(tmp_path)
    train.main(["--epochs", "1", "--out", str(tmp_path / "out")])
    trained = torch.load(tmp_path / "out" / "model.pt", weights_only=True)
    with np.load(tmp_path / "weights.npz") as start:
        for nid in ("conv1_W", "conv1_b"):
            assert trained[nid].numpy().tobytes() == start[f"param:{nid}"].tobytes()
        assert not np.array_equal(trained["conv2_W"].numpy(), start["param:conv2_W"])
