"""One theme for window and canvas: the canvas follows View > Theme, and the default
follows the system's light/dark setting."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui import theme
from ui.canvas.node_item import style


def lightness(colour: QColor) -> float:
    return colour.lightnessF()


def test_the_canvas_follows_the_windows_theme(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot)
    for name in ("dark", "light"):
        window.set_theme(name)
        app_window = QApplication.instance().palette().color(QPalette.Window)
        canvas = window.scene.backgroundBrush().color()
        assert (lightness(app_window) > 0.5) == (lightness(canvas) > 0.5) == (name == "light")
        node_body = style().body.color()
        assert (lightness(node_body) > 0.5) == (name == "light")
        shot = window.view.viewport().grab().toImage()
        corner = QColor(shot.pixel(2, 2))  # the canvas background as drawn
        assert (lightness(corner) > 0.5) == (name == "light"), name


def test_the_default_theme_follows_the_system(qtbot, isolated_settings, monkeypatch):  # noqa: F811
    assert theme.DEFAULT_THEME == "system"
    hints = QApplication.styleHints()
    for scheme, expected in ((Qt.ColorScheme.Dark, "dark"), (Qt.ColorScheme.Light, "light")):
        monkeypatch.setattr(type(hints), "colorScheme", lambda self, s=scheme: s)
        window = make_window(qtbot, theme=None)
        assert theme.current_theme() == expected and theme.theme_choice() == "system"
        canvas = window.scene.backgroundBrush().color()
        assert (lightness(canvas) > 0.5) == (expected == "light")
        checked = [a.data() for a in window.theme_actions.actions() if a.isChecked()]
        assert checked == ["system"]
