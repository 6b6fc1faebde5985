"""The dataset's preprocessing in exported models: the statistics a GraphLab run fitted
(``dataset.preprocess.fitted``, see graphlab/preprocess_store.py) applied to raw samples.

ONNX: with ``embed`` the model starts with ``(x - mean) / scale`` (a ``Sub`` and a ``Div``
on the data input), so it takes raw samples as the dataset holds them; with ``metadata`` it
takes preprocessed samples and its metadata (``graphlab.preprocess``) says how to make them.
Either way the metadata holds the statistics. PyTorch: the module's forward starts with the
same two operations (the statistics in its ``.npz``, or inline when it has no parameters).
"""

from __future__ import annotations

import json

import numpy as np

from graphlab.preprocess_store import stored_record

MODES = ("embed", "metadata")
METADATA_KEY = "graphlab.preprocess"


def stored_preprocessing(doc, nodes) -> tuple[str, dict] | None:
    """(data input id, stored record) when ``doc`` was trained with preprocessing statistics
    and its data input is among ``nodes``; None otherwise."""
    record = stored_record(doc.dataset)
    data_input = doc.dataset.get("data_input")
    if record is None or data_input not in nodes:
        return None
    return data_input, record


def onnx_preprocess(builder, data_input: str, record: dict, mode: str) -> dict[str, str]:
    """Add the Sub and Div nodes (``embed``); returns the tensor renames for the data's
    consumers (none for ``metadata``)."""
    if mode == "metadata":
        return {}
    mean = builder.const(f"{data_input}::preprocess_mean", np.asarray(record["mean"]))
    scale = builder.const(f"{data_input}::preprocess_scale", np.asarray(record["scale"]))
    centered = builder.node("Sub", [data_input, mean], f"{data_input}::centered")
    return {data_input: builder.node("Div", [centered, scale], f"{data_input}::preprocessed")}


def onnx_metadata(onnx, model, data_input: str, record: dict, mode: str) -> None:
    """Write the statistics and how the input is meant into the model's metadata."""
    text = {
        "input": data_input,
        "embedded": mode == "embed",
        "expects": "raw samples"
        if mode == "embed"
        else "preprocessed samples: (raw - mean) / scale",
        "center": record["center"],
        "mean": record["mean"],
        "scale": record["scale"],
    }
    onnx.helper.set_model_props(model, {METADATA_KEY: json.dumps(text)})


def torch_arrays(record: dict) -> dict[str, np.ndarray]:
    """The statistics as .npz entries of the PyTorch export."""
    return {
        "preprocess:mean": np.asarray(record["mean"], np.float32),
        "preprocess:scale": np.asarray(record["scale"], np.float32),
    }


def torch_lines(name: str, record: dict, in_npz: bool) -> tuple[list[str], str]:
    """(lines of __init__ registering the statistics, forward's first line applying them)."""
    init = []
    for key in ("mean", "scale"):
        value = f'tensor(arrays["preprocess:{key}"])' if in_npz else f"tensor({record[key]!r})"
        init.append(f'self.register_buffer("preprocess_{key}", {value})')
    line = f"{name} = ({name} - self.preprocess_mean) / self.preprocess_scale  # the dataset's preprocessing, fitted in GraphLab"  # fmt: skip
    return init, line
