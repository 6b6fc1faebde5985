"""Op code runs only when trusted: loading, describe and `graphlab run` without --trust never run
it; the command line refuses with status 2. The exports: ONNX refuses naming the op, PyTorch
embeds it as a torch.autograd.Function that trains like the engine."""

import json

import numpy as np
import pytest

from graphlab.binding import bound_data
from graphlab.cli import main
from graphlab.custom_ops import REFUSAL, parse_definition, trust
from graphlab.export import ExportError
from graphlab.export.onnx_export import to_onnx_model
from graphlab.export.torch_export import class_name, export_torch
from graphlab.fileformat import load_document, save_document
from graphlab.training import prepare_training
from tests.custom_op_sources import SWISH, marker_source, spiral_with
from tests.graphlab.test_export_torch import load_module


def marker_project(tmp_path):
    """A .json graph x -> marked, whose op's code would create ``marker`` when run; its shape
    is recorded, as a save by someone who trusted it records it."""
    marker = tmp_path / "marker"
    graph = {
        "format": "graphlab",
        "version": 1,
        "name": "marked",
        "nodes": [
            {"id": "x", "op": "input", "attrs": {"shape": [2, 3]}},
            {"id": "m", "op": "marked", "attrs": {}},
        ],
        "edges": [{"from": "x", "to": "m", "port": "x"}],
        "inputs": {"x": [[1, 2, 3], [4, 5, 6]]},
        "custom_ops": [
            {
                "version": 1,
                "name": "marked",
                "source": marker_source(marker),
                "shapes": [{"inputs": [[2, 3]], "attrs": {}, "output": [2, 3]}],
            }
        ],
    }
    path = tmp_path / "marked.json"
    path.write_text(json.dumps(graph))
    return path, marker


def test_loading_describing_and_running_without_trust_never_run_the_code(tmp_path, capsys):
    path, marker = marker_project(tmp_path)
    doc = load_document(path)
    assert doc.analysis().shapes["m"] == (2, 3) and doc.analysis().problems == {}
    assert main(["describe", str(path)]) == 0
    assert "marked" in capsys.readouterr().out
    for command in (["run", str(path)], ["gradcheck", str(path)], ["train", str(path)]):
        assert main(command) == 2
        assert capsys.readouterr().err.strip() == f"graphlab: error: {path} {REFUSAL}"
    with pytest.raises(Exception, match="not been trusted"):
        doc.compile().forward({"x": np.ones((2, 3))})
    assert not marker.exists()
    assert main(["run", str(path), "--trust"]) == 0  # the test could fail: trusted, it runs
    assert marker.exists()
    assert main(["gradcheck", str(path), "--trust"]) == 0
    assert capsys.readouterr().out.strip().endswith("1 of 1 passed")


def test_export_refuses_the_pytorch_file_without_trust_and_draws_pictures(tmp_path, capsys):
    path, marker = marker_project(tmp_path)
    assert main(["export", str(path), "--torch", str(tmp_path / "m.py")]) == 2
    assert REFUSAL in capsys.readouterr().err
    assert not (tmp_path / "m.py").exists() and not marker.exists()


def test_onnx_export_refuses_a_custom_op_naming_it():
    trust([parse_definition("swish", SWISH)])
    with pytest.raises(ExportError, match=r'no ONNX form for op swish \(nodes "act" \(swish\)\)'):
        to_onnx_model(spiral_with("swish"))


def test_the_pytorch_file_trains_like_the_engines_first_step(torch, tmp_path):
    torch.set_default_dtype(torch.float32)
    try:
        trust([parse_definition("swish", SWISH)])
        doc = spiral_with("swish")
        rng = np.random.default_rng(0)  # weights large enough for a step to move them
        start = {k: 0.5 * rng.standard_normal(v.shape) for k, v in doc.compile().params.items()}
        doc.set_params({k: v.astype(np.float32) for k, v in start.items()})
        (written, npz) = export_torch(doc, tmp_path / "swish_net.py")
        assert "class NumpyOp(torch.autograd.Function)" in written.read_text()
        module = load_module(written)
        model = getattr(module, class_name(doc.name))()
        data = bound_data(doc).splits.train
        module.train(model, data.X, data.y, epochs=1)  # batch 300: one step on all points
        run = prepare_training(doc, {"epochs": 1})
        run.trainer.run()
        assert run.trainer.step == 1
        moved = 0.0
        for nid, value in run.trainer.graph.params.items():
            trained = getattr(model, nid).detach().numpy()
            np.testing.assert_allclose(trained, np.asarray(value), rtol=0, atol=1e-5)
            moved = max(moved, float(np.abs(trained - start[nid]).max()))
        assert moved > 1e-2  # the step moved the weights: the comparison means something
    finally:
        torch.set_default_dtype(torch.float64)


def test_the_python_api_runs_op_code_only_with_trust(tmp_path):
    import graphlab as gl

    path, marker = marker_project(tmp_path)
    with pytest.raises(gl.GraphLabError, match=r"gl.load\(..., trust=True\)"):
        gl.load(path).run()
    assert not marker.exists()
    values = gl.load(path, trust=True).run()
    assert marker.exists() and values["m"].shape == (2, 3)


def test_gradcheck_shows_a_wrong_backward_in_the_graph(tmp_path, capsys):
    from tests.custom_op_sources import WRONG_SWISH

    trust([parse_definition("swish", WRONG_SWISH)])
    path = tmp_path / "wrong.graphlab"
    save_document(spiral_with("swish"), path)
    assert main(["gradcheck", str(path), "--trust", "--max-checks", "10"]) == 1
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line}
    assert "FAIL" in rows["fc1_W"] and "FAIL" in rows["fc1_b"]  # below the wrong op
    assert rows["fc2_W"].endswith("ok")  # above it, backward is right
