"""Issue 27: ResNet-18 and MobileNetV2 (as torchvision defines them, random weights, 64x64
inputs) import from ONNX, match onnxruntime, export back to ONNX and match again, and
fine-tune in GraphLab with the loss going down."""

import warnings

import numpy as np
import pytest

from engine.optim import make_optimizer
from engine.trainer import Trainer
from graphlab.templates import add_op

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime", reason="the export extra is not installed")
pytest.importorskip("onnx", reason="the export extra is not installed")


def random_net(cls):
    """The net with random weights, batchnorm statistics from a few batches (so that no layer
    is the identity) and a classifier large enough that the scores are not all ~0."""
    torch.manual_seed(0)
    net = cls(num_classes=10).float().train()  # float32 whatever torch's default dtype
    with torch.no_grad():
        for _ in range(2):
            net(torch.randn(4, 3, 64, 64, dtype=torch.float32))
        last = [m for m in net.modules() if isinstance(m, torch.nn.Linear)][-1]
        torch.nn.init.normal_(last.weight, 0, 0.5)
    return net.eval()


@pytest.fixture(scope="module", params=["ResNet18", "MobileNetV2"])
def imported(request, tmp_path_factory):
    """(name, path of the ONNX file, the imported document)."""
    from graphlab.export import import_onnx
    from tests.graphlab import torchvision_nets

    path = tmp_path_factory.mktemp("nets") / f"{request.param}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torchvision_nets.export_onnx(random_net(getattr(torchvision_nets, request.param)), path)
    return request.param, path, import_onnx(path)


def test_the_net_matches_onnxruntime_and_again_after_exporting_back(imported):
    from graphlab.export.onnx_export import to_onnx_model

    name, path, doc = imported
    x = np.random.default_rng(1).standard_normal((2, 3, 64, 64)).astype(np.float32)
    (expected,) = ort.InferenceSession(str(path)).run(["scores"], {"x": x})
    assert np.abs(expected).max() > 0.1  # real scores, not a vanishing signal
    got = np.asarray(doc.compile().forward({"x": x}, train=False)["scores"])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    exported = ort.InferenceSession(to_onnx_model(doc).SerializeToString())
    (again,) = exported.run(["scores"], {"x": x})
    np.testing.assert_allclose(again, expected, rtol=1e-4, atol=1e-4)
    ops = {node.op for node in doc.nodes.values()}
    assert {"conv2d", "add", "affine"} <= ops
    if name == "MobileNetV2":
        assert "clip" in ops and any(n.attrs.get("groups", 1) > 1 for n in doc.nodes.values())


def test_the_net_fine_tunes_with_the_loss_going_down(imported):
    _, _, doc = imported
    add_op(doc, "input", id="labels", shape=[-1], dtype="int")
    doc.loss = add_op(doc, "softmax_cross_entropy", "scores", "labels", id="loss")
    rng = np.random.default_rng(2)
    X = rng.standard_normal((2, 3, 64, 64)).astype(np.float32)
    y = np.array([3, 7])
    graph = doc.compile()
    sgd = make_optimizer("sgd", graph.params, lr=1e-4)  # small steps: each one goes downhill
    trainer = Trainer(graph, "loss", "x", "labels", (X, y), optimizer=sgd, batch_size=2)
    losses = [trainer.train_step(X, y) for _ in range(4)]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0], losses
