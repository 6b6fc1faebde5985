"""The exported PyTorch file, loaded from disk, computes the engine's outputs and gradients."""

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from engine.backend import to_numpy
from graphlab.binding import sample_feeds
from graphlab.examples import example_names, open_graph
from graphlab.export import ExportError, export_plan
from graphlab.export.torch_export import class_name, export_torch
from tests.graphlab.test_export_onnx import op_zoo, trained_running_statistics

TOLERANCE = 1e-5


def load_module(path):
    """Import the written file as a fresh module."""
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_torch_matches_engine(torch, doc, feeds, tmp_path):
    """float64, eval mode: every returned output, the loss's gradient for every parameter and
    every float input equal the engine's."""
    doc.set_params({k: to_numpy(v) for k, v in doc.compile().params.items()})
    written = export_torch(doc, tmp_path / "model.py")
    module = load_module(written[0])
    model = getattr(module, class_name(doc.name))(dtype=torch.float64).eval()

    graph = doc.compile(dtype="float64")
    graph.forward(feeds, train=False)
    loss = doc.loss_node(graph)
    graph.backward(loss)
    plan = export_plan(doc, include_loss=True)

    arguments = {}
    for nid in plan.nodes:
        if graph.nodes[nid].op == "input":
            integer = graph.attrs[nid]["dtype"] == "int"
            value = torch.tensor(
                np.asarray(feeds[nid]), dtype=torch.long if integer else torch.float64
            )
            arguments[nid] = value if integer else value.requires_grad_()
    outputs = model(*arguments.values())  # in the order of the graph's inputs
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    assert len(outputs) == len(plan.outputs)
    for nid, output in zip(plan.outputs, outputs, strict=True):
        expected = to_numpy(graph.values[nid])
        np.testing.assert_allclose(
            output.detach().numpy(), expected, rtol=TOLERANCE, atol=TOLERANCE
        )
    assert plan.outputs[-1] == loss
    outputs[-1].backward()
    for nid in graph.params:
        grad = getattr(model, nid).grad
        np.testing.assert_allclose(grad.numpy(), to_numpy(graph.grads[nid]), atol=TOLERANCE)
    for nid, value in arguments.items():
        if value.requires_grad:
            np.testing.assert_allclose(
                value.grad.numpy(), to_numpy(graph.grads[nid]), atol=TOLERANCE
            )
    return written


@pytest.mark.parametrize("name", example_names())
def test_the_module_computes_the_engines_outputs_and_gradients(torch, name, tmp_path):
    doc = open_graph(name)
    feeds = sample_feeds(doc, batch=16)
    trained_running_statistics(doc, feeds)
    written = assert_torch_matches_engine(torch, doc, feeds, tmp_path)
    assert (len(written) == 2) == bool(doc.compile().params)  # the .npz only when needed


def test_every_op_matches_the_engine(torch, tmp_path):
    doc, feeds = op_zoo(every_op=True)
    assert_torch_matches_engine(torch, doc, feeds, tmp_path)


def test_batchnorm_and_dropout_follow_train_and_eval(torch, tmp_path):
    doc = open_graph("batchnorm-dropout-mlp")
    written = export_torch(doc, tmp_path / "mlp.py")
    model = load_module(written[0]).BatchnormDropoutMlp(dtype=torch.float64)
    x = torch.randn(32, 1, 8, 8, dtype=torch.float64)
    y = torch.randint(0, 10, (32,))
    model.train()
    first, second = model(x, y)[0], model(x, y)[0]
    assert not torch.equal(first, second)  # dropout masks differ
    assert model.bn1_running_mean.abs().sum() > 0  # running statistics moved
    model.eval()
    assert torch.equal(model(x, y)[0], model(x, y)[0])


def test_the_file_is_readable_and_carries_the_training_settings(tmp_path):
    doc = open_graph("cnn-digits")
    doc.training.update(optimizer="nesterov", lr=0.05, epochs=7, batch_size=32)
    (path, npz) = export_torch(doc, tmp_path / "cnn.py")
    text = path.read_text()
    assert "class CnnDigits(nn.Module):" in text
    assert "conv1 = F.conv2d(x, self.conv1_W, self.conv1_b, stride=1, padding=1)" in text
    assert "pool1 = F.max_pool2d(relu1, 2, 2)" in text
    assert "torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)" in text
    assert "epochs=7, batch_size=32" in text
    with np.load(npz) as arrays:
        assert arrays["param:conv1_W"].shape == (16, 1, 3, 3)
    compile(text, str(path), "exec")


def test_a_circuit_file_runs_as_a_script_and_prints_its_gradients(torch, tmp_path):
    (path,) = export_torch(open_graph("circuit-add-mul"), tmp_path / "circuit.py")
    result = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "tensor(-12." in result.stdout
    assert "gradient of x: tensor(-4.)" in result.stdout
    assert "gradient of z: tensor(3.)" in result.stdout


def test_node_ids_that_are_not_python_names_become_readable_ones(torch, tmp_path):
    from graphlab.document import GraphDocument
    from graphlab.templates import add_op

    doc = GraphDocument("odd names")
    add_op(doc, "input", id="in put", shape=[3])
    add_op(doc, "exp", "in put", id="class")
    add_op(doc, "sum", "class", id="torch")
    assert_torch_matches_engine(torch, doc, {"in put": np.array([0.5, -1.0, 2.0])}, tmp_path)
    text = (tmp_path / "model.py").read_text()
    assert "def forward(self, in_put):" in text
    assert "n_class = torch.exp(in_put)" in text and "torch_2 = n_class.sum()" in text


def test_an_op_without_a_torch_form_is_named(monkeypatch):
    from graphlab.export import torch_export

    monkeypatch.setattr(torch_export, "SUPPORTED", torch_export.SUPPORTED - {"maxpool"})
    monkeypatch.setitem(torch_export.UNSUPPORTED, "maxpool", "say why here")
    with pytest.raises(ExportError, match=r"maxpool.*pool1.*; maxpool: say why here$"):
        export_torch(open_graph("cnn-digits"), "unused.py")


@pytest.mark.parametrize("name", ["cnn-digits", "two-layer-net-spiral"])
def test_the_training_loop_skeleton_trains(torch, name, tmp_path, capsys):
    doc = open_graph(name)
    written = export_torch(doc, tmp_path / "model.py")
    module = load_module(written[0])
    model = getattr(module, class_name(doc.name))()
    feeds = sample_feeds(doc, batch=64)
    binding = doc.dataset
    data, labels = feeds[binding["data_input"]], feeds[binding["label_input"]]
    before = [p.detach().clone() for p in model.parameters()]
    module.train(model, data, labels, epochs=2, batch_size=16)
    assert not model.training
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    losses = [float(line.split()[-1]) for line in capsys.readouterr().out.splitlines()]
    assert len(losses) == 2 and all(np.isfinite(losses))
    with pytest.raises(NotImplementedError, match="load_data"):
        module.load_data()
