"""Issue 18: a mutation fuzzer over every bundled example and its ``.graphlab`` project.

Mutations: byte flips, truncation, JSON value and key mutations (in plain graphs and inside
projects), and zip member corruption (graph.json, params.npz, and the npy members inside it,
re-zipped so that their checksums pass). Loading and analysing a mutant either works or
raises GraphLab's own error; anything else fails the test.

CI runs GRAPHLAB_FUZZ_EXAMPLES (default 1500) cases in-process. The full run the issue asks
for (10,000 cases, about 2-4 minutes):

    GRAPHLAB_FUZZ_EXAMPLES=10000 PYTHONPATH=. python -m pytest tests/graphlab/test_mutation_fuzz.py -q

A sample of 200 refused mutants also goes through ``graphlab describe`` (in-process, status 2,
one line) and a handful through real subprocesses.
"""

from __future__ import annotations

import functools
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import GraphLabError
from graphlab.analysis import analyse
from graphlab.cli import main
from graphlab.examples import example_names, open_graph, resolve_graph
from graphlab.fileformat import load_document, save_document

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("GRAPHLAB_FUZZ_EXAMPLES", "1500"))
NASTY = [None, True, False, 0, -1, 1.5, 2**31, -(2**63), 2**70, 1e308, -1e308, float("nan"),
         float("inf"), "", "x" * 300, "../../etc/passwd", [], {}, [[[]]], {"a": 1},
         [16384, 16384], [10**6, 10**6, 10**6], [-1, -1], [0], list(range(50)),
         {"spec": {"format": "npz", "path": "/dev/zero"}}, {"progress": {"step": -3}},
         {"step": 10**30, "epoch": 1.5}]  # fmt: skip


@functools.cache
def sources() -> list[tuple[str, bytes]]:
    """(name, bytes) of every bundled example, as plain JSON and as a project with parameters."""
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in example_names():
            found.append((f"{name}.json", resolve_graph(name).read_bytes()))
            doc = open_graph(name)
            graph = doc.compile()
            doc.set_params(graph.params, graph.state)
            save_document(doc, Path(tmp) / f"{name}.graphlab")
            found.append((f"{name}.graphlab", (Path(tmp) / f"{name}.graphlab").read_bytes()))
    return found


# -- mutations (each takes a random.Random, so hypothesis and plain seeds share them) ------------


def flip_bytes(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        if data:
            data[rng.randrange(len(data))] ^= rng.randint(1, 255)
    return bytes(data)


def truncate(raw: bytes, rng: random.Random) -> bytes:
    return raw[: rng.randrange(max(len(raw), 1))]


def json_paths(value, prefix=()):
    yield prefix
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        yield from json_paths(item, (*prefix, key))


def mutate_json(raw: bytes, rng: random.Random) -> bytes:
    data = json.loads(raw)
    path = rng.choice(list(json_paths(data))[1:])
    parent = functools.reduce(lambda v, k: v[k], path[:-1], data)
    key = path[-1]
    action = rng.choice(["value", "value", "delete", "rename", "add"])
    if action == "value" or isinstance(parent, list):
        parent[key] = rng.choice(NASTY)
    elif action == "delete":
        del parent[key]
    elif action == "rename":
        parent[rng.choice(["id", "op", "shape", "from", "x", "", "attrs"])] = parent.pop(key)
    else:
        parent[rng.choice(["extra", "kernel", "stride", "pos", "version"])] = rng.choice(NASTY)
    return json.dumps(data).encode()


def rezip(members: dict[str, bytes], stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def unzip(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def corrupt_member(raw: bytes, rng: random.Random) -> bytes:
    """Mutate one member of a project (or an npy inside its params.npz), zipped afresh."""
    members = unzip(raw)
    name = rng.choice(sorted(members))
    content = members[name]
    if name == "graph.json" and rng.random() < 0.6:
        content = mutate_json(content, rng)
    elif name == "params.npz" and rng.random() < 0.8:
        inner = unzip(content)
        if inner:
            array = rng.choice(sorted(inner))
            inner[array] = (
                rng.choice([flip_bytes, truncate])(inner[array][:128], rng) + inner[array][128:]
            )
        content = rezip(inner, stored=True)
    else:
        content = rng.choice([flip_bytes, truncate])(content, rng)
    if rng.random() < 0.1:
        members.pop(rng.choice(sorted(members)))
    members[name] = content
    return rezip(members)


def mutant(rng: random.Random) -> tuple[str, bytes]:
    name, raw = rng.choice(sources())
    kinds = [flip_bytes, truncate] + (
        [corrupt_member] * 3 if name.endswith(".graphlab") else [mutate_json] * 3
    )
    return name, rng.choice(kinds)(raw, rng)


def load_or_refuse(path: Path, arrays: bool = True) -> bool:
    """True when the file loads (and analyses); False when GraphLab refuses it. ``arrays``
    False reads only the npy headers of the parameters, as ``describe`` does."""
    try:
        analyse(load_document(path, arrays=arrays))
    except GraphLabError:
        return False
    return True


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(rng=st.randoms(use_true_random=False))
def test_mutants_load_or_give_graphlab_errors(tmp_path, rng):
    name, raw = mutant(rng)
    path = tmp_path / name
    path.write_bytes(raw)
    load_or_refuse(path)


def refused_sample(tmp_path: Path, count: int) -> list[Path]:
    """``count`` mutants (seeded) that ``describe`` refuses (a damaged array's data is not read)."""
    found, seed = [], 0
    while len(found) < count:
        name, raw = mutant(random.Random(seed))
        path = tmp_path / f"{seed}-{name}"
        path.write_bytes(raw)
        if not load_or_refuse(path, arrays=False):
            found.append(path)
        seed += 1
    return found


def test_200_refused_mutants_through_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_LOG_DIR", str(tmp_path / "log"))
    for path in refused_sample(tmp_path, 200):
        assert main(["describe", str(path)]) == 2, path
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("graphlab: error: "), err
    assert not (tmp_path / "log").exists()


@pytest.mark.parametrize("index", range(5))
def test_refused_mutants_in_a_real_process(tmp_path, index):
    path = refused_sample(tmp_path, 5 * (index + 1))[-1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRAPHLAB_LOG_DIR": str(tmp_path / "log")}
    result = subprocess.run([sys.executable, "-m", "graphlab.cli", "describe", str(path)],
                            capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


@functools.cache
def onnx_model_bytes() -> bytes:
    """cnn-digits exported as ONNX (with its loss), the importer's own kind of model."""
    from graphlab.export import export_onnx

    with tempfile.TemporaryDirectory() as tmp:
        export_onnx(open_graph("cnn-digits"), Path(tmp) / "cnn.onnx", include_loss=True)
        return (Path(tmp) / "cnn.onnx").read_bytes()


@settings(max_examples=max(EXAMPLES // 5, 50), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(rng=st.randoms(use_true_random=False))
def test_mutated_onnx_models_import_or_give_graphlab_errors(tmp_path, rng):
    from graphlab.export import import_onnx

    pytest.importorskip("onnx")
    path = tmp_path / "m.onnx"
    path.write_bytes(rng.choice([flip_bytes, truncate])(onnx_model_bytes(), rng))
    try:
        import_onnx(path)
    except GraphLabError as exc:
        assert str(path) in str(exc)
