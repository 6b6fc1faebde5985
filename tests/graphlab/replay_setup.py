"""The replay tests' project: cnn-digits with dropout before the classifier and augmentation."""

from __future__ import annotations

import json

from graphlab.examples import resolve_graph
from graphlab.fileformat import document_from_dict


def cnn_digits_dropout(epochs: int = 3):
    """cnn-digits (Adam) with dropout (p 0.8) between flatten and fc, random translation."""
    data = json.loads(resolve_graph("cnn-digits").read_text())
    data["nodes"].append({"id": "drop", "op": "dropout", "attrs": {"p": 0.8}, "pos": [0, 0]})
    for edge in data["edges"]:
        if edge["from"] == "flat" and edge["to"] == "fc":
            edge["from"] = "drop"
    data["edges"].append({"from": "flat", "to": "drop", "port": "x"})
    data["dataset"]["augment"] = {"translate": 0.125}
    data["training"] = {**data["training"], "epochs": epochs}
    return document_from_dict(data)
