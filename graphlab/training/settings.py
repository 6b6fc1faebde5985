"""Training a document: settings, its bound data, the engine's trainer, and the results kept.

The engine's :class:`~engine.trainer.Trainer` works on a compiled graph and arrays; this
module connects it to a :class:`GraphDocument`: the training settings stored in the
document (overridable), its dataset binding, and, afterwards, the trained parameters,
batchnorm state and optimizer state written back so that Save keeps them and a later run
resumes where this one ended.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine.backend import to_numpy
from engine.divergence import DivergenceRule
from engine.errors import DatasetError, GraphLabError
from engine.optim import optimizer_class
from engine.schedules import make_schedule
from engine.trainer import Trainer
from graphlab.binding import BoundData, bound_data
from graphlab.consistency import OPTIMIZER_STATE  # optimizer state saved between runs
from graphlab.document import GraphDocument
from graphlab.preprocess_store import fitted_record, with_record

DEFAULTS: dict[str, Any] = {
    "optimizer": "adam",
    "lr": 1e-3,
    "epochs": 10,
    "batch_size": 64,
    "seed": 0,
    "schedule": {"name": "constant"},
}


@dataclass
class TrainingRun:
    """A prepared run: the document, its compiled graph, its data, the trainer, the settings."""

    doc: GraphDocument
    graph: Any
    data: BoundData
    trainer: Trainer
    settings: dict[str, Any]

    def fits(self) -> bool:
        """Whether the document still compiles with every trained parameter, each of the
        same shape (an edit during the run may have removed or reshaped one)."""
        bare = self.doc.snapshot()
        bare.params, bare.state = {}, {}
        try:
            shapes = {k: tuple(v.shape) for k, v in bare.compile().params.items()}
        except GraphLabError:
            return False
        return all(shapes.get(k) == tuple(v.shape) for k, v in self.graph.params.items())

    def finish(self) -> None:
        """Write the trained values back into the document (parameters, state, progress)."""
        graph, trainer = self.graph, self.trainer
        state = {nid: {k: to_numpy(v) for k, v in s.items()} for nid, s in graph.state.items() if s}
        optimizer = trainer.optimizer
        progress = {
            "epoch": trainer.epoch,
            "step": trainer.step,
            "optimizer": self.settings["optimizer"],
        }
        extra = None
        if hasattr(optimizer, "state"):
            progress["parameter_steps"] = dict(optimizer.steps)
            extra = {OPTIMIZER_STATE: {k: to_numpy(v).copy() for k, v in optimizer.state.items()}}
        params = {k: to_numpy(v).copy() for k, v in graph.params.items()}
        self.doc.set_params(params, state, extra)
        self.doc.set_training({**self.doc.training, "progress": progress})
        if not self.data.record and self.doc.dataset.get("spec"):  # keep the fitted statistics
            record = fitted_record(self.data, self.doc.dataset)
            self.doc.set_dataset(with_record(self.doc.dataset, record))


def training_settings(
    doc: GraphDocument, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The document's settings over the defaults, with ``overrides`` (None values ignored) on top."""
    stored = {k: v for k, v in doc.training.items() if k != "progress"}
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    settings = {**DEFAULTS, **stored, **given}
    for key, kind in (("epochs", int), ("batch_size", int), ("seed", int), ("lr", float)):
        value = settings[key]
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
            or value < 0
            or (kind is int and value != int(value))
        ):
            raise GraphLabError(
                f"training setting {key!r}: expected a non-negative {kind.__name__}, got {value!r}"
            )
        settings[key] = kind(value)
    if not isinstance(settings["optimizer"], str):
        raise GraphLabError(
            f"training setting 'optimizer': expected a name, got {settings['optimizer']!r}"
        )
    if settings["batch_size"] < 1 or settings["lr"] <= 0:
        raise GraphLabError("training settings: batch_size must be at least 1 and lr above 0")
    if isinstance(settings["schedule"], str):
        settings["schedule"] = {"name": settings["schedule"]}
    return settings


def prepare_training(
    doc: GraphDocument,
    overrides: dict[str, Any] | None = None,
    device: str = "cpu",
    data: BoundData | None = None,
) -> TrainingRun:
    """Compile ``doc``, load its data and build a trainer; resumes from stored progress."""
    settings = training_settings(doc, overrides)
    augment = _augmentation(doc)  # a bad augmentation is refused before any loading
    graph = doc.compile(device=device, seed=settings["seed"])
    data = data or bound_data(doc)
    optimizer_settings = dict(settings.get("optimizer_settings", {}))
    cls = optimizer_class(settings["optimizer"])
    if any(a.name == "lr" for a in cls.settings):
        optimizer_settings["lr"] = settings["lr"]
    frozen = set(graph.params) - set(graph.trainable())
    optimizer = cls(graph.params, frozen=frozen, **optimizer_settings)
    schedule_spec = dict(settings["schedule"])
    schedule = make_schedule(
        schedule_spec.pop("name", "constant"), lr0=settings["lr"], **schedule_spec
    )
    splits = data.splits
    val = (splits.val.X, splits.val.y) if len(splits.val) else None
    trainer = Trainer(
        graph,
        doc.loss_node(graph),
        data.data_input,
        data.label_input,
        (splits.train.X, splits.train.y),
        val,
        optimizer=optimizer,
        schedule=schedule,
        batch_size=settings["batch_size"],
        epochs=settings["epochs"],
        seed=settings["seed"],
        augment=augment,
    )
    trainer.divergence = DivergenceRule.from_settings(settings.get("divergence"))
    _resume(doc, trainer, settings)
    return TrainingRun(doc, graph, data, trainer, settings)


def _augmentation(doc: GraphDocument):
    spec = doc.dataset.get("augment")
    if not spec:
        return None
    from graphlab.datasets import Augmentation

    if doc.dataset.get("features"):
        raise DatasetError(
            "dataset.augment works on images and dataset.features turns them into feature "
            "vectors: turn one of them off"
        )
    augmentation = Augmentation.from_spec(spec)
    return lambda X, rng: augmentation.apply(X, rng, train=True)


def _resume(doc: GraphDocument, trainer: Trainer, settings: dict[str, Any]) -> None:
    """Continue the step and epoch counts (and the optimizer's state) of a saved run."""
    progress = doc.training.get("progress") or {}
    trainer.step, trainer.epoch = int(progress.get("step", 0)), int(progress.get("epoch", 0))
    saved = doc.extra_arrays.get(OPTIMIZER_STATE)
    optimizer = trainer.optimizer
    if (
        not saved
        or progress.get("optimizer") != settings["optimizer"]
        or not hasattr(optimizer, "state")
    ):
        return
    if set(saved) == set(optimizer.state) and all(
        saved[k].shape == optimizer.state[k].shape for k in saved
    ):
        xp = optimizer.xp
        for key, value in saved.items():
            xp.copyto(optimizer.state[key], xp.asarray(value, dtype=optimizer.state[key].dtype))
        for key, count in progress.get("parameter_steps", {}).items():
            if key in optimizer.steps:
                optimizer.steps[key] = int(count)


def accuracy_of(trainer: Trainer, split) -> float | None:
    """Accuracy of the trained graph on a dataset split (eval mode), or None when empty."""
    if not len(split):
        return None
    xp = trainer.graph.xp
    accuracy, _ = trainer.evaluate(
        xp.asarray(split.X, dtype=trainer.graph.dtype), xp.asarray(split.y)
    )
    return accuracy
