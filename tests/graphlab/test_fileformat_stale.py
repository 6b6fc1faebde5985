"""Load keeps the user's graph (issue 24): stale extras in a project written by hand are
dropped with a warning that lists them; a damaged project is still refused."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from engine.errors import FileFormatError
from graphlab.examples import open_graph
from graphlab.fileformat import document_to_dict, load_document, save_document


def project(path, graph: dict, arrays: dict) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("graph.json", json.dumps(graph))
        archive.writestr("params.npz", buffer.getvalue())


def stale_graph() -> dict:
    graph = document_to_dict(open_graph("batchnorm-dropout-mlp"))
    graph["loss"] = "old_loss"
    graph["dataset"]["label_input"] = "labels"
    graph["training"]["progress"] = {"epoch": 1, "step": 22, "parameter_steps": {"gone_W": 22}}
    graph["training"]["runs"] = [{"name": "run 1", "ratios": {"gone_W": [[1, 0.01]]}}]
    graph["inputs"] = {"gone_x": 1.0}
    return graph


ARRAYS = {
    "param:gone_W": np.ones((3, 3), np.float32),
    "param:fc1_W": np.ones((2, 2), np.float32),
    "param:fc2_b": np.full(10, 0.5, np.float32),
    "state:bn1:running_mean": np.zeros(7, np.float32),
    "state:fc1:running_mean": np.zeros(100, np.float32),
    "extra:optimizer_state:m": np.zeros(9, np.float32),
}


def test_a_project_with_stale_extras_opens_with_a_warning_listing_them(tmp_path):
    path = tmp_path / "stale.graphlab"
    project(path, stale_graph(), ARRAYS)
    warnings: list[str] = []
    doc = load_document(path, warnings)
    example = open_graph("batchnorm-dropout-mlp")
    assert list(doc.nodes) == list(example.nodes) and doc.edges == example.edges
    assert set(doc.params) == {"fc2_b"} and doc.state == {} and doc.inputs == {}
    assert doc.loss == "" and "label_input" not in doc.dataset
    assert doc.extra_arrays == {} and doc.training["runs"][0]["ratios"] == {}
    assert doc.problems() == []
    text = "\n".join(warnings)
    for name in ("gone_W", "fc1_W: shape (2, 2)", "bn1", "fc1", "gone_x", "old_loss", "labels"):
        assert name in text, name
    assert "optimizer" in text and len(warnings) == 9
    save_document(doc, tmp_path / "again.graphlab")
    again: list[str] = []
    load_document(tmp_path / "again.graphlab", again)
    assert again == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda g, a: g["edges"].append({"from": "ghost", "to": "fc1", "port": "x"}), "dangling"),
        (lambda g, a: g["nodes"][0].update(op="no_such_op"), "unknown op"),
        (lambda g, a: a.update({"param:fc2_b": np.full(10, np.inf, np.float32)}), "finite"),
        (lambda g, a: a.update({"weird:fc2_b": np.ones(10, np.float32)}), "not a parameter"),
    ],
)
def test_a_damaged_project_is_still_refused(tmp_path, change, message):
    graph, arrays = stale_graph(), dict(ARRAYS)
    change(graph, arrays)
    path = tmp_path / "bad.graphlab"
    project(path, graph, arrays)
    with pytest.raises(FileFormatError, match=message):
        load_document(path)
