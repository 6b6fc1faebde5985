"""The dashboard's "Ensemble" tab: select runs, press Ensemble, see the ensemble's test
accuracy and confusion matrix beside each member's.

A run record keeps curves, not parameters, so this tab keeps a copy of the document as each
run left it (runs trained in this window; for a project opened with trained values, its last
saved run). The ensemble is the mean of the members' softmax probabilities on the test split
(:mod:`graphlab.evaluate`).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from graphlab.document import GraphDocument
from graphlab.evaluate import EnsembleReport, evaluate_documents
from graphlab.training.runs import saved_runs
from ui.guard import run_guarded
from ui.training.images import ConfusionView


class EnsembleView(QWidget):
    """Runs with their trained copies (a list, several selectable) and the evaluation."""

    COLUMNS = 3

    def __init__(self, doc: GraphDocument) -> None:
        super().__init__()
        self.doc = doc
        self.models: dict[str, GraphDocument] = {}
        self.report: EnsembleReport | None = None
        self.runs = QListWidget()
        self.runs.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.runs.setToolTip("runs trained in this window: select two or more")
        self.button = QPushButton("Ensemble")
        self.button.setToolTip("test accuracy of the selected runs and of their mean softmax")
        self.summary = QLabel("Select runs, then Ensemble.")
        self.summary.setWordWrap(True)
        self.grid = QGridLayout()
        self.views: list[ConfusionView] = []
        self.runs.setMaximumWidth(260)
        self.summary.setMaximumWidth(260)
        side = QVBoxLayout()
        side.addWidget(self.runs, 1)
        side.addWidget(self.button)
        side.addWidget(self.summary)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(side, 0, 0)
        layout.addLayout(self.grid, 0, 1)
        layout.setColumnStretch(1, 3)
        self.button.clicked.connect(lambda: run_guarded(self, "Ensemble", self.evaluate_selected))
        doc.subscribe(lambda change: change.kind == "reset" and self.reset())
        self.reset()

    def reset(self) -> None:
        """Forget the runs of a previous document; keep the opened one's last run."""
        self.models = {}
        self.runs.clear()
        runs = saved_runs(self.doc.training)
        if runs and self.doc.params:
            self.keep(runs[-1].name)

    def keep_latest(self) -> None:
        """After a run went back into the document: keep a copy under the new run's name (a
        run kept apart from the document adds none)."""
        runs = saved_runs(self.doc.training)
        if runs and runs[-1].name not in self.models:
            self.keep(runs[-1].name)

    def keep(self, name: str) -> None:
        if name not in self.models:
            self.runs.addItem(name)
        self.models[name] = self.doc.snapshot()

    def select(self, names: list[str]) -> None:
        for index in range(self.runs.count()):
            item = self.runs.item(index)
            item.setSelected(item.text() in names)

    def evaluate_selected(self) -> None:
        """Evaluate the selected runs (one or more) and show every confusion matrix."""
        names = [item.text() for item in self.runs.selectedItems()]
        if not names:
            self.summary.setText("Select one or more runs first.")
            return
        report = evaluate_documents([self.models[n] for n in names], names)
        self.report = report
        rows = [*([report.ensemble] if report.ensemble else []), *report.members]
        self.summary.setText(
            "Test accuracy: "
            + "; ".join(f"{r.name} {100 * r.accuracy:.1f}%" for r in rows)
            + f" ({len(rows[0].labels)} samples)"
        )
        for view in self.views:
            self.grid.removeWidget(view)
            view.deleteLater()
        self.views = []
        for index, evaluation in enumerate(rows):
            view = ConfusionView()
            short = evaluation.name.split(":")[0]  # "run 3: adam, lr 0.003" -> "run 3"
            view.setTitle(f"{short}: {100 * evaluation.accuracy:.1f}% test")
            view.show_matrix(evaluation.confusion)
            view.setMinimumSize(160, 140)
            self.grid.addWidget(view, *divmod(index, self.COLUMNS))
            self.views.append(view)


def install_ensemble(dashboard) -> EnsembleView:
    """Add the Ensemble tab to the training dashboard; it keeps each finished run's model."""
    view = EnsembleView(dashboard.doc)
    dashboard.tabs.addTab(view, "Ensemble")
    dashboard.finished.connect(view.keep_latest)
    dashboard.ensemble = view
    return view
