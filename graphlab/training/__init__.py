"""Training a document, Qt-free: settings and preparation (:mod:`.settings`), one session that
runs it in a worker thread or forked process (:mod:`.session`, :mod:`.worker`,
:mod:`.process_worker`), the run record (:mod:`.runs`) and the one metrics CSV format
(:mod:`.metrics_csv`). The dashboard and ``graphlab train`` both consume a session."""

from graphlab.training.settings import (
    DEFAULTS,
    OPTIMIZER_STATE,
    TrainingRun,
    accuracy_of,
    prepare_training,
    training_settings,
)

__all__ = [
    "DEFAULTS",
    "OPTIMIZER_STATE",
    "TrainingRun",
    "accuracy_of",
    "prepare_training",
    "training_settings",
]
