"""``graphlab open GRAPH --screenshot FILE.png --step forward:N|backward:N``."""

import pytest
from PySide6.QtGui import QColor, QImage

from graphlab import cli
from graphlab.cli_open import parse_step
from tests.ui.test_main_window import graphlab
from ui.stepper.labels import GRAD_COLOUR, VALUE_COLOUR


def count_colour(image: QImage, colour: QColor, box=None) -> int:
    """Pixels within a small distance of ``colour`` (every 2nd pixel) inside ``box``."""
    x0, y0, x1, y1 = box or (0, 0, image.width(), image.height())
    target = (colour.red(), colour.green(), colour.blue())
    hits = 0
    for y in range(y0, y1, 2):
        for x in range(x0, x1, 2):
            c = QColor(image.pixel(x, y))
            hits += (
                sum(abs(a - b) for a, b in zip((c.red(), c.green(), c.blue()), target, strict=True))
                < 40
            )
    return hits


def shoot(tmp_path, name, *step):
    out = tmp_path / f"{name}.png"
    result = graphlab("open", "circuit-add-mul", "--screenshot", str(out), *step, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    return QImage(str(out))


def test_screenshot_after_backward_steps_shows_labels_and_the_explanation(tmp_path):
    plain = shoot(tmp_path, "plain")
    stepped = shoot(tmp_path, "stepped", "--step", "backward:2")
    forward = shoot(tmp_path, "forward", "--step", "forward:3")
    assert (stepped.width(), stepped.height()) == (1600, 1000)
    canvas = (240, 100, 1290, 820)  # the canvas between the side docks
    assert count_colour(plain, GRAD_COLOUR, canvas) == 0
    assert count_colour(plain, VALUE_COLOUR, canvas) == 0
    # chips are 9 pt on screen at any zoom: a few of them colour some tens of sampled pixels
    assert count_colour(stepped, GRAD_COLOUR, canvas) > 20
    assert count_colour(stepped, VALUE_COLOUR, canvas) > 20
    assert count_colour(forward, VALUE_COLOUR, canvas) > 20
    assert count_colour(forward, GRAD_COLOUR, canvas) == 0  # no gradient yet
    # the explanation dock (above the status bar) shows text only once a step was taken
    dock = [(x, y) for y in range(850, 960, 3) for x in range(0, 900, 3)]
    differing = sum(plain.pixel(x, y) != stepped.pixel(x, y) for x, y in dock)
    assert differing > 200


def test_step_option_is_parsed_and_passed_to_the_window(monkeypatch):
    assert parse_step("backward:3") == ("backward", 3)
    import ui.app

    calls = []
    monkeypatch.setattr(ui.app, "run_app", lambda graph, **options: calls.append(options) or 0)
    assert cli.main(["open", "sigmoid-neuron", "--step", "forward:2"]) == 0
    assert calls[0]["step"] == ("forward", 2)


@pytest.mark.parametrize("bad", ["sideways:2", "backward", "backward:-1"])
def test_a_bad_step_is_refused_with_one_line(tmp_path, bad):
    result = graphlab("open", "circuit-add-mul", "--step", bad, tmp_path=tmp_path)
    assert result.returncode == 2 and "expected forward:N or backward:N" in result.stderr
