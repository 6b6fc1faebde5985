"""Background jobs in the window: a baseline panel's or the gradient check's job that raises
shows the error in its panel (one line) and the work can be started again."""

import re
import threading

import pytest

from engine.errors import GraphLabError
from graphlab.examples import open_graph
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.commands import SetLabel
from ui.stepper import gradcheck_panel
from ui.training import baselines
from ui.training.baselines import KnnPanel, SearchPanel


@pytest.fixture
def knn(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHLAB_LOG_DIR", str(tmp_path))
    panel = KnnPanel(open_graph("linear-softmax-spiral"))
    qtbot.addWidget(panel)
    panel.ks.setText("1, 3")
    panel.folds.setValue(3)
    return panel


def run_to_end(qtbot, panel) -> None:
    panel.run_button.click()
    assert not panel.run_button.isEnabled() and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: panel.job is None, timeout=60_000)
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()


@pytest.mark.parametrize(
    "error, shown",
    [
        (GraphLabError("the training split has 2 rows, fewer than 3 folds"),
         "the training split has 2 rows, fewer than 3 folds"),
        (KeyError("labels"),
         "unexpected error while running the kNN cross-validation: KeyError: 'labels' (details in"),
    ],
    ids=["graphlab-error", "unexpected-keyerror"],
)  # fmt: skip
def test_a_failing_job_shows_its_error_and_run_works_again(qtbot, knn, monkeypatch, error, shown):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(baselines, "cross_validate", fail)
    run_to_end(qtbot, knn)
    assert knn.status.text().startswith(shown)
    assert knn.scores == {}
    monkeypatch.undo()
    run_to_end(qtbot, knn)
    assert sorted(knn.scores) == [1, 3] and "best k" in knn.status.text()


def test_a_knn_run_reports_its_folds_and_can_be_cancelled(qtbot, knn, monkeypatch):
    folds_seen, go_on = [], threading.Event()
    real = baselines.cross_validate

    def slow(*args, progress, **kwargs):
        def report(done, total):
            folds_seen.append(done)
            go_on.wait(30)
            progress(done, total)

        return real(*args, progress=report, **kwargs)

    monkeypatch.setattr(baselines, "cross_validate", slow)
    knn.run_button.click()
    qtbot.waitUntil(lambda: folds_seen == [0])
    knn.cancel_button.click()
    go_on.set()
    qtbot.waitUntil(lambda: knn.job is None, timeout=60_000)
    assert folds_seen == [0] and knn.status.text() == "cancelled" and knn.scores == {}


def test_a_bad_form_is_a_message_and_no_job(qtbot, knn):
    knn.ks.setText("one, three")
    knn.run_button.click()
    assert knn.job is None and knn.run_button.isEnabled()
    assert knn.status.text() == "k values: give whole numbers of at least 1, such as 1, 3, 5"


def test_a_search_shows_progress_and_can_be_cancelled(qtbot):
    search = SearchPanel(open_graph("linear-softmax-spiral"))
    qtbot.addWidget(search)
    search.trials.setValue(200)
    search.epochs.setValue(20)
    search.run_button.click()
    qtbot.waitUntil(lambda: re.fullmatch(r"running\.\.\. \d+/200", search.status.text()))
    search.cancel_button.click()
    qtbot.waitUntil(lambda: search.job is None, timeout=60_000)
    assert search.status.text() == "cancelled"
    assert search.run_button.isEnabled() and search.table.rowCount() == 0


# -- the gradient check runs as a job too --------------------------------------------------


@pytest.fixture
def stepper(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setenv("GRAPHLAB_LOG_DIR", str(isolated_settings))
    return make_window(qtbot, "two-layer-net-spiral").stepper


def check(qtbot, stepper) -> list[str]:
    stepper.toolbar.actions_by_name["gradcheck"].trigger()
    qtbot.waitUntil(lambda: not stepper.gradcheck.jobs.running, timeout=60_000)
    return [stepper.gradcheck.item(i).text() for i in range(stepper.gradcheck.count())]


def test_a_failing_gradient_check_is_one_line_and_can_run_again(qtbot, stepper, monkeypatch):
    def fail(doc):
        raise KeyError("fc1_W")

    monkeypatch.setattr(gradcheck_panel, "check_document", fail)
    lines = check(qtbot, stepper)
    assert len(lines) == 1 and lines[0].startswith(
        "Gradient check failed: unexpected error while checking the gradients: KeyError: 'fc1_W'"
    )
    assert stepper.gradcheck.frames == {}
    monkeypatch.undo()
    assert len(check(qtbot, stepper)) == len(stepper.gradcheck.results) > 0


def test_an_edit_during_the_check_drops_its_result(qtbot, stepper, monkeypatch):
    release = threading.Event()
    real = gradcheck_panel.check_document
    monkeypatch.setattr(
        gradcheck_panel, "check_document", lambda doc: release.wait(30) and real(doc)
    )
    stepper.toolbar.actions_by_name["gradcheck"].trigger()
    window = stepper.window
    window.stack.push(SetLabel(window.doc, "fc1", "hidden"))
    release.set()
    qtbot.waitUntil(lambda: not stepper.gradcheck.jobs.running, timeout=60_000)
    assert stepper.gradcheck.item(0).text().startswith("The graph changed during the check")
    assert stepper.gradcheck.frames == {} and stepper.gradcheck.results == {}
