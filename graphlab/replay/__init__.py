"""Replaying past training steps (Qt-free): the snapshot store a run writes as it trains
(:mod:`graphlab.replay.store`, :mod:`graphlab.replay.recorder`) and the exact recomputation
of any step from it (:mod:`graphlab.replay.recompute`)."""

from graphlab.replay.recompute import ReplayedStep, replay_step
from graphlab.replay.store import DEFAULT_BUDGET, ReplayError, SnapshotStore

__all__ = ["DEFAULT_BUDGET", "ReplayError", "ReplayedStep", "SnapshotStore", "replay_step"]
