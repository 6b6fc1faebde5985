"""A person's own input: ``graphlab run --input``/``--dataset``, ``graphlab predict``, bad input."""

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from graphlab.budget import set_memory_limit
from graphlab.datasets import load_dataset, split_dataset
from graphlab.examples import open_graph
from graphlab.fileformat import load_document
from graphlab.pixels import InputError
from graphlab.user_input import InputReader, read_array


def graphlab(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "graphlab.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


def ok(*args, cwd=None):
    result = graphlab(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result


def digit_png(path, pixels16):
    """Save an 8x8 digit (values 0-16) as an 8-bit grey PNG, as a person's file would be."""
    Image.fromarray(np.round(np.asarray(pixels16) * 255 / 16).astype(np.uint8)).save(path)


@pytest.fixture(scope="module")
def digits_test_split():
    binding = open_graph("cnn-digits").dataset
    split = binding["split"]
    splits = split_dataset(
        load_dataset(binding["spec"]), val=split["val"], test=split["test"], seed=split["seed"]
    )
    return splits.test


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter's notices
def test_a_pytorch_onnx_model_runs_on_a_batch_file_as_onnxruntime_does(torch, tmp_path):
    pytest.importorskip("onnx", reason="the export extra is not installed")
    ort = pytest.importorskip("onnxruntime", reason="the export extra is not installed")
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(96, 10)
    )
    model = model.float().eval()
    path = tmp_path / "model.onnx"
    torch.onnx.export(
        model,
        (torch.randn(2, 1, 8, 8, dtype=torch.float32),),
        str(path),
        dynamo=False,
        input_names=["x"],
        output_names=["logits"],
        dynamic_axes={"x": {0: "batch"}},
        opset_version=17,
    )
    ok("import", path, "-o", tmp_path / "m.graphlab")
    batch = np.random.default_rng(0).standard_normal((5, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "batch.npy", batch)
    ok("run", tmp_path / "m.graphlab", "--input", "x=batch.npy", "--out", "out.npz", cwd=tmp_path)
    (expected,) = ort.InferenceSession(str(path)).run(None, {"x": batch})
    with np.load(tmp_path / "out.npz") as out:
        np.testing.assert_allclose(out["value:logits"], expected, atol=1e-4)
    # and one batch of the bundled digits (pixels in [0, 1]) through the same imported graph
    ok(
        "run",
        tmp_path / "m.graphlab",
        "--dataset",
        "digits",
        "--batch",
        5,
        "--out",
        "d.npz",
        cwd=tmp_path,
    )
    with np.load(tmp_path / "d.npz") as out:
        assert out["value:x"].shape == (5, 1, 8, 8) and out["value:x"].max() == 1.0
        assert out["value:logits"].shape == (5, 10)


def test_predict_classifies_digits_test_images(trained_digits, digits_test_split, tmp_path):
    files = []
    for i, (x, y) in enumerate(zip(digits_test_split.X, digits_test_split.y, strict=True)):
        files.append(tmp_path / f"{i:03d}-{y}.png")
        digit_png(files[-1], x[0])
    out = json.loads(ok("predict", trained_digits, *files, "--json", "--top", 2).stdout)
    assert [p["source"] for p in out] == [str(f) for f in files]
    assert all(
        len(p["top"]) == 2 and p["top"][0]["probability"] >= p["top"][1]["probability"] for p in out
    )
    right = sum(
        p["top"][0]["class"] == str(y) for p, y in zip(out, digits_test_split.y, strict=True)
    )
    assert right / len(files) >= 0.95, f"{right} of {len(files)} right"
    text = ok("predict", trained_digits, files[0]).stdout.strip()
    assert text.startswith(f"{files[0]}: {out[0]['top'][0]['class']} (") and text.endswith("%)")


def test_run_feeds_an_image_to_the_digits_graph_scaled_like_its_dataset(
    trained_digits, digits_test_split, tmp_path
):
    digit_png(tmp_path / "digit.png", digits_test_split.X[0, 0])
    big = Image.open(tmp_path / "digit.png").resize((64, 64), Image.Resampling.NEAREST)
    big.convert("RGB").save(tmp_path / "big.jpg", quality=98)  # RGB, larger: grey, resized
    doc = load_document(trained_digits)
    stats = split_dataset(load_dataset(doc.dataset["spec"]), val=0.2, test=0.1, seed=0)
    Image.open(tmp_path / "digit.png").point(lambda v: 255 - v).save(tmp_path / "paper.png")
    for name in ("digit.png", "big.jpg", "paper.png"):  # dark ink on white paper is inverted
        ok("run", trained_digits, "--input", f"x={name}", "--out", "o.npz", cwd=tmp_path)
        with np.load(tmp_path / "o.npz") as out:
            x = out["value:x"]
        assert x.shape == (1, 1, 8, 8)
        raw = x[0, 0] * 16.0 + stats.train.X.mean(axis=0)[0]  # undo centre, scale 16
        np.testing.assert_allclose(raw, digits_test_split.X[0, 0], atol=0.6)


def test_without_a_dataset_pixels_stay_in_0_1_and_are_never_inverted():
    doc = open_graph("cnn-digits")
    doc.dataset = {}
    white = InputReader(doc).from_pixels("x", np.ones((1, 20, 20), dtype=np.float32))
    assert white.shape == (1, 1, 8, 8) and np.all(white == 1.0)


def test_a_number_feeds_a_scalar_input(tmp_path):
    ok("run", "circuit-add-mul", "--input", "x=3", "--out", tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz") as out:  # f = (x + y) z with y = 5, z = -4
        assert float(out["value:f"]) == -32.0


def test_dataset_swaps_in_a_file_for_a_bound_graph(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.uniform(0, 16, (40, 8, 8)).astype(np.float32), np.arange(40) % 10
    np.savez(tmp_path / "mine.npz", X=X, y=y)
    ok("run", "cnn-digits", "--dataset", "mine.npz", "--batch", 3, "--out", "o.npz", cwd=tmp_path)
    with np.load(tmp_path / "o.npz") as out:
        assert out["value:x"].shape == (3, 1, 8, 8) and out["value:y"].shape == (3,)
        assert len({row.tobytes() for row in out["value:x"]}) == 3  # three different samples
        assert set(out["value:y"].astype(int)) <= set(range(10))
    bad = graphlab("run", "cnn-digits", "--dataset", "no-such-set", cwd=tmp_path)
    assert bad.returncode == 2 and "unknown built-in dataset 'no-such-set'" in bad.stderr


class Evil:
    def __reduce__(self):
        return (os.system, ("touch unpickled-marker",))


def bad_inputs(tmp_path):
    """(argument, words the one-line error must contain) for each kind of bad input."""
    np.save(tmp_path / "wrong-shape.npy", np.zeros((3, 4), dtype=np.float32))
    np.save(tmp_path / "strings.npy", np.array(["a", "b"]))
    np.save(tmp_path / "objects.npy", np.array([Evil(), 1], dtype=object), allow_pickle=True)
    (tmp_path / "pickle.npy").write_bytes(pickle.dumps(Evil()))
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really an image")
    np.savez(tmp_path / "two.npz", a=np.zeros(1), b=np.zeros(1))
    return [
        ("x=wrong-shape.npy", "has shape (3, 4); input 'x' needs (N, 1, 8, 8)"),
        ("x=strings.npy", "<U1 values; input 'x' needs numbers"),
        ("x=objects.npy", "never unpickles"),
        ("x=pickle.npy", "never unpickles"),
        ("x=broken.png", "broken.png: not a readable image"),
        ("nope=broken.png", "has no input 'nope' (its inputs: x, y)"),
        ("x=missing.png", "missing.png: no such file"),
        ("x=two.npz", "holds 2 arrays"),
        ("x=3", "the number 3 has shape (); input 'x' needs (N, 1, 8, 8)"),
        ("y=1.5", "needs whole numbers"),
    ]


def test_each_bad_input_is_one_sentence_with_status_2(tmp_path):
    for argument, words in bad_inputs(tmp_path):
        result = graphlab("run", "cnn-digits", "--input", argument, cwd=tmp_path)
        assert result.returncode == 2, (argument, result.stderr)
        assert words in result.stderr, (argument, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    predicted = graphlab("predict", "cnn-digits", "broken.png", cwd=tmp_path)
    assert predicted.returncode == 2 and predicted.stderr.count("\n") == 1
    assert not (tmp_path / "unpickled-marker").exists()
    usage = graphlab("run", "cnn-digits", "--input", "x", cwd=tmp_path)
    assert usage.returncode == 2 and "expected ID=FILE" in usage.stderr


def test_a_diverging_run_stops_with_one_message_naming_the_step():
    result = graphlab("train", "cnn-digits", "--epochs", 1, "--lr", 1e6)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("graphlab: error")]
    assert "training stopped at step" in line and "(epoch 1)" in line
    assert "diverged" in line and "Try a lower learning rate" in line


def npy_with_header(path, shape, values: bytes):
    with open(path, "wb") as f:
        header = {"descr": "<f4", "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(f, header)
        f.write(values)
    return path


def test_array_files_are_read_header_first_within_the_memory_budget(tmp_path):
    huge = npy_with_header(tmp_path / "huge.npy", (10**12,), bytes(16))
    with pytest.raises(
        InputError, match=r"huge.npy: the array of shape \(1000000000000,\).*over the memory budget"
    ):
        read_array(huge)
    short = npy_with_header(tmp_path / "short.npy", (100,), bytes(16))
    with pytest.raises(InputError, match="declares shape .100,. .* but holds 16 bytes"):
        read_array(short)
    np.save(tmp_path / "fine.npy", np.zeros(4096, np.float32))  # 16 KiB
    set_memory_limit(8192)
    try:
        with pytest.raises(InputError, match="over the memory budget of 8.0 KiB"):
            read_array(tmp_path / "fine.npy")
    finally:
        set_memory_limit(None)
    matrix = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.save(tmp_path / "fortran.npy", matrix)
    np.savez(tmp_path / "one.npz", m=matrix)
    for name in ("fortran.npy", "one.npz"):
        array = read_array(tmp_path / name)
        np.testing.assert_array_equal(array, matrix)
        array[0, 0] = 7.0  # a value of its own, writable
