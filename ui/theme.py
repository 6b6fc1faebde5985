"""Light and dark themes, for the window and the canvas alike: the Fusion style with a
palette per theme, and the canvas's colours (:func:`canvas_colour`).

The default, "system", follows the system's light/dark setting. Switching restyles every
standard widget at once; custom-drawn items read :func:`canvas_colour` (the canvas restyles
itself, ``GraphScene.restyle``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from ui.wheel_guard import install_wheel_guard

#: the choices in View > Theme ("system": light or dark as the system is)
THEMES = ("system", "light", "dark")
DEFAULT_THEME = "system"

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

#: canvas role -> (light colour, dark colour)
CANVAS = {
    "background": ("#f4f5f7", "#22262b"),
    "grid_minor": ("#e8eaee", "#2a2f35"),
    "grid_major": ("#d6dae0", "#323840"),
    "node_body": ("#ffffff", "#2f343b"),
    "node_title": ("#dfe4eb", "#3d4550"),
    "node_border": ("#8d96a1", "#1b1e22"),
    "node_text": ("#1d1f23", "#eceff1"),
    "node_muted": ("#56616c", "#aab4be"),
    "shape_ok": ("#00796b", "#80cbc4"),
    "shape_bad": ("#c62828", "#ef9a9a"),
    "edge": ("#6b7785", "#a3aeba"),
}

#: the colour of an invalid entry's border and message, per theme
ERROR_COLOUR = {"light": "#c62828", "dark": "#ff6b6b"}


def system_theme() -> str:
    """ "dark" when the system asks for dark colours, else "light"."""
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def resolved(name: str) -> str:
    """The light or dark theme a choice stands for (an unknown name: the default)."""
    name = name if name in THEMES else DEFAULT_THEME
    return system_theme() if name == "system" else name


def theme_palette(name: str) -> QPalette:
    """The palette of theme ``name`` (light, dark, or system: as the system is)."""
    index = ("light", "dark").index(resolved(name))
    palette = QPalette()
    for role, colours in COLOURS.items():
        palette.setColor(role, QColor(colours[index]))
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, QColor(DISABLED_TEXT[index]))
    return palette


def apply_theme(app: QApplication, name: str) -> str:
    """Restyle the whole application; returns the choice made (an unknown name falls back to
    the default, following the system)."""
    name = name if name in THEMES else DEFAULT_THEME
    install_wheel_guard(app)  # the Fusion style, with the wheel guard
    app.setPalette(theme_palette(name))
    app.setProperty("graphlabTheme", resolved(name))
    app.setProperty("graphlabThemeChoice", name)
    return name


def current_theme() -> str:
    """The theme shown now: "light" or "dark"."""
    app = QApplication.instance()
    name = app.property("graphlabTheme") if app is not None else None
    return name if name in ("light", "dark") else resolved(DEFAULT_THEME)


def theme_choice() -> str:
    """The theme chosen (system, light or dark)."""
    app = QApplication.instance()
    name = app.property("graphlabThemeChoice") if app is not None else None
    return name if name in THEMES else DEFAULT_THEME


def canvas_colour(role: str) -> QColor:
    """The canvas's colour for ``role`` (a key of :data:`CANVAS`) in the current theme."""
    return QColor(CANVAS[role][current_theme() == "dark"])


def error_colour() -> str:
    return ERROR_COLOUR[current_theme()]
