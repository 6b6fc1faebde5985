"""The training dock's Augmentation and Features tabs, and the data node's HoG section in the
inspector (screenshots at 1280x800 go to $GRAPHLAB_SCREENSHOTS when set)."""

import os

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QSpinBox

from graphlab.datasets.features import hog_picture
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.training import show_dashboard


def screenshot(window, name: str) -> None:
    folder = os.environ.get("GRAPHLAB_SCREENSHOTS")
    if folder:
        QApplication.processEvents()  # pending layout first
        window.grab().save(os.path.join(folder, f"{name}.png"))


def open_tab(qtbot, name: str):
    window = make_window(qtbot, name)
    window.resize(1280, 800)
    show_dashboard(window)
    return window, window.training


def type_into(qtbot, box: QSpinBox, text: str) -> None:
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key_Return)


def test_an_augmentation_option_is_one_undo_step_and_updates_the_preview(qtbot, isolated_settings):  # noqa: F811
    window, dashboard = open_tab(qtbot, "cnn-digits")
    panel = dashboard.augment
    dashboard.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.grid is not None, timeout=20_000)
    plain = panel.grid
    np.testing.assert_array_equal(plain[1], plain[0])  # no augmentation: copies are the image
    steps = window.stack.count()
    qtbot.mouseClick(panel.editors["flip"], Qt.LeftButton)
    assert window.doc.dataset["augment"] == {"flip": True}
    assert window.stack.count() == steps + 1
    type_into(qtbot, panel.editors["rotate"], "25")
    assert window.doc.dataset["augment"] == {"flip": True, "rotate": 25.0}
    assert window.stack.count() == steps + 2
    qtbot.waitUntil(lambda: panel.grid is not plain and not panel.watcher.running, timeout=20_000)
    rotated = panel.grid
    np.testing.assert_array_equal(rotated[0], plain[0])  # the originals stay
    assert not np.array_equal(rotated[1:4], plain[1:4])  # their copies are augmented
    qtbot.mouseClick(panel.reshuffle, Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.grid is not rotated and not panel.watcher.running)
    assert not np.array_equal(panel.grid[0], rotated[0])  # other images
    screenshot(window, "augmentation-panel")
    window.stack.undo()  # the rotation goes, the flip stays, and the editors follow
    assert window.doc.dataset["augment"] == {"flip": True}
    assert panel.editors["rotate"].value() == 0 and panel.editors["flip"].isChecked()
    window.stack.undo()
    assert "augment" not in window.doc.dataset and not panel.editors["flip"].isChecked()
    assert window.stack.count() == steps + 2  # undone, not new commands


def test_features_stages_are_edited_one_undo_step_each(qtbot, isolated_settings):  # noqa: F811
    window, dashboard = open_tab(qtbot, "linear-svm-hog-mnist")
    panel = dashboard.features
    dashboard.tabs.setCurrentWidget(panel)
    assert panel.groups["hog"].isChecked() and not panel.groups["bow"].isChecked()
    assert panel.message.text() == (
        "These stages make 1296 features per image; the data input x takes [-1, 1296]."
    )
    steps = window.stack.count()
    type_into(qtbot, panel.editors["hog"]["pixels_per_cell"], "7")
    assert window.doc.dataset["features"]["hog"]["pixels_per_cell"] == 7
    assert "make 324 features per image" in panel.message.text()  # 3x3 blocks of 2x2 cells
    assert "Set its shape to [-1, 324]" in panel.message.text()
    group = panel.groups["color_hist"]
    group.setFocus()
    qtbot.keyClick(group, Qt.Key_Space)  # the group's check box
    assert window.doc.dataset["features"]["color_hist"] == {"bins": 16}
    assert "make 340 features per image" in panel.message.text()
    assert window.stack.count() == steps + 2
    screenshot(window, "features-panel")
    window.stack.undo()
    assert "color_hist" not in window.doc.dataset["features"] and not group.isChecked()
    window.stack.undo()
    assert window.doc.dataset["features"]["hog"]["pixels_per_cell"] == 4
    assert panel.editors["hog"]["pixels_per_cell"].value() == 4


def test_the_data_nodes_inspector_shows_its_hog_picture(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot, "linear-svm-hog-mnist")
    window.resize(1280, 800)
    window.select_node("y")
    assert window.inspector.widget().findChild(object, "features section") is None
    window.select_node("x")
    section = window.inspector.widget().findChild(object, "features section")
    assert section is not None
    view = section.view
    assert view.image.shape == (1, 28, 28)
    np.testing.assert_array_equal(view.picture, hog_picture(view.image, **view.hog))
    assert view.hog == {"orientations": 9, "pixels_per_cell": 4, "cells_per_block": 2}
    assert view.picture.max() == 1.0 and not view.colour
    assert abs(view.histogram.sum() - 1.0) < 1e-6
    assert not section.pictures[1].pixmap().isNull()
    screenshot(window, "hog-inspector")
    screenshot(window.inspector.widget(), "hog-inspector-section")


def test_the_tabs_say_why_there_is_nothing_to_preview(qtbot, isolated_settings):  # noqa: F811
    window, dashboard = open_tab(qtbot, "linear-softmax-spiral")
    dashboard.tabs.setCurrentWidget(dashboard.augment)
    qtbot.waitUntil(lambda: not dashboard.augment.watcher.running)
    assert dashboard.augment.message.text() == "the bound dataset's samples are not images"
    assert dashboard.augment.grid is None
    window.doc.set_dataset({})  # no dataset: nothing to edit
    assert not dashboard.augment.editors["flip"].isEnabled()
    assert not dashboard.features.groups["hog"].isEnabled()
