"""The Course menu opens every view; the kNN, initialization and templates views draw what
graphlab.course computes; a screenshot of every view at 1280x800 is written and not blank."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from graphlab.course.knn_regions import TIE, grid_over, region_labels
from graphlab.datasets import blobs
from tests.graphlab.test_course_templates import linear_digits
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.course import COURSE_VIEWS, open_view, view_factory
from ui.course.init_view import InitView
from ui.course.knn_view import REGION_COLOURS, WHITE, KnnRegionsView
from ui.course.templates_view import TemplatesView


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def pixels(widget) -> np.ndarray:
    """The widget's picture as an (H, W, 3) uint8 array."""
    image = widget.grab().toImage().convertToFormat(QImage.Format_RGB888)
    array = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return array[:, : 3 * image.width()].reshape(image.height(), image.width(), 3)


def test_the_course_menu_opens_each_view_once(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Course")
    assert [a.text() for a in menu.actions()] == [text for text, _ in COURSE_VIEWS]
    menu.actions()[0].trigger()
    view = window.course_views[COURSE_VIEWS[0][0]]
    assert view.isVisible() and view.windowTitle() == "Linear classifier loss"
    assert open_view(window, *COURSE_VIEWS[0]) is view  # raised again, not made twice
    view.graph_button.click()  # the same classifier as a graph on the canvas
    assert window.doc.name == "linear-svm-2d" and "fc_W" in window.doc.nodes
    view.close()


def test_knn_regions_are_drawn_from_the_vote_with_ties_white(qtbot):
    view = shown(qtbot, KnnRegionsView())
    view.k_box.setValue(4)
    view.metric_box.setCurrentIndex(view.metric_box.findData("l1"))
    data = blobs(classes=3, points=20, spread=0.5, seed=1)
    labels = view.labels_shown
    grid_image = view.region_image.image
    sample = (slice(None, None, 17), slice(None, None, 13))
    expected = region_labels(data.X, data.y, grid_over(data.X, 160)[sample], 4, "l1")
    np.testing.assert_array_equal(labels[sample], expected)
    assert (labels == TIE).any()
    np.testing.assert_array_equal(
        grid_image[labels == TIE], np.broadcast_to(WHITE, (int((labels == TIE).sum()), 3))
    )
    np.testing.assert_array_equal(grid_image[labels == 1][0], REGION_COLOURS[1])
    visible = [tile for tile in view.tiles if not tile.isHidden()]
    assert len(visible) == 4 and view.neighbours.distances.tolist() == sorted(
        view.neighbours.distances
    )
    assert view.cv.folds.shape == (25, 5)
    view.k_box.setValue(25)
    view.points_box.setCurrentIndex(view.points_box.findText("the linear view's points (3 x 4)"))
    assert view.labels_shown.shape == (160, 160)  # k is capped at the 12 points there
    assert len([tile for tile in view.tiles if not tile.isHidden()]) == 10
    assert len(view.neighbours.indices) == 25  # the digits are not capped


def test_the_init_view_shows_the_collapse_with_small_weights(qtbot):
    view = shown(qtbot, InitView())
    view.scale_box.setCurrentIndex(view.scale_box.findData("0.01"))
    std = view.result.activations.std
    assert view.result.scale == "0.01" and std[-1] < 1e-3 * std[0]
    mean_curve, std_curve = view.curves["activations"]
    np.testing.assert_allclose(std_curve.getData()[1], std)
    assert "layer 10" in view.summary.text()


def test_templates_update_while_training(qtbot):
    view = shown(qtbot, TemplatesView())
    before = view.tiles[0].picture.pixmap().toImage()
    view.train_button.click()
    qtbot.waitUntil(lambda: view.training.steps >= 40, timeout=5000)
    view.train_button.click()
    assert not view.timer.isActive()
    assert view.tiles[0].picture.pixmap().toImage() != before
    assert f"step {view.training.steps}" in view.status.text()
    assert len(view.loss_curve.getData()[1]) == view.training.steps // 5
    view.reset_button.click()
    assert view.training.steps == 0


#: views that draw before computing anything (the race, landscape and sanity views are shot
#: after they computed, in test_course_views_training.py)
DRAWN_AT_ONCE = COURSE_VIEWS[:4]


@pytest.mark.parametrize(
    "entry", DRAWN_AT_ONCE, ids=[t.strip("&").split()[0] for t, _ in DRAWN_AT_ONCE]
)
def test_screenshot_of_every_view_is_not_blank(qtbot, tmp_path_factory, entry):
    text, target = entry
    view = shown(qtbot, view_factory(target)(None))
    qtbot.wait(50)
    picture = pixels(view)
    assert picture.shape == (800, 1280, 3)
    assert picture.std() > 20  # not one flat colour
    colours = np.unique(picture.reshape(-1, 3)[::7], axis=0)
    assert len(colours) > 50
    folder = tmp_path_factory.getbasetemp() / "course-screenshots"
    folder.mkdir(exist_ok=True)
    path = folder / f"{text.replace('&', '').replace(' ', '-').lower()}.png"
    assert view.grab().save(str(path))
    assert path.stat().st_size > 10_000


def test_templates_follow_the_open_graphs_weights_live_while_it_trains(
    qtbot,
    isolated_settings,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)  # on close
    window = make_window(qtbot, "cnn-digits")
    window.doc.replace_with(linear_digits())
    view = shown(qtbot, TemplatesView(window))
    view.graph_button.click()
    assert "not trained yet" in view.status.text()
    assert window.training.start_training(epochs=30)
    qtbot.waitUntil(lambda: not window.training.running, timeout=120_000)
    assert view.live_updates >= 1  # pictures from the run's snapshots, not only from the end
    assert view.status.text().strip() == "the open graph's fc_W"  # the trained values, stored
    assert not view.train_button.isEnabled()
    view.graph_button.click()
    assert view.train_button.isEnabled() and view._graph_changed not in window.doc._listeners
    assert window.training._watched == (None, None)
