"""Light and dark themes: the Fusion style with a palette per theme.

Switching restyles every standard widget at once; custom-drawn widgets can read
:func:`current_theme` or the application palette (the canvas keeps its own dark colours).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")
DEFAULT_THEME = "light"

#: role -> (light colour, dark colour)
COLOURS = {
    QPalette.Window: ("#f3f3f5", "#2b2d31"),
    QPalette.WindowText: ("#1d1f23", "#e3e5e8"),
    QPalette.Base: ("#ffffff", "#1f2124"),
    QPalette.AlternateBase: ("#eceef1", "#26282c"),
    QPalette.ToolTipBase: ("#fffff0", "#3a3d42"),
    QPalette.ToolTipText: ("#1d1f23", "#e3e5e8"),
    QPalette.PlaceholderText: ("#8a8f98", "#7d828a"),
    QPalette.Text: ("#1d1f23", "#e3e5e8"),
    QPalette.Button: ("#e8e9ec", "#35383d"),
    QPalette.ButtonText: ("#1d1f23", "#e3e5e8"),
    QPalette.BrightText: ("#d32f2f", "#ff6b6b"),
    QPalette.Highlight: ("#2f6fde", "#3d7be6"),
    QPalette.HighlightedText: ("#ffffff", "#ffffff"),
    QPalette.Link: ("#2f6fde", "#6ea1ff"),
    QPalette.Mid: ("#c4c7cc", "#4a4d53"),
    QPalette.Dark: ("#a0a4ab", "#1a1b1e"),
    QPalette.Light: ("#ffffff", "#45484e"),
}
DISABLED_TEXT = ("#9a9ea6", "#6b7078")

#: the colour of an invalid entry's border and message, per theme
ERROR_COLOUR = {"light": "#c62828", "dark": "#ff6b6b"}


def theme_palette(name: str) -> QPalette:
    """The palette of theme ``name`` (one of :data:`THEMES`)."""
    index = THEMES.index(name)
    palette = QPalette()
    for role, colours in COLOURS.items():
        palette.setColor(role, QColor(colours[index]))
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, QColor(DISABLED_TEXT[index]))
    return palette


def apply_theme(app: QApplication, name: str) -> str:
    """Restyle the whole application; an unknown name falls back to the default theme."""
    if name not in THEMES:
        name = DEFAULT_THEME
    app.setStyle("Fusion")
    app.setPalette(theme_palette(name))
    app.setProperty("graphlabTheme", name)
    return name


def current_theme() -> str:
    app = QApplication.instance()
    name = app.property("graphlabTheme") if app is not None else None
    return name if name in THEMES else DEFAULT_THEME


def error_colour() -> str:
    return ERROR_COLOUR[current_theme()]
