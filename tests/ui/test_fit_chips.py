"""Value and gradient chips after Run backward: on every bundled example at its fitted zoom
in a 1600x1000 window no chip covers a node or another chip and chip text is at least 9 pt
on screen; the selected node's chips are full; ports are easy to hit and named on hover."""

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from graphlab.examples import list_examples
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.canvas.node_item import NodeItem

EXAMPLES = [name for name, _ in list_examples()]


@pytest.fixture
def open_window(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)

    def make(graph, size=(1600, 1000)):
        window = make_window(qtbot, graph)
        window.resize(*size)
        qtbot.waitUntil(lambda: window.width() == size[0])
        QTest.qWait(20)
        window.view.fit_to_view()
        return window

    return make


def backward(window, qtbot) -> list:
    """Run backward as the student does (the toolbar action); the chips holding values."""
    stepper = window.stepper
    stepper.toolbar.actions_by_name["run_backward"].trigger()
    qtbot.waitUntil(lambda: stepper.model.position == len(stepper.model.events), timeout=10_000)
    QTest.qWait(30)  # a zoom seen at the next paint lays the chips out again
    return [label for pair in stepper.overlay.labels.values() for label in pair if label.has_value]


def on_screen(window, label) -> QRectF:
    """The chip's box in viewport pixels."""
    return label.deviceTransform(window.view.viewportTransform()).mapRect(label.chip_rect())


def assert_apart(window, chips) -> None:
    """No chip's box intersects another's or a node's (viewport pixels)."""
    transform = window.view.viewportTransform()
    nodes = {
        item.nid: transform.mapRect(item.sceneBoundingRect())
        for item in window.scene.nodes.values()
    }
    boxes = [(label.title, on_screen(window, label)) for label in chips]
    for title, box in boxes:
        for nid, rect in nodes.items():
            assert not box.intersects(rect), f"chip {title} covers node {nid}"
    for i, (title, box) in enumerate(boxes):
        for other, other_box in boxes[i + 1 :]:
            assert not box.intersects(other_box), f"chips {title} and {other} overlap"


@pytest.mark.parametrize("graph", EXAMPLES)
def test_chips_keep_apart_and_readable_at_the_fitted_zoom(open_window, qtbot, graph):
    window = open_window(graph)
    chips = backward(window, qtbot)
    assert chips and all(label.isVisible() and not label.crowded for label in chips)
    assert_apart(window, chips)
    view = window.view
    font = QFont()
    font.setPointSizeF(9.0)
    nine_pt = QFontMetricsF(font, view.viewport())
    for label in chips:
        scale = label.deviceTransform(view.viewportTransform()).m11()
        assert scale == pytest.approx(1.0)  # drawn at its own size, whatever the zoom
        assert label.font.pointSizeF() >= 9.0
        if not label.compact:  # its text fits the box it is drawn in, at 9 pt on screen
            assert on_screen(window, label).height() >= nine_pt.height()
        else:
            assert label.text in label.toolTip()  # a dot says its value on hover


@pytest.mark.parametrize("size", [(1600, 1000), (1280, 800)], ids=["1600x1000", "1280x800"])
def test_cnn_digits_selected_node_shows_full_chips(open_window, qtbot, size, tmp_path_factory):
    window = open_window("cnn-digits", size)
    chips = backward(window, qtbot)
    shots = tmp_path_factory.getbasetemp() / "fit-screenshots"
    shots.mkdir(exist_ok=True)
    assert window.grab().save(str(shots / f"cnn-digits-backward-{size[0]}x{size[1]}.png"))
    window.select_node("conv2")
    window.view.fit_to_view()
    QTest.qWait(30)
    overlay = window.stepper.overlay
    mine = [
        label
        for key, pair in overlay.labels.items()
        if "->conv2." in key or key.startswith("conv2->")
        for label in pair
    ]
    assert len(mine) == 8 and all(not label.compact for label in mine)
    assert_apart(window, chips)
    assert window.grab().save(str(shots / f"cnn-digits-conv2-{size[0]}x{size[1]}.png"))


def test_zooming_in_opens_the_dots_into_full_chips(open_window, qtbot):
    window = open_window("two-layer-net-spiral")
    chips = backward(window, qtbot)
    view = window.view
    fitted = {label: label.compact for label in chips}
    view.zoom_by(4.0, QPointF(view.viewport().rect().center()))
    QTest.qWait(30)
    in_view = [c for c in chips if view.viewport().rect().contains(on_screen(window, c).toRect())]
    assert len(in_view) >= 8
    dots_before = sum(fitted[label] for label in in_view)
    dots_now = sum(label.compact for label in in_view)
    assert dots_now < dots_before / 2  # most of the dots opened into chips
    assert_apart(window, in_view)  # (out of view, chips wait on their edges, unplaced)
    assert all(not label.crowded for label in in_view)


def test_ports_are_at_least_8_px_to_hit_and_named_on_hover(open_window, qtbot):
    window = open_window("cnn-digits")
    view, scene = window.view, window.scene
    conv = scene.nodes["conv2"]
    port = view.mapFromScene(conv.input_pos("w"))
    for dx, dy in ((0, 0), (3, 3), (-3, -3), (3, -3)):  # an 8-pixel square around the dot
        hit = scene.port_at(view.mapToScene(port + QPoint(dx, dy)))
        assert hit is not None and hit[0] is conv and hit[2] == "w", (dx, dy)
    QTest.mouseMove(view.viewport(), port)
    qtbot.waitUntil(lambda: conv.toolTip() == "input w of conv2")
    QTest.mouseMove(view.viewport(), view.mapFromScene(conv.output_pos()))
    qtbot.waitUntil(lambda: conv.toolTip().startswith("output of conv2"))
    assert isinstance(conv, NodeItem)


def test_a_crowd_of_chips_in_view_leaves_room_only_for_the_selected(open_window, qtbot):
    from graphlab.document import DocEdge, DocNode, GraphDocument
    from ui.stepper.chip_layout import SEARCHED

    doc = GraphDocument()
    doc.add_node(DocNode("x", "input", {"shape": [-1, 4]}, (0.0, 0.0)))
    previous = "x"
    for k in range(SEARCHED // 2 + 10):  # a chain of relus: more chips than SEARCHED
        nid = f"r{k}"
        doc.add_node(DocNode(nid, "relu", {}, (220.0 * (k % 12 + 1), 110.0 * (k // 12))))
        doc.add_edge(DocEdge(previous, nid, "x"))
        previous = nid
    doc.add_node(DocNode("total", "sum", {}, (0.0, 1400.0)))
    doc.add_edge(DocEdge(previous, "total", "x"))
    doc.set_input_value("x", [[1.0, -2.0, 3.0, 0.5]])
    window = open_window("circuit-add-mul")
    window.doc.replace_with(doc)
    window.view.fit_to_view()
    window.select_node("r30")
    chips = backward(window, qtbot)
    assert len(chips) > SEARCHED
    mine = [c for key, pair in window.stepper.overlay.labels.items()
            if key in ("r29->r30.x", "r30->r31.x") for c in pair]  # fmt: skip
    assert len(mine) == 4 and not any(label.crowded for label in mine)
    assert_apart(window, mine)
    others = [label for label in chips if label not in mine]
    assert sum(label.crowded for label in others) >= len(others) - 2  # the current node's
