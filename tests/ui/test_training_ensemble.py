"""The dashboard's Ensemble tab: runs trained in the window, selected, evaluated as the mean of
their softmax probabilities, each confusion matrix beside the ensemble's."""

import numpy as np
from PySide6.QtWidgets import QMessageBox

from graphlab.evaluate import evaluate_document
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.training import show_dashboard


def train(qtbot, window, seed: int) -> None:
    dashboard = window.training
    dashboard.panel.epochs.setValue(1)
    window.doc.set_training({**window.doc.training, "seed": seed})
    dashboard.reset_parameters()  # each run from fresh parameters of its seed
    assert dashboard.start_training(), dashboard.panel.message.text()
    qtbot.waitUntil(lambda: not dashboard.running, timeout=120_000)


def test_ensemble_of_selected_runs_beside_its_members(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "cnn-digits")
    show_dashboard(window)
    view = window.training.ensemble
    assert window.training.tabs.tabText(window.training.tabs.count() - 1) == "Ensemble"
    try:
        for seed in (0, 1, 2):
            train(qtbot, window, seed)
    finally:
        window.training.shutdown()
    names = [view.runs.item(i).text() for i in range(view.runs.count())]
    assert len(names) == 3 and names[0].startswith("run 1")
    view.select(names[:2])
    view.button.click()
    report = view.report
    assert [m.name for m in report.members] == names[:2]
    members = [evaluate_document(view.models[n]) for n in names[:2]]
    assert not np.array_equal(members[0].probabilities, members[1].probabilities)
    mean = (members[0].probabilities + members[1].probabilities) / 2
    np.testing.assert_array_equal(report.ensemble.probabilities, mean)
    assert len(view.views) == 3  # the ensemble and both members
    np.testing.assert_array_equal(view.views[0].matrix, report.ensemble.confusion)
    assert f"{100 * report.ensemble.accuracy:.1f}%" in view.summary.text()
    # the current document is the last run: its copy matches what the window holds
    np.testing.assert_array_equal(view.models[names[2]].params["fc_W"], window.doc.params["fc_W"])
