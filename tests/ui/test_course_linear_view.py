"""The linear classifier loss view: drags and clicks change W, b and the points, and the
loss shown is the plain numpy loss."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from ui.course.linear_view import LinearLossView


def numpy_ww_total(W, b, X, y, reg):
    scores = X @ W.T + b
    correct = scores[np.arange(len(y)), y][:, None]
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(len(y)), y] = 0
    return margins.sum() / len(y) + reg * (W**2).sum()


@pytest.fixture
def view(qtbot):
    widget = LinearLossView()
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def pixel(view, xy) -> QPoint:
    """The plot viewport's pixel showing view coordinates ``xy``."""
    scene = view.plot.getViewBox().mapViewToScene(QPointF(*xy))
    return view.plot.mapFromScene(scene)


def drag(view, start, end, steps: int = 6) -> None:
    a, b = pixel(view, start), pixel(view, end)
    viewport = view.plot.viewport()
    QTest.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(viewport, a + (b - a) * i / steps)
    QTest.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, b)


def free_spot_on_line(view, k):
    """A point of class k's line inside the plot, away from points and handles."""
    w, b = view.W[k], view.b[k]
    anchor = -b * w / (w @ w)
    along = np.array([-w[1], w[0]]) / np.hypot(*w)
    for t in np.linspace(-2, 2, 41):
        spot = anchor + t * along
        if np.abs(spot).max() < 2.5 and view.plot.hit(spot) == ("line", k):
            return spot
    raise AssertionError("no free spot on the line")


def test_dragging_a_line_body_shifts_it_and_the_total_shown_is_the_numpy_loss(view):
    W0, b0 = view.W.copy(), view.b.copy()
    spot = free_spot_on_line(view, 0)
    normal = W0[0] / np.hypot(*W0[0])
    drag(view, spot, spot + 0.5 * normal)
    assert np.allclose(view.W, W0)  # a shift keeps the slope
    assert view.b[0] < b0[0] - 0.3 * np.hypot(*W0[0])  # moved by about half a unit along w
    assert np.allclose(view.b[1:], b0[1:])
    expected = numpy_ww_total(view.W, view.b, view.X, view.y, 0.1)
    assert abs(view.report.total - expected) < 1e-10
    assert f"<b>total</b> {expected:.4f}" in view.loss_label.text()
    assert view.weight_boxes[0][2].value() == pytest.approx(view.b[0], abs=1e-3)


def test_dragging_a_handle_rotates_the_line_and_changes_W(view):
    W0 = view.W.copy()
    handle = view.plot.handle_position(1)
    anchor = handle - 0.6 * W0[1] / np.hypot(*W0[1])
    target = anchor + np.array([0.0, 0.8])
    drag(view, handle, target)
    assert not np.allclose(view.W[1], W0[1])
    assert np.hypot(*view.W[1]) == pytest.approx(np.hypot(*W0[1]))  # rotation keeps |w|
    assert view.W[1][1] > 0.95 * np.hypot(*view.W[1])  # the normal now points up
    expected = numpy_ww_total(view.W, view.b, view.X, view.y, 0.1)
    assert abs(view.report.total - expected) < 1e-10


def test_click_adds_a_point_drag_moves_it_right_click_deletes_it(view):
    count = len(view.X)
    view.class_box.setCurrentIndex(2)
    spot = np.array([-2.6, 2.6])
    assert view.plot.hit(spot) is None
    QTest.mouseClick(view.plot.viewport(), Qt.LeftButton, Qt.NoModifier, pixel(view, spot))
    assert len(view.X) == count + 1 and view.y[-1] == 2
    assert view.table.rowCount() == count + 1
    drag(view, spot, [-2.0, 2.0])
    assert np.allclose(view.X[-1], [-2.0, 2.0], atol=0.05)
    QTest.mouseClick(view.plot.viewport(), Qt.RightButton, Qt.NoModifier, pixel(view, [-2, 2]))
    assert len(view.X) == count


def test_updates_lower_the_loss_and_editing_a_number_moves_a_line(view):
    view.loss_box.setCurrentIndex(view.loss_box.findData("softmax"))
    before = view.report.total
    for _ in range(20):
        view.step_button.click()
    assert view.report.total < before
    view.weight_boxes[2][0].setValue(4.0)
    assert view.W[2, 0] == 4.0
    view.random_button.click()
    assert view.weight_boxes[0][0].value() == pytest.approx(view.W[0, 0], abs=1e-3)


def test_run_repeats_updates_until_paused(view, qtbot):
    before = view.report.total
    view.run_button.click()
    assert view.run_button.text() == "Pause"
    qtbot.waitUntil(lambda: view.report.total < before - 0.05, timeout=3000)
    view.run_button.click()
    assert not view.timer.isActive()


def test_deleting_every_point_leaves_only_the_regularization(view):
    while len(view.X):
        QTest.mouseClick(
            view.plot.viewport(), Qt.RightButton, Qt.NoModifier, pixel(view, view.X[0])
        )
    assert view.table.rowCount() == 0
    assert view.report.total == pytest.approx(0.1 * (view.W**2).sum(), abs=1e-12)
    view.step_button.click()  # an update with no data only shrinks W
