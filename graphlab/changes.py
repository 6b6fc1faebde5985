"""What a document tells its listeners: one :class:`Change` per write, of one :class:`ChangeKind`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ChangeKind(StrEnum):
    """The kinds of document change (a listener subscribes to the ones it needs)."""

    NODE_ADDED = "node_added"  # subject: node id
    NODE_REMOVED = "node_removed"  # subject: node id
    NODE_MOVED = "node_moved"  # subject: node id
    NODE_CHANGED = "node_changed"  # attrs or label; subject: node id
    EDGE_ADDED = "edge_added"  # subject: the DocEdge
    EDGE_REMOVED = "edge_removed"  # subject: the DocEdge
    PARAMS_CHANGED = "params_changed"  # parameter values, op state or optimizer state
    INPUT_CHANGED = "input_changed"  # a stored input value; subject: node id
    TRAINING_CHANGED = "training_changed"  # training settings, progress or run records
    DATASET_CHANGED = "dataset_changed"  # the dataset binding
    LOSS_CHANGED = "loss_changed"  # the node backward starts from
    INFO_CHANGED = "info_changed"  # name or description
    GROUPS_CHANGED = "groups_changed"  # groups made, dissolved, renamed or moved
    CANVAS_CHANGED = "canvas_changed"  # bypass, frames, notes, reroute points, wire style
    DROPPED = "dropped"  # stale values dropped by a command; subject: tuple of sentences
    RESET = "reset"  # everything replaced (open, new)


#: the kinds after which the graph's wiring or shapes may differ (the analysis is redone)
STRUCTURE = frozenset(
    {
        ChangeKind.NODE_ADDED,
        ChangeKind.NODE_REMOVED,
        ChangeKind.NODE_CHANGED,
        ChangeKind.EDGE_ADDED,
        ChangeKind.EDGE_REMOVED,
        ChangeKind.RESET,
    }
)


@dataclass(frozen=True)
class Change:
    """One write to the document: its kind and subject (see :class:`ChangeKind`)."""

    kind: ChangeKind
    subject: Any = None
