"""ONNX export (checked by onnxruntime against the engine), import, round trips, CLI errors."""

import subprocess
import sys

import numpy as np
import pytest

from graphlab.binding import sample_feeds
from graphlab.document import GraphDocument
from graphlab.examples import example_names, open_graph
from graphlab.export import ExportError
from graphlab.fileformat import load_document, save_document
from graphlab.templates import add_batchnorm, add_conv, add_linear, add_op, add_parameter

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def ort():
    pytest.importorskip("onnx", reason="the export extra is not installed")
    return pytest.importorskip("onnxruntime", reason="the export extra is not installed")


def trained_running_statistics(doc: GraphDocument, feeds, steps: int = 3) -> None:
    """Move every batchnorm node's running averages away from 0 and 1 (training forwards)."""
    graph = doc.compile()
    for step in range(steps):
        graph.forward(feeds, train=True, rng=np.random.default_rng(step))
    doc.set_params({}, {nid: s for nid, s in graph.state.items() if s})


def op_zoo(every_op: bool = False) -> tuple[GraphDocument, dict]:
    """A graph using every op the ONNX import reads back (with ``every_op``, also maxout and
    the losses and penalties it does not), ending in one scalar; returns the document and a
    feed for it (a batch of 5)."""
    doc = GraphDocument("op-zoo", "every exportable op once")
    add_op(doc, "input", id="x", shape=[-1, 3, 6, 6])
    conv = add_conv(doc, "x", 3, 4, 3, "conv", pad=1, stride=2)  # (N, 4, 3, 3)
    bn = add_batchnorm(doc, conv, 4, "bn")
    doc.set_attrs(bn, {"eps": 1e-3, "momentum": 0.8})
    slope = add_parameter(doc, "slope", (4, 1, 1), "small")
    prelu = add_op(doc, "prelu", bn, slope, id="prelu")
    avg = add_op(doc, "avgpool", prelu, id="avg", kernel=2, stride=1)  # (N, 4, 2, 2)
    elu = add_op(doc, "elu", avg, id="elu", alpha=0.5)
    maxed = add_op(doc, "maxpool", "x", id="maxed", kernel=3)  # (N, 3, 2, 2)
    leaky = add_op(doc, "leaky_relu", maxed, id="leaky", slope=0.1)
    moved = add_op(doc, "transpose", elu, id="moved", axes=[0, 2, 3, 1])  # (N, 2, 2, 4)
    rows = add_op(doc, "reshape", moved, id="rows", shape=[-1, 16])
    flat = add_op(doc, "flatten", leaky, id="flat")  # (N, 12)
    fc = add_linear(doc, flat, 12, 16, "fc")
    one = add_op(doc, "constant", id="one", value=1.0)
    chain = [
        ("add", (rows, fc)),
        ("tanh", ("add1",)),
        ("sigmoid", (fc,)),
        ("multiply", ("tanh1", "sigmoid1")),
        ("relu", ("multiply1",)),
        ("max", ("relu1", rows)),
        ("min", ("max1", fc)),
        ("subtract", ("min1", "tanh1")),
        ("abs", ("subtract1",)),
        ("negate", ("abs1",)),
        ("exp", ("negate1",)),
        ("log", ("exp1",)),
        ("add", ("abs1", one)),
        ("reciprocal", ("add2",)),
        ("divide", ("log1", "add2")),
        ("power", ("add2",)),
    ]
    for op, inputs in chain:
        add_op(doc, op, *inputs)
    doc.set_attrs("power1", {"exponent": 1.5})
    mixed = add_op(doc, "add", "divide1", add_op(doc, "multiply", "power1", "reciprocal1"))
    weights = add_parameter(doc, "mm_W", (16, 5), "xavier")
    scores = add_op(doc, "matmul", mixed, weights, id="scores")
    kept = add_op(doc, "dropout", scores, id="kept", p=0.7)
    probs = add_op(doc, "softmax", kept, id="probs", axis=1)
    logp = add_op(doc, "log_softmax", kept, id="logp", axis=-1)
    total = add_op(doc, "sum", probs, id="total", axis=1, keepdims=True)  # (N, 1)
    average = add_op(doc, "mean", logp, id="average", axis=[1])  # (N,)
    both = add_op(doc, "multiply", total, average, id="both")  # (N, N)
    out = add_op(doc, "mean", both, id="out")
    out = add_op(doc, "add", out, add_op(doc, "mean", cnn_ops(doc, "x", one)))
    rng = np.random.default_rng(3)
    feeds = {"x": rng.standard_normal((5, 3, 6, 6))}
    if every_op:
        add_op(doc, "input", id="labels", shape=[-1], dtype="int")
        pairs = add_op(doc, "maxout", "conv", id="pairs", k=2)  # (N, 2, 3, 3)
        hinge = add_op(doc, "svm_loss", add_op(doc, "flatten", pairs), "labels", id="hinge")
        xent = add_op(doc, "softmax_cross_entropy", kept, "labels", id="xent")
        mse = add_op(doc, "mse", probs, add_op(doc, "softmax", scores), id="squares")
        extra = [hinge, xent, mse]
        for op in ("l1_penalty", "l2_penalty", "elastic_penalty"):
            extra.append(add_op(doc, op, weights, id=op))
        for term in extra:
            out = add_op(doc, "add", out, term)
        feeds["labels"] = rng.integers(0, 5, size=5)
    doc.loss = out
    trained_running_statistics(doc, feeds)
    return doc, feeds


def cnn_ops(doc: GraphDocument, x: str, one: str) -> str:
    """The ops of classification CNNs on x (N, 3, 6, 6): a dilated depthwise conv with
    uneven pads, ReLU6, reflect padding, ceil-mode pooling, concat, global max, squeeze,
    unsqueeze, flatten on axis 2, sqrt and a batched matmul; returns a (N, 1, 2) node."""
    dw = add_conv(doc, x, 3, 3, 3, "dw", groups=3, dilation=2, pads=[2, 1, 2, 3])  # (N,3,6,6)
    relu6 = add_op(doc, "clip", dw, id="relu6", low=0.0, high=6.0)
    padded = add_op(doc, "pad", relu6, id="padded", pads=[0, 0, 1, 0, 0, 0, 0, 1], mode="reflect")
    pooled = add_op(doc, "maxpool", padded, id="pooled", kernel=3, stride=2, ceil_mode=True, pads=[1, 1, 1, 1])  # fmt: skip
    averaged = add_op(doc, "avgpool", padded, id="averaged", kernel=2, ceil_mode=True, pads=[1, 0, 0, 0])  # fmt: skip
    joined = add_op(doc, "concat", pooled, averaged, id="joined", axis=1)  # (N, 6, 4, 4)
    peak = add_op(doc, "reduce_max", joined, id="peak", axis=[2, 3], keepdims=True)
    rows = add_op(doc, "squeeze", peak, id="rows6", axes=[2, 3])  # (N, 6)
    lifted = add_op(doc, "unsqueeze", rows, id="lifted", axes=[1])  # (N, 1, 6)
    flat = add_op(doc, "flatten", lifted, id="flat2", axis=2)  # (N, 6)
    root = add_op(doc, "sqrt", add_op(doc, "add", add_op(doc, "abs", flat), one), id="root")
    again = add_op(doc, "unsqueeze", root, id="again", axes=[1])  # (N, 1, 6)
    weights = add_parameter(doc, "bm_W", (6, 2), "xavier")
    return add_op(doc, "matmul", again, weights, id="batched")


def onnx_feeds(session, feeds) -> dict:
    """The feeds a session takes: float32 data, int64 labels."""
    result = {}
    for value in session.get_inputs():
        integer = value.type == "tensor(int64)"
        result[value.name] = np.asarray(feeds[value.name], np.int64 if integer else np.float32)
    return result


def assert_runtime_matches_engine(ort, doc, feeds, include_loss=False) -> list[str]:
    """Export, run onnxruntime and the engine (float32, inference) and compare every output."""
    from graphlab.export.onnx_export import to_onnx_model

    model = to_onnx_model(doc, include_loss=include_loss)
    session = ort.InferenceSession(model.SerializeToString())
    outputs = session.run(None, onnx_feeds(session, feeds))
    values = doc.compile().forward(feeds, train=False)
    names = [o.name for o in session.get_outputs()]
    for name, output in zip(names, outputs, strict=True):
        expected = np.asarray(values[name])
        assert output.shape == expected.shape, name
        np.testing.assert_allclose(output, expected, rtol=TOLERANCE, atol=TOLERANCE, err_msg=name)
    return names


# -- export -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", example_names())
def test_onnxruntime_agrees_with_the_engine_on_every_example(ort, name):
    doc = open_graph(name)
    feeds = sample_feeds(doc, batch=16)
    trained_running_statistics(doc, feeds)
    outputs = assert_runtime_matches_engine(ort, doc, feeds)
    loss_ops = {"softmax_cross_entropy", "svm_loss"}
    assert not any(doc.nodes[o].op in loss_ops for o in outputs)  # inference: stops before it
    with_loss = assert_runtime_matches_engine(ort, doc, feeds, include_loss=True)
    assert with_loss[-1] == doc.loss_node(doc.compile())


def test_every_op_agrees_with_onnxruntime(ort):
    doc, feeds = op_zoo()
    assert_runtime_matches_engine(ort, doc, feeds)
    doc, feeds = op_zoo(every_op=True)
    assert assert_runtime_matches_engine(ort, doc, feeds, include_loss=True)[-1] == doc.loss


def test_inputs_get_a_symbolic_batch_and_parameters_become_initializers(ort):
    from graphlab.export.onnx_export import to_onnx_model

    model = to_onnx_model(open_graph("cnn-digits"))
    (x,) = model.graph.input
    dims = [d.dim_param or d.dim_value for d in x.type.tensor_type.shape.dim]
    assert x.name == "x" and dims == ["N", 1, 8, 8]
    names = {i.name for i in model.graph.initializer}
    assert {"conv1_W", "conv1_b", "conv2_W", "fc_W", "fc_b"} <= names
    assert [o.name for o in model.graph.output] == ["fc"]


def test_losses_and_penalties_with_onnx_forms_export_with_the_loss(ort):
    doc = GraphDocument("regression")
    add_op(doc, "input", id="x", shape=[-1, 4])
    add_op(doc, "input", id="t", shape=[-1, 2])
    prediction = add_linear(doc, "x", 4, 2, "fc")
    terms = [add_op(doc, "mse", prediction, "t", id="squares")]
    terms += [add_op(doc, op, "fc_W", id=op, strength=0.1) for op in ("l1_penalty", "l2_penalty")]
    doc.loss = add_op(doc, "add", add_op(doc, "add", *terms[:2]), terms[2], id="loss")
    rng = np.random.default_rng(0)
    feeds = {"x": rng.standard_normal((6, 4)), "t": rng.standard_normal((6, 2))}
    assert assert_runtime_matches_engine(ort, doc, feeds, include_loss=True) == ["fc", "loss"]


# -- import and round trips ---------------------------------------------------------------


def assert_round_trip(doc, feeds, include_loss=False):
    from graphlab.export.onnx_export import to_onnx_model
    from graphlab.export.onnx_import import document_from_onnx

    model = to_onnx_model(doc, include_loss=include_loss)
    imported = document_from_onnx(model)
    before = doc.compile().forward(feeds, train=False)
    after = imported.compile().forward({k: v for k, v in feeds.items() if k in imported.nodes})
    for output in model.graph.output:
        np.testing.assert_allclose(after[output.name], before[output.name], rtol=0, atol=1e-6)
    return imported


@pytest.mark.parametrize("name", example_names())
def test_export_then_import_computes_the_same_outputs(ort, name):
    doc = open_graph(name)
    feeds = sample_feeds(doc, batch=8)
    trained_running_statistics(doc, feeds)
    imported = assert_round_trip(doc, feeds)
    assert set(imported.params) <= set(doc.compile().params)  # initializers keep their names
    positions = {node.pos for node in imported.nodes.values()}
    assert len(positions) == len(imported.nodes)  # laid out: no two nodes on one spot
    if not any(node.op == "svm_loss" for node in doc.nodes.values()):
        with_loss = assert_round_trip(doc, feeds, include_loss=True)
        assert with_loss.loss_node(with_loss.compile()) == doc.loss_node(doc.compile())


def test_the_op_zoo_survives_a_round_trip_with_batchnorm_statistics(ort):
    doc, feeds = op_zoo()
    imported = assert_round_trip(doc, feeds)
    np.testing.assert_allclose(imported.state["bn"]["running_var"], doc.state["bn"]["running_var"])
    assert imported.compile().attrs["bn"]["eps"] == pytest.approx(1e-3)


def test_import_lists_every_unsupported_op(ort):
    import onnx
    from onnx import TensorProto, helper

    from graphlab.export.onnx_import import document_from_onnx

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])
    nodes = [helper.make_node("Cos", ["x"], ["c"]), helper.make_node("Erf", ["c"], ["y"])]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y]))
    onnx.checker.check_model(model)
    with pytest.raises(ExportError, match="unsupported ONNX ops Cos, Erf"):
        document_from_onnx(model)


# -- the command line ---------------------------------------------------------------------


def graphlab(*args):
    command = [sys.executable, "-m", "graphlab.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_a_model_the_import_cannot_read_exits_2_naming_the_onnx_op(ort, tmp_path):
    doc = GraphDocument("hinge-net")
    add_op(doc, "input", id="x", shape=[-1, 4])
    add_op(doc, "input", id="y", shape=[-1], dtype="int")
    doc.loss = add_op(doc, "svm_loss", "x", "y", id="hinge")
    save_document(doc, tmp_path / "hinge.json")
    model, target = tmp_path / "hinge.onnx", tmp_path / "back.json"
    exported = graphlab("export", str(tmp_path / "hinge.json"), "--onnx", str(model), "--with-loss")
    assert exported.returncode == 0
    result = graphlab("import", str(model), "-o", str(target))
    assert result.returncode == 2
    assert "unsupported ONNX ops GatherElements" in result.stderr
    assert "Traceback" not in result.stderr and not target.exists()


def test_export_and_import_from_the_command_line(ort, tmp_path):
    model, project = tmp_path / "cnn.onnx", tmp_path / "cnn.graphlab"
    assert graphlab("export", "cnn-digits", "--onnx", str(model)).returncode == 0
    result = graphlab("import", str(model), "-o", str(project))
    assert result.returncode == 0, result.stderr
    doc, original = load_document(project), open_graph("cnn-digits")
    feeds = sample_feeds(original, batch=4)
    expected = original.compile().forward(feeds)["fc"]
    np.testing.assert_allclose(doc.compile().forward({"x": feeds["x"]})["fc"], expected, atol=1e-6)
    broken = graphlab("import", str(tmp_path / "missing.onnx"), "-o", str(project))
    assert broken.returncode == 2 and "missing.onnx" in broken.stderr


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter's notices
def test_a_model_exported_by_pytorch_imports_and_agrees(ort, torch, tmp_path):
    from graphlab.export import import_onnx

    nn = torch.nn
    layers = [nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten()]
    model = nn.Sequential(*layers, nn.Linear(64, 10), nn.LogSoftmax(dim=1)).float().eval()
    x = torch.randn(3, 1, 8, 8, dtype=torch.float32)
    path = tmp_path / "torch.onnx"
    torch.onnx.export(
        model,
        (x,),
        str(path),
        dynamo=False,
        input_names=["x"],
        output_names=["logp"],
        dynamic_axes={"x": {0: "batch"}},
        opset_version=17,
    )
    doc = import_onnx(path)
    assert [doc.nodes[n].op for n in doc.nodes if doc.nodes[n].op not in ("parameter",)] == [
        "input",
        "conv2d",
        "relu",
        "avgpool",
        "flatten",
        "affine",
        "log_softmax",
    ]
    values = doc.compile().forward({"x": x.numpy()})
    np.testing.assert_allclose(values["logp"], model(x).detach().numpy(), atol=1e-5)


def test_without_the_onnx_package_the_error_says_how_to_install_it(monkeypatch, tmp_path):
    from graphlab.export import export_onnx, import_onnx

    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(ExportError, match=r"pip install 'graphlab\[export\]'"):
        export_onnx(open_graph("cnn-digits"), tmp_path / "cnn.onnx")
    with pytest.raises(ExportError, match="onnx package"):
        import_onnx(tmp_path / "cnn.onnx")
    assert not (tmp_path / "cnn.onnx").exists()
