"""The items of a graph document (nodes, edges) and the record of a removal, for undo."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphlab.consistency import Dropped


@dataclass
class DocNode:
    """A node as the user sees it: stable id, op, attrs, position, optional label and group."""

    id: str
    op: str
    attrs: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)
    label: str = ""
    group: str = ""


@dataclass(frozen=True)
class DocEdge:
    """From ``src``'s output to input ``port`` of ``dst``."""

    src: str
    dst: str
    port: str


@dataclass
class Removal:
    """What :meth:`GraphDocument.remove_nodes` took away: (index, node) and (index, edge)
    pairs in document order, and the values that named them (for undo)."""

    nodes: list[tuple[int, DocNode]]
    edges: list[tuple[int, DocEdge]]
    dropped: Dropped
    #: the groups and canvas before members were pruned (None when neither changed)
    views: tuple[dict, dict] | None = None
