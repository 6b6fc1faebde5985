"""Baselines reachable from the training panel: kNN cross-validation (mean and standard
deviation of the validation accuracy per k) and a random hyperparameter search (ranked table).

Both run as a :class:`graphlab.jobs.Job`, watched by a :class:`ui.jobs.JobWatcher`: the panel shows
the result, or the job's one-line error, and its Run button is usable again either way.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.errors import GraphLabError
from engine.knn import cross_validate
from graphlab.binding import bound_data
from graphlab.crashlog import failure_message
from graphlab.jobs import DONE, Job
from graphlab.search import random_search
from ui.jobs import JobWatcher


class JobPanel(QWidget):
    """A form, Run and Cancel buttons and a status line; subclasses build ``work()`` (a function
    of the job, run in the background) and ``show(result)``; ``what`` names the work in errors."""

    what = "running a baseline"

    def __init__(self, doc, title: str) -> None:
        super().__init__()
        self.doc = doc
        self.layout_ = QVBoxLayout(self)
        self.form = QFormLayout()
        self.layout_.addWidget(QLabel(f"<b>{title}</b>"))
        self.layout_.addLayout(self.form)
        row = QHBoxLayout()
        self.run_button = QPushButton("Run")
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.status, 1)
        self.layout_.addLayout(row)
        self.jobs = JobWatcher(self)
        self.cancel_button.clicked.connect(self.jobs.cancel)
        self.jobs.changed.connect(lambda job: self.status.setText(job.message()))
        self.jobs.finished.connect(self._finished)

    @property
    def job(self) -> Job | None:
        """The running job (None when idle)."""
        return self.jobs.job

    def start(self) -> None:
        if self.jobs.running:
            return
        try:
            work = self.work()
        except Exception as exc:  # noqa: BLE001 - the form's own check, or a bug: one line
            self.status.setText(failure_message(exc, self.what))
            return
        self.status.setText("running...")
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.jobs.start(work, self.what)

    def _finished(self, job: Job) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.status.setText(job.message())
        if job.state == DONE:
            self.show(job.result)

    def work(self):
        raise NotImplementedError

    def show(self, result) -> None:
        raise NotImplementedError


class KnnPanel(JobPanel):
    """k-fold cross-validation of kNN on the training split: mean +- std per k."""

    what = "running the kNN cross-validation"

    def __init__(self, doc) -> None:
        super().__init__(doc, "kNN baseline (cross-validation)")
        self.ks = QLineEdit("1, 3, 5, 8, 10, 15, 20")
        self.folds = QSpinBox()
        self.folds.setRange(2, 20)
        self.folds.setValue(5)
        self.form.addRow("k values", self.ks)
        self.form.addRow("folds", self.folds)
        self.plot = pg.PlotWidget(title="kNN validation accuracy per k")
        self.plot.setLabel("bottom", "k")
        self.layout_.addWidget(self.plot, 1)
        self.scores: dict = {}

    def work(self):
        try:
            ks = [int(part) for part in self.ks.text().replace(",", " ").split()]
        except ValueError:
            ks = []
        if not ks or min(ks) < 1:
            raise GraphLabError("k values: give whole numbers of at least 1, such as 1, 3, 5")
        folds, doc = self.folds.value(), self.doc.snapshot()

        def run(job):
            train = bound_data(doc).splits.train
            X = train.X.reshape(len(train.X), -1)
            order = np.random.default_rng(0).permutation(len(X))  # the rows may be sorted
            return cross_validate(X[order], train.y[order], ks, folds, progress=job.report)

        return run

    def show(self, scores) -> None:
        self.scores = scores
        ks = np.array(sorted(scores), dtype=float)
        mean = np.array([scores[k].mean for k in sorted(scores)])
        std = np.array([scores[k].std for k in sorted(scores)])
        self.plot.clear()
        for k in sorted(scores):
            self.plot.plot([k] * len(scores[k].accuracies), scores[k].accuracies, pen=None,
                           symbol="o", symbolSize=4, symbolBrush="#999")  # fmt: skip
        self.plot.addItem(pg.ErrorBarItem(x=ks, y=mean, height=2 * std, beam=0.3))
        self.plot.plot(ks, mean, pen=pg.mkPen("#1f77b4", width=2), symbol="s")
        best = max(scores, key=lambda k: scores[k].mean)
        self.status.setText(f"best k = {best}: {scores[best].mean:.3f} +- {scores[best].std:.3f}")


class SearchPanel(JobPanel):
    """Random search of the learning rate (and regularisation) in log space, ranked."""

    what = "running the hyperparameter search"

    def __init__(self, doc) -> None:
        super().__init__(doc, "Hyperparameter search (random, log space)")
        self.trials = QSpinBox()
        self.trials.setRange(1, 200)
        self.trials.setValue(6)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.epochs.setValue(2)
        self.lr = QLineEdit("1e-4:1e-1")
        self.reg = QLineEdit("")
        self.reg.setPlaceholderText("LO:HI (graphs with a penalty node)")
        for label, widget in (("trials", self.trials), ("epochs each", self.epochs),
                              ("lr range", self.lr), ("reg range", self.reg)):  # fmt: skip
            self.form.addRow(label, widget)
        self.table = QTableWidget(0, 0)
        self.layout_.addWidget(self.table, 1)
        self.trials_found: list = []

    def work(self):
        ranges = {"lr": self.lr.text().strip() or None, "reg": self.reg.text().strip() or None}
        doc, trials, epochs = self.doc.snapshot(), self.trials.value(), self.epochs.value()
        return lambda job: random_search(doc, trials, ranges, epochs=epochs, progress=job.report)

    def show(self, trials) -> None:
        self.trials_found = trials
        names = sorted({name for t in trials for name in t.values})
        headers = ["rank", *names, "val acc", "train acc", "note"]
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(trials))
        for row, trial in enumerate(trials):
            cells = [str(row + 1), *(f"{trial.values.get(n, float('nan')):.3g}" for n in names)]
            cells += [_accuracy(trial.val_accuracy), _accuracy(trial.train_accuracy), trial.note]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()


def _accuracy(value) -> str:
    return "" if value is None else f"{value:.3f}"
