"""How teaching text names a node: the label the student gave it, the id only where two
labels clash (or a label reads as another node's id). Qt-free; the one helper every
message, explanation and problem goes through."""

from __future__ import annotations

import re
from collections import Counter


def display_names(doc) -> dict[str, str]:
    """Node id -> the name text shows: ``label``, ``label (id)`` on a clash, else ``id``."""
    counts = Counter(node.label for node in doc.nodes.values() if node.label)
    names = {}
    for nid, node in doc.nodes.items():
        label = node.label
        if not label or label == nid:
            names[nid] = nid
        elif counts[label] > 1 or label in doc.nodes:
            names[nid] = f"{label} ({nid})"
        else:
            names[nid] = label
    return names


def display_name(doc, nid: str) -> str:
    """The name text shows for node ``nid`` (its id when it is not in ``doc``)."""
    return display_names(doc).get(nid, nid)


def with_labels(doc, text: str) -> str:
    """``text`` (a message naming nodes by id) with each node id, as a whole word, replaced
    by its display name."""
    renamed = {nid: name for nid, name in display_names(doc).items() if name != nid}
    if not renamed:
        return text
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, renamed)) + r")(?!\w)")
    return pattern.sub(lambda m: renamed[m.group(1)], text)
