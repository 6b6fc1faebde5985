"""Graph files: lossless round trips, atomic saves, and one clear message per fault."""

import json
import zipfile

import numpy as np
import pytest

from engine.errors import FileFormatError
from graphlab import fileformat
from graphlab.examples import example_names, open_graph
from graphlab.fileformat import document_to_dict, load_document, save_document


def trained(name="cnn-digits"):
    doc = open_graph(name)
    graph = doc.compile(seed=3)
    doc.set_params({k: np.asarray(v) for k, v in graph.params.items()})
    return doc


def same_document(a, b):
    assert document_to_dict(a) == document_to_dict(b)
    assert a.params.keys() == b.params.keys()
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
        assert a.params[key].dtype == b.params[key].dtype


@pytest.mark.parametrize("name", example_names())
def test_every_example_round_trips_losslessly(name, tmp_path):
    doc = trained(name)
    path = tmp_path / f"{name}.graphlab"
    save_document(doc, path)
    same_document(doc, load_document(path))
    save_document(doc, tmp_path / f"{name}.json")
    assert document_to_dict(load_document(tmp_path / f"{name}.json")) == document_to_dict(doc)


def test_state_is_saved_with_the_parameters(tmp_path):
    doc = trained("batchnorm-dropout-mlp")
    doc.set_params({}, {"bn1": {"running_mean": np.arange(100.0), "running_var": np.ones(100)}})
    save_document(doc, tmp_path / "p.graphlab")
    back = load_document(tmp_path / "p.graphlab")
    np.testing.assert_array_equal(back.state["bn1"]["running_mean"], np.arange(100.0))


def test_a_crash_mid_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.graphlab"
    save_document(trained(), path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(fileformat.np, "savez", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        save_document(trained(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.graphlab"]


def test_a_full_disk_is_a_clear_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.graphlab"
    save_document(trained(), path)
    before = path.read_bytes()

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileformat.os, "fsync", full)
    with pytest.raises(
        FileFormatError, match="could not save.*No space left.*previous file is unchanged"
    ):
        save_document(trained(), path)
    assert path.read_bytes() == before
    assert len(list(tmp_path.iterdir())) == 1


def example_dict():
    return json.loads(
        (
            fileformat.Path(fileformat.__file__).parents[1] / "assets/examples/cnn-digits.json"
        ).read_text()
    )


def write(tmp_path, data):
    path = tmp_path / "g.json"
    path.write_text(json.dumps(data))
    return path


def mutate(path, value):
    data = example_dict()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


CONV1 = next(i for i, n in enumerate(example_dict()["nodes"]) if n["id"] == "conv1")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            mutate(["nodes", CONV1, "attrs", "stride"], -1),
            rf'nodes\[{CONV1}\] \(id "conv1"\) attrs.stride: expected a positive integer, got -1',
        ),
        (
            mutate(["nodes", CONV1, "op"], "convolve"),
            rf'nodes\[{CONV1}\] \(id "conv1"\) op: unknown op \'convolve\'',
        ),
        (mutate(["nodes", 1, "id"], "x"), r'nodes\[1\] \(id "x"\): duplicate id'),
        (
            mutate(["edges", 0, "from"], "ghost"),
            r"edges\[0\]: no node 'ghost' \(a dangling edge\)",
        ),
        (mutate(["version"], 99), "version 99; this GraphLab reads version 1"),
        (mutate(["format"], "keras"), "format: expected 'graphlab'"),
        (mutate(["nodes", 0, "pos"], [0, float("inf")]), r"pos: expected \[x, y\]"),
        (mutate(["edges", 0, "port"], "kernel"), r"edges\[0\]: node .* has no input 'kernel'"),
        (
            mutate(["edges", 0, "to"], "x"),
            r"edges\[0\]: node 'x' \(input\) has no input",
        ),
    ],
)
def test_bad_files_name_the_place(tmp_path, data, message):
    with pytest.raises(FileFormatError, match=message):
        load_document(write(tmp_path, data))


def test_truncated_and_non_json_files(tmp_path):
    good = tmp_path / "good.graphlab"
    save_document(trained(), good)
    cut = tmp_path / "cut.graphlab"
    cut.write_bytes(good.read_bytes()[:300])
    with pytest.raises(FileFormatError, match="damaged or truncated"):
        load_document(cut)
    text = tmp_path / "t.json"
    text.write_text('{"format": "graphlab", "nodes": [')
    with pytest.raises(FileFormatError, match="not valid JSON"):
        load_document(text)
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(FileFormatError, match="not UTF-8"):
        load_document(binary)
    with pytest.raises(FileFormatError, match="no such file"):
        load_document(tmp_path / "missing.graphlab")


def rewrite_params(tmp_path, arrays):
    path = tmp_path / "p.graphlab"
    save_document(trained(), path)
    with zipfile.ZipFile(path) as archive:
        graph = archive.read("graph.json")
    buffer = fileformat.io.BytesIO()
    np.savez(buffer, **arrays)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("graph.json", graph)
        archive.writestr("params.npz", buffer.getvalue())
    return path


def test_stale_parameters_are_dropped_with_a_warning_and_damaged_ones_refused(tmp_path):
    warnings = []
    doc = load_document(
        rewrite_params(
            tmp_path,
            {"param:conv1_W": np.zeros((3, 3), np.float32), "param:nobody": np.zeros(2)},
        ),
        warnings,
    )
    assert doc.params == {} and set(doc.nodes) == set(trained().nodes)
    assert len(warnings) == 2 and "conv1_W: shape (3, 3)" in warnings[0]
    assert "no parameter nobody" in warnings[1]
    with pytest.raises(FileFormatError, match="param:fc_b.*finite"):
        load_document(rewrite_params(tmp_path, {"param:fc_b": np.full(10, np.nan, np.float32)}))
    with pytest.raises(FileFormatError, match="nobody:x.*not a parameter, state or optimizer"):
        load_document(rewrite_params(tmp_path, {"nobody:x": np.zeros(2)}))
    with pytest.raises(FileFormatError, match="param:fc_b.*Python objects"):
        load_document(
            rewrite_params(tmp_path, {"param:fc_b": np.array([object()] * 10, dtype=object)})
        )


def test_the_documented_example_loads_and_equals_the_bundled_one():
    text = (fileformat.Path(fileformat.__file__).parents[1] / "docs/file-format.md").read_text()
    block = text.split("```json\n")[1].split("```")[0]
    doc = fileformat.document_from_bytes(block.encode(), "docs/file-format.md")
    assert document_to_dict(doc) == document_to_dict(open_graph("linear-softmax-spiral"))


def test_a_cycle_is_refused_with_its_nodes():
    data = example_dict()
    data["nodes"].append({"id": "n", "op": "negate"})
    data["edges"] = [e for e in data["edges"] if e["to"] != "relu1"]
    data["edges"] += [
        {"from": "relu1", "to": "n", "port": "x"},
        {"from": "n", "to": "relu1", "port": "x"},
    ]
    with pytest.raises(
        FileFormatError,
        match=r"graph: the graph has a cycle: (relu1 -> n -> relu1|n -> relu1 -> n)",
    ):
        fileformat.document_from_dict(data, "g.json")


def test_work_in_progress_saves_and_loads_and_running_it_names_the_fault(tmp_path):
    from engine.errors import GraphError
    from graphlab.document import DocEdge, DocNode

    doc = trained()
    doc.remove_edge(next(e for e in doc.edges if e.dst == "relu2"))
    doc.add_node(DocNode("half", "add"))
    doc.add_edge(DocEdge("fc", "half", "a"))
    doc.set_attrs("conv2", {"kernel": 5, "pad": 1})
    path = tmp_path / "wip.graphlab"
    save_document(doc, path)
    back = load_document(path)
    same_document(doc, back)
    with pytest.raises(GraphError, match="not connected|kernel"):
        back.compile()
