"""The training overlay (fed a real trainer's StatsEvent) and the in-app gradient check."""

import math

import numpy as np
import pytest
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QMessageBox

from engine.metrics import Histogram
from graphlab.document import DocEdge
from graphlab.training import prepare_training
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.stepper import show_gradient_norms, show_saturation
from ui.stepper.gradcheck_panel import grade
from ui.stepper.labels import CHIP_PT
from ui.stepper.training_overlay import saturation_from_histograms


@pytest.fixture
def open_window(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: QMessageBox.Discard)
    return lambda graph: make_window(qtbot, graph)


def first_stats(doc):
    """The StatsEvent of the first training step of ``doc`` (gradients and histograms)."""
    run = prepare_training(doc, {"epochs": 1})
    events = []

    def keep(event):
        events.append(event)
        run.trainer.stop()

    run.trainer.metrics.on_stats(keep, every=1, gradients=True, histograms=True)
    run.trainer.run()
    return events[0], run.graph


def stroke_width(window, src, dst, port="w"):
    return window.stepper.training.strokes[DocEdge(src, dst, port)].pen().widthF()


def test_gradient_norms_fade_in_early_sigmoid_layers(open_window):
    ratios = {}
    for name in ("deep-sigmoid", "deep-relu"):
        window = open_window(name)
        stats, _ = first_stats(window.doc)
        show_gradient_norms(window, stats.grad_norms)
        overlay = window.stepper.training
        assert overlay.legend.isVisible()
        assert len(overlay.strokes) == len(stats.grad_norms)
        first, last = stroke_width(window, "fc1_W", "fc1"), stroke_width(window, "fc6_W", "fc6")
        ratios[name] = first / last
        norms = stats.grad_norms
        expected = math.log10(norms["fc1_W"]) < math.log10(norms["fc6_W"])
        assert (first < last) == expected
        window.files.stack.setClean()
        window.close()
    assert ratios["deep-sigmoid"] < ratios["deep-relu"]


def test_saturation_badges_from_activation_histograms(open_window):
    window = open_window("deep-sigmoid")
    stats, graph = first_stats(window.doc)
    ops = {nid: window.doc.nodes[nid].op for nid in window.doc.nodes}
    fractions = saturation_from_histograms(ops, stats.activation_histograms)
    assert set(fractions) == {f"sigmoid{i}" for i in range(1, 6)}
    assert all(word == "saturated" and 0.0 <= f <= 1.0 for word, f in fractions.values())
    show_saturation(window, fractions)
    badge = window.stepper.training.badges["sigmoid1"]
    assert badge.isVisible() and badge.text().startswith("saturated ")
    assert "flat tails" in badge.toolTip()


def test_saturation_badges_read_at_any_zoom_above_their_node(open_window):
    """At the fitted zoom of a 1280x800 window the tag keeps its 9 pt text, sits just above
    its node, and turns orange past half."""
    window = open_window("two-layer-net-spiral")
    window.resize(1280, 800)
    show_saturation(window, {"relu1": ("dead", 0.59)})
    badge = window.stepper.training.badges["relu1"]
    assert badge.font.pointSizeF() >= CHIP_PT and badge.warning
    view = window.view
    for zoom in (0.4, 1.0, 2.0):
        view.resetTransform()
        view.scale(zoom, zoom)
        node = view.mapFromScene(window.scene.nodes["relu1"].sceneBoundingRect()).boundingRect()
        tag = badge.deviceTransform(view.viewportTransform()).mapRect(badge.boundingRect())
        assert tag.height() >= QFontMetrics(badge.font).height()  # the same size at any zoom
        assert tag.bottom() <= node.top() + 1 and abs(tag.left() - node.left()) <= 2
    show_saturation(window, {"relu1": ("dead", 0.2)})
    assert not badge.warning and badge.text() == "dead 20%"


def test_dead_relu_fraction_counts_the_bin_of_zero():
    values = np.concatenate([np.zeros(30), np.linspace(0.5, 2.0, 70)])
    hist = Histogram.of(values, 10)
    fraction = saturation_from_histograms({"r": "relu"}, {"r": hist})["r"]
    assert fraction == ("dead", pytest.approx(0.3))


def check_gradients(qtbot, stepper) -> None:
    """Press 'Gradient check' and wait for the background check to end."""
    stepper.toolbar.actions_by_name["gradcheck"].trigger()
    assert stepper.gradcheck.item(0).text() == "Checking gradients..."
    qtbot.waitUntil(lambda: not stepper.gradcheck.jobs.running, timeout=60_000)


def test_gradient_check_button_colours_parameters_and_lists_errors(open_window, qtbot):
    window = open_window("two-layer-net-spiral")
    stepper = window.stepper
    check_gradients(qtbot, stepper)
    results = stepper.gradcheck.results
    params = [n for n, node in window.doc.nodes.items() if node.op == "parameter"]
    assert set(params) <= set(results)
    for nid in params:
        frame = stepper.gradcheck.frames[nid]
        assert frame.pen().color().name() == grade(results[nid].error)[0]
    lines = [stepper.gradcheck.item(i).text() for i in range(stepper.gradcheck.count())]
    assert len(lines) == len(results)
    worst = max(results.values(), key=lambda r: r.error)
    assert lines[0].startswith(f"{worst.node} ({worst.kind}): relative error {worst.error:.2e}")
    assert all(r.error < 1e-4 for r in results.values())
    stepper.gradcheck.item(0).setSelected(True)
    stepper.gradcheck.itemClicked.emit(stepper.gradcheck.item(0))
    assert window.scene.selected_ids() == [worst.node]


def test_grades():
    assert grade(1e-9)[1] == "ok" and grade(1e-5)[1] == "suspicious" and grade(0.1)[1] == "wrong"


def test_new_parameters_keep_the_overlay_and_recompute_the_walk(open_window):
    window = open_window("deep-sigmoid")
    stepper = window.stepper
    stats, graph = first_stats(window.doc)
    show_gradient_norms(window, stats.grad_norms)
    stepper.model.run_forward()
    before = stepper.overlay.visible_texts()
    window.doc.set_params({k: v * 2 for k, v in window.doc.compile().params.items()})
    assert stepper.training.legend.isVisible() and stepper.training.strokes
    assert stepper.model.position == stepper.model.forward_count
    assert stepper.overlay.visible_texts() != before  # the walk runs on the new weights
    stroke = stepper.training.strokes[DocEdge("fc1_W", "fc1", "w")]
    path_before = stroke.path().pointAtPercent(0.0)
    x, y = window.doc.nodes["fc1_W"].pos
    window.doc.move_node("fc1_W", (x - 100, y + 50))
    assert stroke.path().pointAtPercent(0.0) != path_before
    window.doc.set_label("fc1", "first")  # an edit of the graph: the overlay goes
    assert not stepper.training.strokes and not stepper.training.legend.isVisible()
