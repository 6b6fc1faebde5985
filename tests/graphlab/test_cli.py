"""The graphlab command, run as a user runs it: in a subprocess."""

import json
import subprocess
import sys

import numpy as np
import pytest

from graphlab.examples import example_names


def graphlab(*args, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "graphlab.cli", *args], capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_examples_lists_every_example_with_a_description():
    out = graphlab("examples").stdout
    for name in example_names():
        line = next(line for line in out.splitlines() if line.startswith(name))
        assert len(line.split(None, 1)[1]) > 20


@pytest.mark.parametrize("name", example_names())
def test_every_example_runs_backward_and_passes_gradcheck(name, tmp_path):
    out = tmp_path / "values.npz"
    graphlab("run", name, "--backward", "--out", str(out))
    with np.load(out) as arrays:
        values = [k for k in arrays.files if k.startswith("value:")]
        grads = [k for k in arrays.files if k.startswith("grad:")]
        assert values and grads and all(np.all(np.isfinite(arrays[k])) for k in arrays.files)
    result = graphlab("gradcheck", name)
    assert result.stdout.strip().endswith("passed") and "FAIL" not in result.stdout


def test_run_writes_the_curriculum_numbers(tmp_path):
    out = tmp_path / "c.npz"
    graphlab("run", "circuit-add-mul", "--backward", "--out", str(out))
    with np.load(out) as a:
        assert a["value:f"] == -12 and a["value:q"] == 3
        assert [float(a[f"grad:{n}"]) for n in "xyz"] == [-4, -4, 3]
    graphlab("run", "sigmoid-neuron", "--backward", "--out", str(out))
    with np.load(out) as a:
        assert float(a["value:f"]) == pytest.approx(0.7311, abs=1e-4)
        dw = [float(a[f"grad:{n}"]) for n in ("w0", "w1", "w2")]
        dx = [float(a[f"grad:{n}"]) for n in ("x0", "x1")]
    np.testing.assert_allclose(dw, [-0.1966, -0.3932, 0.1966], atol=1e-4)
    np.testing.assert_allclose(dx, [0.3932, -0.5898], atol=1e-4)


def test_describe_lists_nodes_shapes_and_parameter_count():
    out = graphlab("describe", "cnn-digits").stdout
    assert "conv1" in out and "(N, 16, 8, 8)" in out and "6090 parameters" in out


def test_a_failing_check_exits_1(tmp_path):
    doc = tmp_path / "abs.json"
    doc.write_text(
        '{"format": "graphlab", "version": 1, "nodes": [{"id": "x", "op": "input", "attrs": {"shape": []}},'
        '{"id": "a", "op": "abs", "attrs": {}}], "edges": [{"from": "x", "to": "a", "port": "x"}], "inputs": {"x": 0.0}}'
    )
    result = graphlab("gradcheck", str(doc), check=False)
    assert result.returncode in (0, 1)  # abs at exactly 0 is a kink: left out, not failed
    assert "at kinks" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "no-such-graph"], "no such file or bundled example"),
        (["run", "cnn-digits", "--device", "gpu"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
        (["run", "circuit-add-mul", "--out", "/nonexistent/dir/x.npz"], "could not save"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = graphlab(*args, check=False)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_help_explains_every_command():
    out = graphlab("--help").stdout
    for command in ("examples", "describe", "run", "gradcheck"):
        assert command in out
        assert "usage: graphlab " + command in graphlab(command, "--help").stdout


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path):
    """`graphlab describe BIG | head -1`: no error line when the pipe closes early."""
    nodes = [{"id": "x", "op": "input", "attrs": {"shape": [-1, 4]}}]
    nodes += [{"id": f"r{i}", "op": "relu", "attrs": {}} for i in range(3000)]
    edges = [{"from": "x", "to": "r0", "port": "x"}]
    edges += [{"from": f"r{i}", "to": f"r{i + 1}", "port": "x"} for i in range(2999)]
    graph = tmp_path / "chain.json"
    graph.write_text(
        json.dumps({"format": "graphlab", "version": 1, "nodes": nodes, "edges": edges})
    )
    command = f"{sys.executable} -m graphlab.cli describe {graph} | head -1"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""
