"""The docs match the code: docs/file-format.md names every field a saved project holds (a
project is trained one epoch, given a run record and augmentation, saved, and every key of its
graph.json and params.npz is looked up), and docs/architecture.md names only real files."""

import json
import re
import zipfile
from pathlib import Path

from graphlab.examples import open_graph
from graphlab.fileformat import save_document
from graphlab.training import prepare_training
from graphlab.training.runs import RunRecord, with_run

ROOT = Path(__file__).resolve().parents[1]


def documented() -> set[str]:
    """The words inside `code` spans of docs/file-format.md (`param:<node id>` gives
    ``param:``, ``node`` and ``id``)."""
    text = (ROOT / "docs" / "file-format.md").read_text()
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)  # the examples are not the reference
    return {
        word for span in re.findall(r"`([^`]+)`", text) for word in re.findall(r"[\w:/]+", span)
    }


def saved_graph(tmp_path) -> dict:
    doc = open_graph("cnn-digits")
    doc.dataset["augment"] = {
        "flip": True,
        "crop_padding": 1,
        "translate": 0.1,
        "rotate": 5.0,
        "scale": 0.1,
        "shear": 5.0,
    }
    doc.training["optimizer_settings"] = {"beta1": 0.9}
    doc.training["schedule"] = {"name": "step", "every": 10, "gamma": 0.5}
    run = prepare_training(doc, {"epochs": 1})
    record = RunRecord(name="run 1", settings={"epochs": 1, "device": "cpu"})
    run.trainer.metrics.on_step(lambda e: record.add_steps([(e.epoch, e.step, e.loss, e.lr)]))
    run.trainer.metrics.on_epoch(lambda e: record.add_epochs([e]))
    run.trainer.run()
    run.finish()
    record.add_ratios(1, {"fc_W": 1e-3})
    doc.training = with_run(doc.training, record)
    save_document(doc, tmp_path / "trained.graphlab")
    with zipfile.ZipFile(tmp_path / "trained.graphlab") as archive:
        npz_keys = zipfile.ZipFile(archive.open("params.npz")).namelist()
        return json.loads(archive.read("graph.json")), npz_keys


def npz_kind(key: str) -> str:
    """``param:fc_W`` -> ``param:``, ``state:bn:running_mean`` -> ``state:``,
    ``extra:optimizer_state:m`` -> ``extra:optimizer_state:``."""
    kind, _, rest = key.partition(":")
    return f"{kind}:{rest.partition(':')[0]}:" if kind == "extra" else f"{kind}:"


def test_every_field_of_a_saved_project_is_documented(tmp_path):
    graph, npz_keys = saved_graph(tmp_path)
    training, dataset = graph["training"], graph["dataset"]
    fields = {
        "top level": set(graph),
        "node": {key for node in graph["nodes"] for key in node},
        "edge": {key for edge in graph["edges"] for key in edge},
        "dataset": set(dataset),
        "dataset.split": set(dataset["split"]),
        "dataset.preprocess": set(dataset["preprocess"]),
        "dataset.augment": set(dataset["augment"]),
        "training": set(training),
        "training.schedule": set(training["schedule"]),
        "training.progress": set(training["progress"]),
        "training.runs[]": {key for run in training["runs"] for key in run},
        "params.npz": {npz_kind(key.removesuffix(".npy")) for key in npz_keys},
    }
    assert {"runs", "progress", "optimizer_settings"} <= fields["training"]
    known = documented()
    missing = {where: sorted(keys - known) for where, keys in fields.items() if keys - known}
    assert missing == {}, "docs/file-format.md does not name these saved fields"


def test_every_file_docs_architecture_names_exists():
    """The map names real files (`engine/graph.py`, `graphlab/export/`), so it cannot drift."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`((?:engine|graphlab|ui|tests|docs|assets)/[\w/.-]*)`", text))
    assert len(named) > 40
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert missing == [], "docs/architecture.md names missing files: " + ", ".join(missing)
