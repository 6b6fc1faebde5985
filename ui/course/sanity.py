"""The sanity-checks window: "Run checks" runs :func:`graphlab.course.sanity.run_checks` on a
copy of the window's document in a background job, then shows each check's PASS/FAIL with its
numbers and the learning-rate sweep (final loss vs lr, the suggested rate marked)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from graphlab.course.sanity import SanityReport, run_checks
from graphlab.jobs import DONE
from ui.course.common import plot_widget
from ui.jobs import JobWatcher

VERDICT = {True: ("PASS", "#2e7d32"), False: ("FAIL", "#c62828"), None: ("n/a", "#757575")}


class SanityView(QWidget):
    def __init__(self, window=None) -> None:
        super().__init__()
        self.window_ = window
        self.setWindowTitle("Sanity checks")
        self.run_button = QPushButton("Run checks")
        self.cancel = QPushButton("Cancel", enabled=False)
        self.status = QLabel("Babysitting the learning process: checks on the graph's dataset.")
        self.status.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel)
        controls.addWidget(self.status, 1)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["", "check", "numbers"])
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        self.table.setWordWrap(True)
        self.table.setFixedHeight(150)
        self.sweep_plot = plot_widget(
            "Learning-rate sweep: final loss vs lr", "learning rate", "final loss"
        )
        self.sweep_plot.setLogMode(x=True)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.table)
        layout.addWidget(self.sweep_plot, 1)
        #: watches the background checks (``job.running``)
        self.job = JobWatcher(self)
        self.job.changed.connect(lambda job: self.status.setText(job.stage))
        self.job.finished.connect(self._finished)
        self.run_button.clicked.connect(self.start)
        self.cancel.clicked.connect(self.job.cancel)

    def start(self) -> None:
        doc = self.window_.doc.snapshot()

        def work(job):
            return run_checks(doc, progress=job.say, cancelled=job.cancelled)

        self._running(True)
        self.job.start(work, "running the sanity checks")

    def _running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel.setEnabled(running)

    def _finished(self, job) -> None:
        self._running(False)
        if job.state == DONE:
            self.show_report(job.result)
        else:
            self.status.setText(job.message())

    def show_report(self, report: SanityReport) -> None:
        self.table.setRowCount(len(report.results))
        for row, result in enumerate(report.results):
            text, colour = VERDICT[result.passed]
            verdict = QTableWidgetItem(text)
            verdict.setForeground(QColor(colour))
            font = verdict.font()
            font.setBold(True)
            verdict.setFont(font)
            for column, item in enumerate(
                (verdict, QTableWidgetItem(result.name), QTableWidgetItem(result.detail))
            ):
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        rows = sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        self.table.setFixedHeight(rows + self.table.horizontalHeader().height() + 4)
        failed = sum(r.passed is False for r in report.results)
        self.status.setText("All checks passed." if report.passed else f"{failed} check(s) failed.")
        self.sweep_plot.clear()
        sweep = report.sweep
        if sweep is None:
            return
        finite = np.isfinite(sweep.losses)
        self.sweep_plot.plot(
            sweep.lrs[finite],
            sweep.losses[finite],
            pen=pg.mkPen("#1f77b4", width=2),
            symbol="o",
            symbolSize=7,
        )
        if (~finite).any():
            top = float(np.max(sweep.losses[finite])) if finite.any() else 1.0
            self.sweep_plot.plot(
                sweep.lrs[~finite],
                np.full((~finite).sum(), top),
                pen=None,
                symbol="x",
                symbolSize=11,
                symbolPen=pg.mkPen("#c62828", width=2),
            )
        if sweep.suggested is not None:
            line = pg.InfiniteLine(
                np.log10(sweep.suggested),
                pen=pg.mkPen("#2e7d32", width=2, style=pg.QtCore.Qt.DashLine),
                label=f"suggested {sweep.suggested:.3g}",
                labelOpts={"position": 0.9, "color": "#2e7d32"},
            )
            self.sweep_plot.addItem(line)
