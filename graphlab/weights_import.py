"""Moving trained weights into a project: from a PyTorch checkpoint, a ``.graphlab`` project
or an ONNX model (``graphlab import-weights``, File > Import weights...).

``read_weights(path)`` gives the source's named arrays in order; ``match_weights(doc, source,
mapping)`` pairs them with the target graph's parameters: first ``mapping`` (source name ->
target node id, ``--map SRC=DST``), then by name (the node id, or the Python name the PyTorch
export gave it, a ``module.`` prefix of DDP removed), then by order among equal shapes (each
target parameter, in graph order, takes the first unused source array of its shape). A name
or map match of the wrong shape is refused naming the parameter. Batchnorm running
statistics travel by name (``<id>:running_mean`` in a project, ``<name>_running_mean`` in a
checkpoint). ``apply_import`` stores the result (the optimizer state and progress of the old
values dropped) and the run's metrics.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.errors import GraphLabError
from engine.ops.base import fmt
from graphlab.document import GraphDocument
from graphlab.export import python_names
from graphlab.export.torch_export import RESERVED

STATS = ("running_mean", "running_var")


class WeightsError(GraphLabError):
    """A weights file cannot be read or does not fit the target; one sentence naming it."""


@dataclass
class Slot:
    """A place in the target for an array: a parameter (``stat`` None) or batchnorm state."""

    nid: str
    stat: str | None
    shape: tuple[int, ...]
    names: tuple[str, ...]  # the source names that mean this slot

    @property
    def label(self) -> str:
        return self.nid if self.stat is None else f"{self.nid}:{self.stat}"


@dataclass
class ImportReport:
    """What an import takes (target label -> (source name, array)) and what it leaves."""

    taken: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)
    left_source: list[str] = field(default_factory=list)
    left_target: list[str] = field(default_factory=list)
    how: dict[str, str] = field(default_factory=dict)  # target label -> "name"/"map"/"order"

    def lines(self) -> list[str]:
        """The report as a person reads it: one line per parameter taken, then what is left."""
        out = [
            f"took {label} {fmt(array.shape)} from {name} (by {self.how[label]})"
            for label, (name, array) in self.taken.items()
        ]
        if self.left_target:
            out.append(f"left as they were: {', '.join(self.left_target)}")
        if self.left_source:
            out.append(f"not used from the source: {', '.join(self.left_source)}")
        return out

    def params_and_state(self) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
        params, state = {}, {}
        for label, (_, array) in self.taken.items():
            nid, _, stat = label.partition(":")
            if stat:
                state.setdefault(nid, {})[stat] = array
            else:
                params[nid] = array
        return params, state


def read_weights(path: str | Path) -> dict[str, np.ndarray]:
    """The named arrays of a PyTorch checkpoint, a ``.graphlab`` project or an ONNX model,
    in their stored order; WeightsError in one sentence for anything else."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such file")
    with path.open("rb") as handle:
        head = handle.read(2)
    if path.suffix == ".onnx":
        return _from_document(_onnx_document(path))
    if path.suffix in (".graphlab", ".json"):
        from graphlab.fileformat import load_document

        return _from_document(load_document(path))
    if (head == b"PK" and _is_torch_zip(path)) or head[:1] == b"\x80":
        return _from_torch(path)
    raise WeightsError(
        f"{path}: not a PyTorch checkpoint (torch.save), a .graphlab project or an .onnx model"
    )


def _is_torch_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.endswith("data.pkl") for name in archive.namelist())
    except zipfile.BadZipFile:
        return False


def _onnx_document(path: Path) -> GraphDocument:
    from graphlab.export import import_onnx

    return import_onnx(path)


def _from_document(doc: GraphDocument) -> dict[str, np.ndarray]:
    """A project's parameters in node order, then its state as ``<id>:<stat>``."""
    order = [nid for nid in doc.nodes if nid in doc.params]
    arrays = {nid: np.asarray(doc.params[nid]) for nid in order}
    for nid, state in doc.state.items():
        arrays.update({f"{nid}:{k}": np.asarray(v) for k, v in state.items()})
    if not arrays:
        raise WeightsError(f"{doc.name}: the source holds no trained parameters")
    return arrays


def _from_torch(path: Path) -> dict[str, np.ndarray]:
    """A state dict (names -> tensors), alone or under "model"/"state_dict" in a checkpoint."""
    import pickle
    import warnings

    import torch

    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols it may not read
            warnings.simplefilter("ignore", UserWarning)
            loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise WeightsError(
            f"{path}: refused: it holds Python objects other than tensors and plain values "
            "(loaded with torch.load(weights_only=True))"
        ) from None
    except Exception as exc:  # torch raises many types for damaged files
        raise WeightsError(
            f"{path}: not a readable PyTorch checkpoint ({type(exc).__name__})"
        ) from None
    if isinstance(loaded, dict):
        for key in ("model", "state_dict"):
            if isinstance(loaded.get(key), dict):
                loaded = loaded[key]
                break
    if (
        not isinstance(loaded, dict)
        or not loaded
        or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in loaded.items())
    ):
        raise WeightsError(
            f"{path}: holds a {type(loaded).__name__} that is not a state dict "
            "(parameter names -> tensors)"
        )
    return {
        key.removeprefix("module."): value.detach().cpu().numpy().copy()
        for key, value in loaded.items()
        if not key.endswith("num_batches_tracked")
    }


def target_slots(doc: GraphDocument) -> list[Slot]:
    """The target's parameters in graph order, then its batchnorm statistics."""
    bare = doc.snapshot()
    bare.params, bare.state = {}, {}
    graph = bare.compile()
    names = python_names(graph.order, RESERVED)
    order = [nid for nid in doc.nodes if nid in graph.params]
    slots = [Slot(nid, None, tuple(graph.params[nid].shape), (nid, names[nid])) for nid in order]
    for nid in graph.order:
        if graph.nodes[nid].op == "batchnorm":
            channels = graph.shapes[graph.sources[nid]["x"]][1]
            slots += [Slot(nid, s, (channels,), (f"{nid}:{s}", f"{names[nid]}_{s}")) for s in STATS]
    return slots


def match_weights(
    doc: GraphDocument, source: dict[str, np.ndarray], mapping: dict[str, str] | None = None
) -> ImportReport:
    """Pair ``source``'s arrays with ``doc``'s parameters (see the module docstring)."""
    slots = target_slots(doc)
    by_label = {slot.label: slot for slot in slots}
    report = ImportReport()
    used: set[str] = set()

    def take(slot: Slot, name: str, how: str) -> None:
        array = source[name]
        if tuple(array.shape) != slot.shape:
            raise WeightsError(
                f"parameter {slot.label}: the source's {name} has shape {fmt(array.shape)}, "
                f"the graph needs {fmt(slot.shape)}"
            )
        report.taken[slot.label] = (name, array.astype(np.float32))
        report.how[slot.label] = how
        used.add(name)

    for name, label in (mapping or {}).items():
        if name not in source:
            raise WeightsError(f"--map {name}={label}: the source has no {name} ({_few(source)})")
        if label not in by_label:
            raise WeightsError(f"--map {name}={label}: the graph has no parameter {label}")
        take(by_label[label], name, "map")
    for slot in slots:
        if slot.label not in report.taken:
            found = next((n for n in slot.names if n in source and n not in used), None)
            if found is not None:
                take(slot, found, "name")
    for slot in slots:
        if slot.label in report.taken or slot.stat is not None:
            continue
        found = next(
            (n for n, a in source.items() if n not in used and tuple(a.shape) == slot.shape
             and ":" not in n and not n.endswith(STATS)), None,
        )  # fmt: skip
        if found is not None:
            take(slot, found, "order and shape")
    report.taken = {s.label: report.taken[s.label] for s in slots if s.label in report.taken}
    report.left_target = [s.label for s in slots if s.label not in report.taken]
    report.left_source = [n for n in source if n not in used]
    return report


def _few(source: dict) -> str:
    names = list(source)
    return ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """``["SRC=DST", ...]`` -> {SRC: DST}; WeightsError for a pair without '='."""
    mapping = {}
    for pair in pairs or []:
        src, sep, dst = pair.partition("=")
        if not sep or not src or not dst:
            raise WeightsError(f"--map {pair!r}: expected SOURCE_NAME=TARGET_NODE")
        mapping[src] = dst
    return mapping


def import_metrics(path: str | Path, name: str):
    """A run record from a metrics CSV (GraphLab's format), its file copied into the runs
    folder (where the window's runs keep theirs) so the run outlives the source folder."""
    from graphlab.training.runs import record_from_metrics
    from graphlab.training.session import new_metrics_path

    record_from_metrics(path, name)  # refuses a file of another format before copying
    kept = new_metrics_path() or Path(path)
    if kept != Path(path):
        shutil.copyfile(path, kept)
    return record_from_metrics(kept, name)


def apply_import(doc: GraphDocument, report: ImportReport, run=None) -> None:
    """Store what ``report`` took over the stored values and ``run`` (a RunRecord) in the
    history; the optimizer's state and progress are dropped (they belonged to the old
    values), so the next training starts its optimizer afresh from the imported weights."""
    params, state = report.params_and_state()
    kept_params, kept_state = dict(doc.params), dict(doc.state)
    doc.clear_trained()
    doc.set_params({**kept_params, **params}, {**kept_state, **state})
    if run is not None:
        from graphlab.training.runs import with_run

        doc.set_training(with_run(doc.training, run))
