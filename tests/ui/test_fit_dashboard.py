"""The training dashboard fits the screens a student has (1280x800, 1600x1000): fixed run
controls, plots that reflow and scroll, double-click to maximise, the end-of-run line, the
preview of the open document's data, and a reopened project's filters without training."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget, QMessageBox

from graphlab.api_train import train_document
from graphlab.examples import open_graph
from graphlab.fileformat import save_document
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.training import show_dashboard

SCREENS = [(1280, 800), (1600, 1000)]


@pytest.fixture
def shots(tmp_path_factory):
    """Where the screenshots go (looked at by hand; good ones are copied to docs/)."""
    folder = tmp_path_factory.getbasetemp() / "fit-screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
def window(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    window = make_window(qtbot, "cnn-digits")
    yield window
    window.training.shutdown()


def sized(window, qtbot, size):
    window.resize(*size)
    show_dashboard(window)
    qtbot.waitUntil(lambda: window.training.live.grid.scroll.viewport().width() > 200)
    QTest.qWait(50)  # the grid reflows on the viewport's resize


def fully_visible(plot, grid) -> bool:
    """After scrolling down to ``plot``'s top, its rect lies inside the grid's viewport."""
    grid.scroll.verticalScrollBar().setValue(plot.mapTo(grid.inner, QPoint(0, 0)).y())
    viewport = grid.scroll.viewport()
    top_left = plot.mapTo(viewport, QPoint(0, 0))
    return viewport.rect().contains(QRect(top_left, plot.size()))


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_plot_and_the_run_controls_are_visible(window, qtbot, size, shots):
    sized(window, qtbot, size)
    dashboard = window.training
    assert window.frameGeometry().width() <= size[0] or window.width() == size[0]
    for tab, grid in ((dashboard.live, dashboard.live.grid), (dashboard.results, None)):
        dashboard.tabs.setCurrentWidget(tab)
        grid = grid or dashboard.results.grid
        QTest.qWait(30)
        shown = grid.shown()
        assert shown
        for plot in shown:
            assert fully_visible(plot, grid), (size, type(plot).__name__, plot.geometry())
    for plot in dashboard.live.plots().values():  # tick labels a student can read
        for axis in ("bottom", "left"):
            assert plot.getAxis(axis).style["tickFont"].pointSizeF() >= 9.0
    # the run controls stay in view whatever the settings' scroll position
    panel = dashboard.panel
    settings_scroll = panel.parentWidget().parentWidget()
    settings_scroll.verticalScrollBar().setValue(settings_scroll.verticalScrollBar().maximum())
    for widget in (panel.start_button, panel.stop_button, panel.progress, panel.speed):
        top_left = widget.mapTo(dashboard, QPoint(0, 0))
        assert dashboard.rect().contains(QRect(top_left, widget.size())), widget
    if size == (1600, 1000):
        assert window.grab().save(str(shots / "dashboard-1600x1000.png"))


def test_double_click_maximises_a_plot_and_back(window, qtbot):
    sized(window, qtbot, (1600, 1000))
    grid, loss = window.training.live.grid, window.training.live.loss
    centre = loss.viewport().rect().center()
    QTest.mouseDClick(loss.viewport(), Qt.LeftButton, Qt.NoModifier, centre)
    assert grid.maximised is loss and grid.currentWidget() is grid.single
    qtbot.waitUntil(lambda: loss.width() > grid.width() - 30)
    assert window.training.live.accuracy.isHidden() is False  # only set aside, not hidden
    QTest.mouseDClick(loss.viewport(), Qt.LeftButton, Qt.NoModifier, centre)
    assert grid.maximised is None and grid.currentWidget() is grid.scroll
    assert grid.grid.indexOf(loss) >= 0


def test_main_window_with_every_dock_fits_1280x800(window, qtbot):
    show_dashboard(window)
    for dock in window.findChildren(QDockWidget):
        dock.show()
    QTest.qWait(30)
    hint, least = window.minimumSizeHint(), window.minimumSize()
    assert hint.width() <= 1280 and hint.height() <= 800, hint
    assert least.width() <= 1280 and least.height() <= 800, least
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280)
    assert window.height() <= 800


def test_stop_says_where_the_run_stopped_and_names_the_run(window, qtbot, shots):
    sized(window, qtbot, (1280, 800))
    dashboard, panel = window.training, window.training.panel
    panel.epochs.setValue(30)
    panel.batch_size.setValue(8)
    qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dashboard.last_session.steps_done() > 20, timeout=30_000)
    QTest.qWait(200)
    assert window.grab().save(str(shots / "dashboard-1280x800-mid-run.png"))
    qtbot.mouseClick(panel.stop_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dashboard.running, timeout=30_000)
    done, total = dashboard.last_session.steps_done(), dashboard.last_session.total_steps
    assert done < total
    assert panel.speed.text() == f"stopped at {done} / {total} steps"
    assert "left" not in panel.speed.text()
    name = dashboard.record.name
    assert name.startswith("run 1, ") and "stopped at" in name and "/ 30 epochs" in name
    assert window.doc.training["runs"][-1]["name"] == name


def test_the_preview_follows_the_open_document(window, qtbot):
    sized(window, qtbot, (1280, 800))
    preview = window.training.panel.preview
    qtbot.waitUntil(lambda: preview.counts.size == 10, timeout=20_000)
    assert preview.samples.isVisibleTo(preview)
    window.files.open_example("two-layer-net-spiral")
    qtbot.waitUntil(lambda: preview.counts.size == 3, timeout=20_000)
    assert preview.scatter.isVisibleTo(preview) and not preview.samples.isVisibleTo(preview)
    points = preview.scatter.getPlotItem().listDataItems()
    assert len(points) == 3  # one scatter per class
    brushes = {item.opts["symbolBrush"].name() for item in points}
    assert len(brushes) == 3
    assert sum(len(item.getData()[0]) for item in points) == preview.counts.sum()
    # no conv layer: its selectors are hidden, not left empty
    live = window.training.live
    assert not live.cells[live.filter_choice].isVisibleTo(live)
    assert not live.cells[live.layer_choice].isVisibleTo(live)


def test_a_reopened_trained_project_shows_its_filters_without_training(window, qtbot, tmp_path):
    saved = tmp_path / "trained.graphlab"
    doc = open_graph("cnn-digits")
    train_document(doc, {"epochs": 1}, progress=False)
    save_document(doc, saved)
    window.files.open_path(str(saved))
    sized(window, qtbot, (1600, 1000))
    live, dashboard = window.training.live, window.training
    qtbot.waitUntil(lambda: live.filters.count == 16, timeout=20_000)
    assert dashboard.last_session is None  # nothing trained in the window
    weights = live.filters.weights
    np.testing.assert_array_equal(weights, window.doc.params[live.filter_param()])
    assert all(np.ptp(f) > 0 for f in weights)  # 16 non-blank filters
    tiles = live.filters.image.image
    assert tiles is not None and np.ptp(tiles) > 0
    qtbot.waitUntil(lambda: live.activations.image.image is not None, timeout=20_000)
    # the histograms of the saved weights on held-out samples, at the last trained step
    assert [step for step, _, _ in live.histories] == [dashboard.record.last_step]
    _, activations, gradients = live.histories[0]
    assert set(activations) == {"relu1", "relu2"} == set(gradients)
    assert all(h.counts.sum() > 0 for h in activations.values())
    assert live.cells[live.histogram_choice].isVisibleTo(live)
    assert "epoch" in live.compare_choice.itemText(1)
