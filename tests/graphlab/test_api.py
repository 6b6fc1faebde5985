"""The Python API (``import graphlab as gl``): define-by-run, load/run/backward as the CLI does
it, static building checked like the canvas, training, SVG, errors, and every public name."""

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import graphlab as gl
from graphlab.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def runs_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_RUNS_DIR", str(tmp_path / "runs"))


def circuit():
    x, y, z = gl.inputs(x=-2.0, y=5.0, z=-4.0)
    return x, y, z, (x + y) * z


def test_the_circuit_define_by_run_values_and_gradients():
    x, y, z, f = circuit()
    assert isinstance(f, gl.Tensor) and f.graph is x.graph
    assert float(f.value) == -12.0
    grads = f.backward()
    assert (float(x.grad), float(y.grad), float(z.grad)) == (-4.0, -4.0, 3.0)
    assert float(grads[f.id]) == 1.0 and f.graph.document.loss == f.id


def test_operators_with_numbers_add_constant_nodes():
    (a,) = gl.inputs(a=3.0)
    b = (2 - a) / 4 + abs(-a) * a**2 - 1
    assert float(b.value) == pytest.approx((2 - 3) / 4 + 3 * 9 - 1)
    b.backward()
    assert float(a.grad) == pytest.approx(-0.25 + 3 * 3**2)  # d(|a| a^2)/da = 3a^2
    ops = [n.op for n in a.graph.document.nodes.values()]
    assert ops.count("constant") == 3 and "negate" in ops and "power" in ops


def test_load_and_run_equal_graphlab_run_out(tmp_path, capsys):
    out = tmp_path / "run.npz"
    assert main(["run", "cnn-digits", "--backward", "--out", str(out)]) == 0
    cli = np.load(out)
    g = gl.load("cnn-digits")
    values = g.run(x=cli["value:x"], y=cli["value:y"])
    grads = g.backward()
    for nid in g.document.nodes:
        np.testing.assert_allclose(values[nid], cli[f"value:{nid}"], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(g.values(nid), values[nid])
    for key in (k for k in cli.files if k.startswith("grad:")):
        np.testing.assert_allclose(grads[key[5:]], cli[key], rtol=1e-5, atol=1e-7)
    assert g.grad("conv1_W").shape == g.values("conv1_W").shape


def two_layer_net() -> gl.Graph:
    g = gl.Graph("spiral-net")
    g.add_node("input", "x", shape=[-1, 2])
    g.add_node("input", "y", shape=[-1], dtype="int")
    for nid, shape, init in (("W1", [2, 50], "small"), ("b1", [50], "zeros"),
                             ("W2", [50, 3], "small"), ("b2", [3], "zeros")):  # fmt: skip
        g.add_node("parameter", nid, shape=shape, init=init)
    g.add_node("affine", "fc1")
    for src in ("x", "W1", "b1"):
        g.connect(src, "fc1")
    g.connect("fc1", g.add_node("relu"))
    g.add_node("affine", "fc2")
    for src, port in (("relu1", "x"), ("W2", "w"), ("b2", "b")):
        g.connect(src, "fc2", port)
    g.add_node("softmax_cross_entropy", "loss")
    g.connect("fc2", "loss", "scores")
    g.connect("y", "loss", "labels")
    return g


def test_a_graph_built_in_code_saves_reloads_and_trains(tmp_path):
    path = two_layer_net().save(tmp_path / "net.graphlab")
    g = gl.load(path)
    assert set(g.document.nodes) >= {"x", "y", "fc1", "relu1", "fc2", "loss"}
    before = g.run(x=np.ones((2, 2)), y=[0, 1])["loss"]
    run = g.train(epochs=20, optimizer="adam", lr=0.05, dataset="spiral", batch_size=30,
                  progress=False)  # fmt: skip
    assert isinstance(run, gl.Run) and run.settings["optimizer"] == "adam"
    rows = run.metrics
    assert len(rows) == run.record.steps == 20 * 8
    assert rows[-1]["epoch"] == 20 and rows[-1]["val_acc"] is not None
    assert rows[0]["train_acc"] is None and rows[-1]["loss"] < rows[0]["loss"]
    assert run.latest["train_acc"] > 0.6
    text = run.to_csv(tmp_path / "metrics.csv")
    assert text.startswith("epoch,step,loss,lr,train_acc,val_acc") and text.count("\n") == 161
    assert (tmp_path / "metrics.csv").read_text() == text
    after = g.run(x=np.ones((2, 2)), y=[0, 1])["loss"]
    assert after != before
    g.save(tmp_path / "trained.graphlab")
    again = gl.load(tmp_path / "trained.graphlab")
    np.testing.assert_allclose(again.run(x=np.ones((2, 2)), y=[0, 1])["loss"], after)
    names = [r["name"] for r in again.document.training["runs"]]
    assert len(names) == 1 and names[0].startswith("run 1, ") and "20 epochs" in names[0]


class Terminal(io.StringIO):
    """A stderr that says it is a terminal: the bar is drawn (on a pipe only epoch lines are)."""

    def isatty(self) -> bool:
        return True


def test_define_by_run_net_trains_with_the_shared_bar(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    x, y = gl.inputs(x=np.zeros((4, 2)), y=np.array([0, 1, 2, 0]))
    W = gl.parameter(x, (2, 3), init="small", id="W")
    b = gl.parameter(x, (3,), init="zeros", id="b")
    loss = gl.softmax_loss(gl.affine(x, W, b), y)
    assert loss.shape == () and x.shape == (None, 2)
    run = loss.graph.train(epochs=2, optimizer="sgd", lr=0.1, dataset="spiral")
    err = sys.stderr.getvalue()
    assert "100%" in err and "epoch 2:" in err and run.record.epochs == 2


def test_graphlab_train_uses_the_same_tqdm_bar(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert main(["train", "two-layer-net-spiral", "--epochs", "3"]) == 0
    err = sys.stderr.getvalue()
    assert "step/s" in err and "3/3" in err and "epoch 3:" in err


def test_connect_is_checked_like_the_canvas():
    loop = gl.Graph()
    loop.connect(loop.add_node("add", "p"), loop.add_node("relu", "r"))
    with pytest.raises(gl.GraphError, match="cycle"):
        loop.connect("r", "p", "a")
    g = two_layer_net()
    g.add_node("parameter", "W3", shape=[7, 3])
    g.add_node("affine", "bad")
    g.connect("relu1", "bad")
    g.connect("b2", "bad", "b")
    with pytest.raises(gl.GraphError, match="has 50 features per sample, but w"):
        g.connect("W3", "bad")
    assert g.document.sources_of("bad") == {"x": "relu1", "b": "b2"}
    (x,) = gl.inputs(x=np.ones((2, 5)))
    with pytest.raises(gl.GraphError, match=r"affine1.b: .* but w \(4, 3\) expects 4"):
        gl.affine(x, gl.parameter(x, (4, 3)), gl.parameter(x, (3,)))
    assert "affine1" not in x.graph.document.nodes
    with pytest.raises(gl.GraphError, match="unknown op"):
        g.add_node("relux")
    with pytest.raises(gl.AttrError, match="shape"):
        g.add_node("parameter", "W4", shape="big")
    with pytest.raises(gl.GraphError, match="every input port"):
        g.connect("x", "fc1")


def test_errors_are_graphlab_errors_never_key_or_index_errors():
    g = gl.load("circuit-add-mul")
    with pytest.raises(gl.GraphError, match="no node 'nope'"):
        g.values("nope")
    with pytest.raises(gl.GraphError, match="backward"):
        g.grad("x")
    with pytest.raises(gl.InputError, match="no input 'w'"):
        g.run(w=1.0)
    with pytest.raises(gl.FileFormatError, match="no such file or bundled example"):
        gl.load("no-such-graph")
    with pytest.raises(gl.InputError, match="shape"):
        gl.load("cnn-digits").run(x=np.zeros((2, 3)))
    with pytest.raises(gl.GraphError, match="one graph"):
        (a,), (b,) = gl.inputs(a=1.0), gl.inputs(b=2.0)
        a + b
    with pytest.raises(gl.GraphError, match="takes 3 inputs"):
        gl.affine(a)
    with pytest.raises(gl.DatasetError):
        g.train(epochs=1, progress=False)
    with pytest.raises(gl.GraphError, match="int input"):
        g.train(epochs=1, dataset="spiral", progress=False)
    assert issubclass(gl.CycleError, gl.GraphError) and issubclass(gl.ShapeError, gl.GraphError)
    for error in (gl.DeviceError, gl.TrainingError, gl.DatasetError, gl.FileFormatError):
        assert issubclass(error, gl.GraphLabError)


def test_repr_svg_shows_values_and_gradients_on_the_edges():
    x, y, z, f = circuit()
    f.backward()
    svg = f._repr_svg_()
    texts = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert {"x", "y", "z", "-2", "3", "-12", "-4"} <= set(texts)
    assert texts.count("-4") >= 3  # z's value, and the gradients of x and y
    assert "<path" in svg


def test_op_functions_come_from_the_registry():
    from engine.ops.registry import REGISTRY

    names = gl.op_functions()
    assert set(REGISTRY) - {"input", "constant", "parameter"} <= set(names)
    assert "softmax_loss" in names and "relu" in dir(gl)
    for name in names:
        function = getattr(gl, name)
        assert function.__name__ == name and "Inputs:" in function.__doc__
    x, y = gl.inputs(x=np.arange(2 * 1 * 4 * 4, dtype=float).reshape(2, 1, 4, 4) - 10,
                     y=np.array([0, 1]))  # fmt: skip
    w = gl.parameter(x, (2, 1, 3, 3), init="ones", id="w")
    b = gl.parameter(x, (2,), init="zeros", id="b")
    c = gl.relu(gl.conv2d(x, w, b, kernel=3, pad=1), id="r")
    assert c.value.shape == (2, 2, 4, 4) and c.value.min() == 0.0
    assert c.graph.document.nodes["conv2d1"].attrs["pad"] == 1
    with pytest.raises(AttributeError):
        gl.no_such_op  # noqa: B018


def test_run_plot_says_what_it_needs_without_matplotlib(monkeypatch):
    g = two_layer_net()
    run = g.train(epochs=1, dataset="spiral", progress=False)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(gl.GraphLabError, match="needs matplotlib"):
        run.plot()
    assert "run 1" in repr(run)


def test_describe_is_the_describe_table():
    text = gl.load("circuit-add-mul").describe()
    assert "5 nodes, 4 edges, 0 parameters" in text and "multiply" in text


def test_show_opens_the_window_without_blocking(tmp_path, monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    *_, f = circuit()
    picture = tmp_path / "window.png"
    process = gl.show(f, screenshot=picture)
    assert process.poll() is None or process.returncode == 0  # returned at once
    assert process.wait(timeout=120) == 0
    assert picture.stat().st_size > 1000
    with pytest.raises(gl.GraphError, match="expected a graphlab Graph"):
        gl.show("circuit-add-mul")


def test_import_graphlab_is_cheap():
    code = "import sys, graphlab; print('numpy' in sys.modules, 'engine.ops' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)  # fmt: skip
    assert result.stdout.split() == ["False", "False"]


def test_every_public_name_has_a_docstring_and_a_test():
    source = Path(__file__).read_text()
    for name in gl.__all__:
        assert (getattr(gl, name).__doc__ or "").strip(), name
        assert f"gl.{name}" in source, f"no test uses gl.{name}"
