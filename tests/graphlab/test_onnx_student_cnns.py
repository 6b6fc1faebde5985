"""Issue 27: the CNNs students write in PyTorch (ResNet-, MobileNet-, Inception-, VGG-style),
exported by both of torch's exporters, import and give onnxruntime's outputs through
``graphlab run MODEL.onnx --input x=FILE.npy``; a graph input that feeds a shape becomes a
constant when ``--input`` gives its value."""

import warnings

import numpy as np
import pytest

from graphlab.cli import main

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime", reason="the export extra is not installed")
onnx = pytest.importorskip("onnx", reason="the export extra is not installed")


def run_scores(tmp_path, model, x, *extra) -> np.ndarray:
    """The scores node's value after ``graphlab run MODEL --input x=x.npy --out out.npz``."""
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "out.npz"
    args = ["run", str(model), "--input", f"x={tmp_path / 'x.npy'}", *extra, "--out", str(out)]
    assert main(args) == 0
    with np.load(out) as values:
        return values["value:scores"]


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript-opset18", "dynamo-opset20"])
@pytest.mark.parametrize("name", ["resnet", "mobilenet", "inception", "vgg"])
def test_a_student_cnn_imports_and_matches_onnxruntime(tmp_path, capsys, name, dynamo):
    from tests.graphlab.student_cnns import NETS, export, trained_looking

    if dynamo:
        pytest.importorskip("onnxscript", reason="torch's dynamo exporter needs onnxscript")
    model = tmp_path / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export(trained_looking(NETS[name](), seed=1), model, dynamo)
    x = np.random.default_rng(2).standard_normal((3, 3, 15, 15)).astype(np.float32)
    (expected,) = ort.InferenceSession(str(model)).run(["scores"], {"x": x})
    np.testing.assert_allclose(run_scores(tmp_path, model, x), expected, rtol=1e-4, atol=1e-4)


def test_a_shape_given_as_a_graph_input_becomes_a_constant(tmp_path, capsys):
    """Reshape's shape is a graph input: --input gives it, the run matches onnxruntime; without
    it the error names the input and the option."""
    h = onnx.helper
    nodes = [h.make_node("Reshape", ["x", "shape"], ["flat"]), h.make_node("Relu", ["flat"], ["scores"])]  # fmt: skip
    inputs = [
        h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["N", 2, 3]),
        h.make_tensor_value_info("shape", onnx.TensorProto.INT64, [2]),
    ]
    output = h.make_tensor_value_info("scores", onnx.TensorProto.FLOAT, ["N", 6])
    model = h.make_model(h.make_graph(nodes, "given-shape", inputs, [output]))
    path = tmp_path / "given.onnx"
    onnx.save(model, path)
    x = np.random.default_rng(0).standard_normal((4, 2, 3)).astype(np.float32)
    shape = np.array([-1, 6], np.int64)
    np.save(tmp_path / "shape.npy", shape)
    expected = ort.InferenceSession(str(path)).run(None, {"x": x, "shape": shape})[0]
    got = run_scores(tmp_path, path, x, "--input", f"shape={tmp_path / 'shape.npy'}")
    np.testing.assert_allclose(got, expected)
    assert main(["run", str(path)]) == 2
    assert "'shape' is a graph input: give its value (graphlab run --input shape=FILE.npy)" in capsys.readouterr().err  # fmt: skip
