"""A document as a PyTorch training project that runs without GraphLab, under ``torchrun``.

``export_torch_project(doc, folder)`` writes:

- ``model.py``: the module (:mod:`graphlab.export.torch_export`), its initial weights in
  ``weights.npz`` (the document's parameters, or the fresh ones GraphLab would start from);
- ``data.py`` and ``train.py``: fixed files (``graphlab/export/project_files/``) reading
- ``project.json``: the dataset (a built-in set stored as ``dataset.npz``; the user's files by
  absolute path), the split, the augmentation, the optimizer as torch names it, the schedule,
  epochs, batch size and seed; ``preprocessing.npz``: the statistics GraphLab fitted on the
  training split;
- ``README.md``: the exact commands.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
from pathlib import Path

import numpy as np

from engine.backend import to_numpy
from engine.optim import optimizer_class, validate_settings
from engine.schedules import schedule_class
from engine.trainer import find_scores
from graphlab.atomic import write_atomically
from graphlab.binding import bound_data
from graphlab.document import GraphDocument
from graphlab.export import ExportError, export_plan, python_names, unsupported
from graphlab.export.torch_export import (
    RESERVED,
    SUPPORTED,
    UNSUPPORTED,
    class_name,
    module_source,
    parameter_arrays,
    torch_optimizer,
)
from graphlab.training.settings import training_settings

FILES = Path(__file__).with_name("project_files")
#: augmentations data.py reproduces
AUGMENTATIONS = ("flip", "crop_padding", "translate")
README = """# {name}: a PyTorch training project exported from GraphLab

{description}

Needs Python 3.11+, numpy and torch{pillow}; not GraphLab. Dataset: {dataset}.

    python train.py                                      # one process: CPU, or GPU 0
    torchrun --standalone --nproc_per_node=2 train.py    # 2 processes (DDP: gloo on CPU, nccl on GPUs)
    python train.py --epochs 3 --out run1                # fewer epochs, another output folder
    python train.py --resume output/checkpoints/epoch-2.pt --epochs 1

Several machines: `torchrun --nnodes=M --node_rank=R --nproc_per_node=N --rdzv_backend=c10d
--rdzv_endpoint=HOST:PORT train.py` on each.

Settings (project.json): {optimizer} {arguments}, schedule {schedule}, {epochs} epochs,
batch size {batch_size} in all (each of N processes takes batch_size // N), seed {seed}.
Rank 0 writes `output/metrics.csv` (GraphLab's metrics format), `output/checkpoints/epoch-E.pt`
every epoch and `output/model.pt` at the end. Back into GraphLab, to inspect and step through:

    graphlab import-weights {graph} output/model.pt --metrics output/metrics.csv -o {name}-trained.graphlab

Files: model.py (the graph as an nn.Module, one variable per node), weights.npz (initial
parameters), data.py (dataset, split, preprocessing.npz statistics, augmentation), train.py.
"""


def export_torch_project(
    doc: GraphDocument, folder: str | os.PathLike, graph: str | None = None
) -> list[Path]:
    """Write the project for ``doc`` (bound to a dataset) into ``folder``; the paths written.
    ``graph``: the GRAPH argument it was opened from (a file or a bundled name), which the
    README's import-weights command names."""
    if not doc.dataset:
        raise ExportError(f"{doc.name}: a training project needs a dataset bound to the graph")
    settings = training_settings(doc)
    doc = doc.snapshot()
    if not doc.params:  # the parameters GraphLab's training would start from
        fresh = doc.compile(seed=settings["seed"]).params
        doc.set_params({k: to_numpy(v) for k, v in fresh.items()})
    plan = export_plan(doc, include_loss=True)
    unsupported(plan.graph, plan.nodes, SUPPORTED, "PyTorch", UNSUPPORTED)
    data = bound_data(doc)
    config = _config(doc, plan, settings, data)
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{folder}: cannot make the folder ({exc.strerror or exc})") from None
    # data.py applies the preprocessing, so the module takes preprocessed input (without the
    # statistics a trained project stores, which the plain PyTorch export builds in)
    model = module_source(_without_stored_statistics(doc), plan, "weights.npz", main=False)
    files = {
        "model.py": model.encode(),
        "weights.npz": _npz(parameter_arrays(plan.graph)),
        "preprocessing.npz": _npz(
            {"mean": data.preprocessing.mean, "scale": data.preprocessing.scale}
        ),  # fmt: skip
        "project.json": (json.dumps(config, indent=2) + "\n").encode(),
        "README.md": _readme(doc, config, graph).encode(),
    }
    if config["dataset"]["format"] == "stored":
        files["dataset.npz"] = _stored_dataset(doc)
    written = []
    for name, content in files.items():
        write_atomically(folder / name, lambda f, c=content: f.write(c), ExportError)
        written.append(folder / name)
    for name in ("data.py", "train.py"):
        shutil.copyfile(FILES / name, folder / name)
        written.append(folder / name)
    return written


def _config(doc: GraphDocument, plan, settings: dict, data) -> dict:
    """project.json: what data.py and train.py read."""
    graph = plan.graph
    names = python_names(plan.nodes, RESERVED)
    loss = plan.outputs[-1]
    scores = find_scores(graph, loss)
    torch_class, arguments, _ = torch_optimizer(settings)
    schedule = dict(settings["schedule"])
    name = schedule.pop("name", "constant")
    schedule = {"name": name,
                **validate_settings(schedule_class(name), {"lr0": settings["lr"], **schedule})}  # fmt: skip
    binding = doc.dataset
    return {
        "graph": doc.name,
        "model": {
            "class": class_name(doc.name),
            "data_argument": names[data.data_input],
            "label_argument": names[data.label_input],
            "scores_output": plan.outputs.index(scores) if scores in plan.outputs else None,
            "parameters": {names[nid]: nid for nid in graph.params},
        },
        "dataset": _dataset_spec(binding.get("spec", {})),
        "split": {"val": 0.1, "test": 0.1, "seed": 0, **binding.get("split", {})},
        "augment": _augmentation(binding.get("augment")),
        "training": {
            "optimizer": torch_class,
            "settings": arguments,
            "full_batch": optimizer_class(settings["optimizer"]).full_batch,
            "schedule": schedule,
            "epochs": settings["epochs"],
            "batch_size": settings["batch_size"],
            "seed": settings["seed"],
        },
    }


def _dataset_spec(spec: dict) -> dict:
    """The binding's dataset spec for data.py: a built-in set is stored in the project, file
    paths become absolute."""
    if "name" in spec:
        return {"format": "stored", "path": "dataset.npz", "name": spec["name"]}
    paths = {"mnist": ("images", "labels"), "cifar10": ("path",), "npz": ("path",),
             "folder": ("path",)}[spec["format"]]  # fmt: skip
    return {**spec, **{key: str(Path(spec[key]).expanduser().resolve()) for key in paths}}


def _augmentation(spec) -> dict | None:
    """The binding's augmentation as data.py applies it; ExportError for one it cannot."""
    if not spec:
        return None
    from graphlab.datasets import Augmentation

    chosen = {k: v for k, v in dataclasses.asdict(Augmentation.from_spec(spec)).items() if v}
    other = sorted(set(chosen) - set(AUGMENTATIONS))
    if other:
        raise ExportError(f"the PyTorch project has no form of the augmentation {', '.join(other)}")
    return chosen or None


def _stored_dataset(doc: GraphDocument) -> bytes:
    """The built-in dataset as dataset.npz: X (uint8 when whole numbers 0-255) and y."""
    from graphlab.datasets import load_dataset

    dataset = load_dataset(doc.dataset["spec"])
    X = dataset.X
    if np.array_equal(X, np.round(X)) and X.min() >= 0 and X.max() <= 255:
        X = X.astype(np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=X, y=dataset.y)
    return buffer.getvalue()


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _readme(doc: GraphDocument, config: dict, graph: str | None) -> str:
    training = config["training"]
    graph = graph or doc.name
    if Path(graph).is_file():
        graph = str(Path(graph).resolve())
    spec = doc.dataset.get("spec", {})
    return README.format(
        name=doc.name,
        graph=graph,
        description=doc.description,
        pillow=", Pillow" if spec.get("format") == "folder" else "",
        dataset=json.dumps(spec),
        optimizer=training["optimizer"],
        arguments=json.dumps(training["settings"]),
        schedule=json.dumps(training["schedule"]),
        epochs=training["epochs"],
        batch_size=training["batch_size"],
        seed=training["seed"],
    )


def _without_stored_statistics(doc: GraphDocument) -> GraphDocument:
    """A copy of ``doc`` whose binding keeps no fitted preprocessing statistics."""
    copy = doc.snapshot()
    preprocess = {k: v for k, v in copy.dataset.get("preprocess", {}).items() if k != "fitted"}
    copy.set_dataset({**copy.dataset, "preprocess": preprocess})
    return copy
