"""File > Import weights...: trained weights from a PyTorch checkpoint, a project or an ONNX
model into the open graph, one undo step, with the report ``graphlab import-weights`` prints.

A ``metrics.csv`` beside the checkpoint (the layout train.py of an exported project writes)
joins the project's runs, so the dashboard plots the run trained elsewhere.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QUndoCommand
from PySide6.QtWidgets import QFileDialog, QMessageBox

from graphlab.document import GraphDocument
from graphlab.weights_import import (
    ImportReport,
    WeightsError,
    apply_import,
    import_metrics,
    match_weights,
    read_weights,
)

FILTER = "Weights (*.pt *.pth *.graphlab *.onnx);;All files (*)"


class ImportWeights(QUndoCommand):
    """Store an import's parameters (and run); undo puts back the trained values before."""

    def __init__(self, doc: GraphDocument, report: ImportReport, run=None):
        super().__init__("Import weights")
        self.doc, self.report, self.run = doc, report, run
        self.before = doc.snapshot()

    def redo(self) -> None:
        apply_import(self.doc, self.report, self.run)

    def undo(self) -> None:
        before = self.before
        self.doc.clear_trained()
        self.doc.set_params(before.params, before.state, before.extra_arrays)
        self.doc.set_training(before.training)


def import_weights(window, path: str | None = None) -> ImportReport | None:
    """Ask for a weights file (unless ``path``), import it as one undo step and show the report
    (kept in ``window.import_report``); errors go through the window's guard."""
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Import weights", "", FILTER)
        if not path:
            return None
    report = match_weights(window.doc, read_weights(path))
    metrics = Path(path).with_name("metrics.csv")
    run = import_metrics(metrics, f"imported {Path(path).name}") if metrics.is_file() else None
    if not report.taken:
        raise WeightsError(f"{path}: no parameter fits the graph of {window.doc.name}")
    window.stack.push(ImportWeights(window.doc, report, run))
    lines = report.lines()
    if run is not None:
        lines.append(f"run {run.name!r} ({run.steps} steps) added from {metrics.name}")
    box = QMessageBox(QMessageBox.Information, "Import weights",
                      f"Took {len(report.taken)} arrays from {Path(path).name}.",
                      QMessageBox.Ok, window)  # fmt: skip
    box.setInformativeText("\n".join(lines))
    box.setStyleSheet(
        "QLabel#qt_msgbox_informativelabel { min-width: 460px; }"
    )  # one line per parameter
    box.open()
    window.import_report = box
    return report


def install_import_weights(window) -> None:
    """Add "Import weights..." to the File menu, right after the Import submenu."""
    file_menu = window.menuBar().actions()[0].menu()
    actions = file_menu.actions()
    at = next((i for i, a in enumerate(actions) if a.text() == "&Import"), len(actions) - 2)
    action = QAction("Import &weights...", window)
    file_menu.insertAction(actions[at + 1], action)
    window.guard.trigger(action, lambda: import_weights(window), "Import weights")
