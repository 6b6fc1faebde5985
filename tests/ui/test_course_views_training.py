"""The Course menu's views that train (race, landscape, sanity checks; issue 19): they draw what the
Qt-free modules compute, run long work off the UI thread, and render non-blank offscreen."""

import numpy as np
import pytest
from PySide6.QtGui import QImage

from graphlab.course.surfaces import OPTIMIZERS
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.course import COURSE_VIEWS

pytestmark = pytest.mark.usefixtures("isolated_settings")


def course_action(window, text: str):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Course")
    return next(a for a in menu.actions() if a.text() == text)


def screenshot(view, path) -> QImage:
    """Grab ``view`` into ``path``; returns the image after checking it is not blank."""
    assert view.grab().save(str(path))
    image = QImage(str(path))
    assert (image.width(), image.height()) == (view.width(), view.height())
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 40, f"{path.name} looks blank"
    return image


def test_the_course_menu_lists_every_view(qtbot):
    window = make_window(qtbot, "cnn-digits")
    texts = [text for text, _ in COURSE_VIEWS][-3:]
    assert texts == ["Optimizer &race", "Loss &landscape", "&Sanity checks"]
    assert window.course_views == {}  # made on first use
    for text in texts:
        course_action(window, text).trigger()
    assert set(window.course_views) == set(texts)
    assert all(v.isVisible() for v in window.course_views.values())


def test_race_steps_the_engine_optimizers_and_follows_the_rates(qtbot, tmp_path):
    window = make_window(qtbot, "cnn-digits")
    course_action(window, "Optimizer &race").trigger()
    view = window.course_views["Optimizer &race"]
    qtbot.waitExposed(view)
    for _ in range(30):
        view.step_button.click()
    assert view.race.steps == 30 and tuple(view.race.runners) == OPTIMIZERS
    drawn = view.paths["sgd"].getData()[0]
    np.testing.assert_array_equal(drawn, view.race.runners["sgd"].path[:, 0])
    view.rates["adam"].setValue(0.05)
    view.checks["adagrad"].setChecked(False)
    assert view.race.steps == 0 and view.race.runners["adam"].lr == 0.05
    assert "adagrad" not in view.race.runners
    view.speed.setValue(10)
    view.play.click()
    qtbot.waitUntil(lambda: view.race.steps >= 100, timeout=10000)
    view.play.click()
    assert not view.timer.isActive()
    screenshot(view, tmp_path / "race.png")
    view.surface.setCurrentIndex(view.surface.findData("rosenbrock"))
    assert view.race.surface.name == "rosenbrock" and view.rates["sgd"].value() == 1e-3


def test_landscape_trains_and_draws_line_and_plane_in_the_background(qtbot, tmp_path):
    window = make_window(qtbot, "cnn-digits")
    course_action(window, "Loss &landscape").trigger()
    view = window.course_views["Loss &landscape"]
    view.epochs.setValue(1)
    view.size.setValue(5)
    view.compute.click()
    assert view.cancel.isEnabled() and not view.compute.isEnabled()
    qtbot.waitUntil(lambda: not view.job.running, timeout=60000)
    assert view.compute.isEnabled() and "trained" in view.status.text()
    (line,) = view.line_plot.listDataItems()
    assert len(line.getData()[0]) == 25
    screenshot(view, tmp_path / "landscape.png")
    assert window.doc.params == {}  # a copy was trained, not the document


def test_sanity_checks_run_from_the_training_panel_and_show_the_sweep(qtbot, tmp_path):
    window = make_window(qtbot, "linear-softmax-spiral")
    window.training.panel.sanity_button.click()
    view = window.course_views["&Sanity checks"]
    view.run_button.click()
    qtbot.waitUntil(lambda: not view.job.running, timeout=60000)
    assert view.table.rowCount() == 4
    verdicts = [view.table.item(r, 0).text() for r in range(4)]
    assert verdicts[0] == "PASS" and set(verdicts) <= {"PASS", "FAIL", "n/a"}
    assert "1.0986" in view.table.item(0, 2).text()  # ln 3, the expected initial loss
    assert len(view.sweep_plot.listDataItems()) >= 1
    screenshot(view, tmp_path / "sanity.png")


def test_a_failing_background_job_shows_one_sentence(qtbot):
    window = make_window(qtbot, "circuit-add-mul")  # no dataset: the checks cannot run
    course_action(window, "&Sanity checks").trigger()
    view = window.course_views["&Sanity checks"]
    view.run_button.click()
    qtbot.waitUntil(lambda: not view.job.running, timeout=10000)
    assert (
        view.status.text() == "circuit-add-mul: the sanity checks need a dataset bound to the graph"
    )
    assert view.run_button.isEnabled()


def test_the_landscape_says_each_stage_and_cancel_stops_it(qtbot):
    window = make_window(qtbot, "cnn-digits")
    course_action(window, "Loss &landscape").trigger()
    view = window.course_views["Loss &landscape"]
    view.epochs.setValue(50)
    view.compute.click()
    qtbot.waitUntil(lambda: view.status.text() == "training 50 epochs...", timeout=10000)
    view.cancel.click()
    qtbot.waitUntil(lambda: not view.job.running, timeout=60000)
    assert view.status.text() == "training for the loss landscape was cancelled"
    assert view.compute.isEnabled() and not view.cancel.isEnabled()
    assert view.line_plot.listDataItems() == []
