"""``graphlab import-weights``: parameters taken bit-identical from a PyTorch checkpoint, a
project or an ONNX model; mismatches and bad checkpoints refused in one line (status 2)."""

import pickle

import numpy as np
import pytest
import torch

from engine.backend import to_numpy
from graphlab.cli import main
from graphlab.examples import open_graph
from graphlab.export import export_onnx
from graphlab.fileformat import load_document, save_document
from graphlab.training.settings import prepare_training
from graphlab.weights_import import WeightsError, match_weights, read_weights

NAMES = ("conv1_W", "conv1_b", "conv2_W", "conv2_b", "fc_W", "fc_b")


def trained(seed=3):
    """cnn-digits with parameters that are not the fresh ones (seed ``seed``)."""
    doc = open_graph("cnn-digits")
    doc.set_params({k: to_numpy(v) for k, v in doc.compile(seed=seed).params.items()})
    return doc


def run_cli(capsys, *argv):
    capsys.readouterr()
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("kind", ["torch", "checkpoint", "graphlab", "onnx"])
def test_taken_parameters_are_bit_identical(tmp_path, capsys, kind):
    source_doc = trained()
    expected = {k: np.asarray(v) for k, v in source_doc.params.items()}
    if kind in ("torch", "checkpoint"):
        state = {k: torch.from_numpy(v) for k, v in expected.items()}
        if kind == "checkpoint":  # as train.py writes one, from a DDP model
            state = {"epoch": 2, "model": {f"module.{k}": v for k, v in state.items()}}
        source = tmp_path / "model.pt"
        torch.save(state, source)
    elif kind == "graphlab":
        source = tmp_path / "source.graphlab"
        save_document(source_doc, source)
    else:
        source = tmp_path / "model.onnx"
        export_onnx(source_doc, source)
    target = tmp_path / "target.graphlab"
    status, out, _ = run_cli(capsys, "import-weights", "cnn-digits", source, "-o", target)
    assert status == 0
    doc = load_document(target)
    for name in NAMES:
        assert doc.params[name].tobytes() == expected[name].astype(np.float32).tobytes()
    assert out.count("took ") == len(NAMES)


def test_order_and_shape_then_map_pair_what_names_do_not(tmp_path):
    doc = open_graph("cnn-digits")
    source = {f"layer{i}": np.full(doc.compile().params[n].shape, i, np.float32)
              for i, n in enumerate(NAMES)}  # fmt: skip
    source["extra"] = np.zeros(3, np.float32)
    report = match_weights(doc, source)
    assert {label: name for label, (name, _) in report.taken.items()} == {
        n: f"layer{i}" for i, n in enumerate(NAMES)
    }
    assert set(report.how.values()) == {"order and shape"} and report.left_source == ["extra"]
    conv1_b, fc_b = np.ones(16, np.float32), np.full(10, 7, np.float32)
    mapped = match_weights(doc, {"bias": fc_b, "first": conv1_b}, {"bias": "fc_b"})
    assert mapped.how == {"conv1_b": "order and shape", "fc_b": "map"}
    assert mapped.taken["fc_b"][1].tobytes() == fc_b.tobytes()
    assert "left as they were: conv1_W, conv2_W, conv2_b, fc_W" in mapped.lines()


def test_a_shape_mismatch_is_refused_naming_the_parameter(tmp_path, capsys):
    state = {k: torch.from_numpy(np.asarray(v)) for k, v in trained().params.items()}
    state["conv2_W"] = torch.zeros(8, 16, 3, 3)
    torch.save(state, tmp_path / "wrong.pt")
    status, out, err = run_cli(capsys, "import-weights", "cnn-digits", tmp_path / "wrong.pt",
                               "-o", tmp_path / "t.graphlab")  # fmt: skip
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "parameter conv2_W" in err and "(8, 16, 3, 3)" in err
    assert not (tmp_path / "t.graphlab").exists()
    with pytest.raises(WeightsError, match="--map fc=nowhere: the graph has no parameter"):
        match_weights(open_graph("cnn-digits"), {"fc": np.zeros(1)}, {"fc": "nowhere"})


class Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.parametrize(
    "content, words",
    [
        (lambda p: torch.save([torch.zeros(2)], p), "holds a list that is not a state dict"),
        (lambda p: torch.save({"step": 3}, p), "holds a dict that is not a state dict"),
        (lambda p: p.write_bytes(pickle.dumps(Evil())), "refused: it holds Python objects"),
        (lambda p: p.write_text("epoch,step\n1,2\n"), "not a PyTorch checkpoint (torch.save)"),
        (lambda p: p.write_bytes(b"PK\x03\x04broken zip"), "not a PyTorch checkpoint"),
    ],
)
def test_a_bad_checkpoint_gets_status_2_and_one_sentence(tmp_path, capsys, content, words):
    path = tmp_path / "bad.pt"
    content(path)
    status, out, err = run_cli(capsys, "import-weights", "cnn-digits", path,
                               "-o", tmp_path / "t.graphlab")  # fmt: skip
    assert status == 2 and words in err and err.count("\n") == 1, err
    assert "this must never run" not in out


def test_frozen_layers_stay_bit_identical_after_training(tmp_path):
    source = tmp_path / "source.graphlab"
    save_document(trained(seed=5), source)
    doc = open_graph("cnn-digits")
    report = match_weights(doc, read_weights(source))
    from graphlab.weights_import import apply_import

    apply_import(doc, report)
    for nid in ("conv1_W", "conv1_b", "conv2_W", "conv2_b"):
        doc.set_attrs(nid, {**doc.nodes[nid].attrs, "frozen": True})
    before = {k: np.array(v) for k, v in doc.params.items()}
    run = prepare_training(doc, {"epochs": 1})
    run.trainer.run()
    run.finish()
    for nid in ("conv1_W", "conv1_b", "conv2_W", "conv2_b"):
        assert doc.params[nid].tobytes() == before[nid].tobytes()
    assert not np.array_equal(doc.params["fc_W"], before["fc_W"])


def test_batchnorm_statistics_come_by_name_and_bundled_graphs_are_not_overwritten(tmp_path, capsys):
    doc = open_graph("batchnorm-dropout-mlp")
    params = {k: to_numpy(v) for k, v in doc.compile(seed=4).params.items()}
    stats = {"bn1_running_mean": np.linspace(0, 1, 100, dtype=np.float32),
             "bn1_running_var": np.linspace(1, 2, 100, dtype=np.float32)}  # fmt: skip
    state = {k: torch.from_numpy(v) for k, v in {**params, **stats}.items()}
    state["bn1_num_batches_tracked"] = torch.tensor(5)
    torch.save(state, tmp_path / "bn.pt")
    status, _, err = run_cli(capsys, "import-weights", "batchnorm-dropout-mlp", tmp_path / "bn.pt")
    assert status == 2 and "give -o PROJECT.graphlab" in err
    target = tmp_path / "bn.graphlab"
    status, out, _ = run_cli(capsys, "import-weights", "batchnorm-dropout-mlp", tmp_path / "bn.pt",
                             "-o", target)  # fmt: skip
    assert status == 0 and "took bn1:running_var (100,) from bn1_running_var (by name)" in out
    saved = load_document(target)
    assert saved.state["bn1"]["running_mean"].tobytes() == stats["bn1_running_mean"].tobytes()
    assert saved.params["bn1_gamma"].tobytes() == params["bn1_gamma"].tobytes()
    status, out, _ = run_cli(capsys, "import-weights", target, tmp_path / "bn.pt")  # in place
    assert status == 0 and f"wrote {target}" in out


def test_importing_into_a_trained_project_restarts_its_optimizer(tmp_path, capsys):
    from graphlab.consistency import OPTIMIZER_STATE

    project = tmp_path / "trained.graphlab"
    assert main(["train", "cnn-digits", "--epochs", "1", "--save", str(project)]) == 0
    assert OPTIMIZER_STATE in load_document(project).extra_arrays
    source = {k: torch.from_numpy(np.asarray(v)) for k, v in trained().params.items()}
    del source["fc_b"]  # left as it was
    torch.save(source, tmp_path / "model.pt")
    before = load_document(project).params["fc_b"]
    status, out, _ = run_cli(capsys, "import-weights", project, tmp_path / "model.pt")
    assert status == 0 and "left as they were: fc_b" in out
    doc = load_document(project)
    assert OPTIMIZER_STATE not in doc.extra_arrays and "progress" not in doc.training
    assert doc.params["fc_b"].tobytes() == before.tobytes()
    assert doc.params["fc_W"].tobytes() == source["fc_W"].numpy().tobytes()
