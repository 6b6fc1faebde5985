"""The window opens a project from its npy headers: arrays are read on first use, equal to an
eager load, and a lazily opened project checks, saves and copies without reading them."""

import copy
import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from engine.errors import FileFormatError
from graphlab.consistency import OPTIMIZER_STATE
from graphlab.fileformat import (
    GRAPH_MEMBER,
    PARAMS_MEMBER,
    document_to_dict,
    load_document,
    save_document,
)
from graphlab.lazy_arrays import LazyArrays
from graphlab.project_arrays import array_members


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """batchnorm-dropout-mlp after one epoch: parameters, batchnorm state, optimizer state."""
    path = tmp_path_factory.mktemp("lazy") / "bn.graphlab"
    args = ["train", "batchnorm-dropout-mlp", "--epochs", "1", "--save", str(path)]
    subprocess.run([sys.executable, "-m", "graphlab.cli", *args], check=True, capture_output=True)
    return path


def lazies(doc) -> list[LazyArrays]:
    groups = [doc.params, *doc.state.values(), *doc.extra_arrays.values()]
    assert all(isinstance(g, LazyArrays) for g in groups)
    return groups


def test_a_lazy_load_reads_nothing_and_then_gives_the_eager_values(trained):
    eager = load_document(trained)
    lazy = load_document(trained, lazy=True)
    groups = lazies(lazy)
    assert lazy.state and OPTIMIZER_STATE in lazy.extra_arrays
    assert sum(g.read() for g in groups) == 0  # loading checked shapes from headers only
    assert lazy.problems() == [] and sum(g.read() for g in groups) == 0
    assert set(lazy.params) == set(eager.params)
    for nid, value in eager.params.items():
        assert lazy.params.shape_of(nid) == value.shape
        np.testing.assert_array_equal(lazy.params[nid], value)
    for nid, state in eager.state.items():
        for name, value in state.items():
            np.testing.assert_array_equal(lazy.state[nid][name], value)
    assert lazy.params.read() == len(eager.params)


def test_a_lazy_document_copies_runs_and_saves_like_an_eager_one(trained, tmp_path):
    lazy = load_document(trained, lazy=True)
    twin = copy.deepcopy(lazy.params)
    assert twin.read() == 0 and set(twin) == set(lazy.params)
    nid = next(iter(lazy.params))
    lazy.set_params({nid: np.ones(lazy.params.shape_of(nid), np.float32)})
    assert isinstance(lazy.params, LazyArrays) and lazy.params.read() == 1
    eager = load_document(trained)
    graph, reference = lazy.compile(), eager.compile()
    for other in eager.params:
        if other != nid:
            np.testing.assert_array_equal(graph.params[other], reference.params[other])
    save_document(lazy, tmp_path / "again.graphlab")
    again = load_document(tmp_path / "again.graphlab")
    np.testing.assert_array_equal(again.params[nid], 1)
    for name, value in eager.extra_arrays[OPTIMIZER_STATE].items():
        np.testing.assert_array_equal(again.extra_arrays[OPTIMIZER_STATE][name], value)


def test_a_stale_array_is_dropped_without_reading_the_others(trained, tmp_path):
    doc = load_document(trained)
    doc.params["gone"] = np.zeros(3, np.float32)  # a parameter of no node, as an old file has
    warnings: list[str] = []
    path = tmp_path / "stale.graphlab"
    _write_unchecked(doc, path)
    lazy = load_document(path, warnings, lazy=True)
    assert "gone" not in lazy.params and any("gone" in w for w in warnings)
    assert isinstance(lazy.params, LazyArrays) and lazy.params.read() == 0


def test_a_non_finite_array_is_refused_when_it_is_read(trained, tmp_path):
    doc = load_document(trained)
    nid = next(iter(doc.params))
    doc.params[nid] = np.full_like(doc.params[nid], np.nan)
    path = tmp_path / "nan.graphlab"
    _write_unchecked(doc, path)
    with pytest.raises(FileFormatError, match="values must be finite"):
        load_document(path)
    lazy = load_document(path, lazy=True)
    with pytest.raises(FileFormatError, match=rf"param:{nid}.*values must be finite"):
        lazy.params[nid]


def _write_unchecked(doc, path):
    """Write ``doc`` as a project without the saver's load-back check (an old or made file)."""
    buffer = io.BytesIO()
    np.savez(buffer, **array_members(doc))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(GRAPH_MEMBER, json.dumps(document_to_dict(doc)))
        archive.writestr(PARAMS_MEMBER, buffer.getvalue())
