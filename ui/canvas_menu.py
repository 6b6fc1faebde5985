"""The Arrange menu: the canvas tools (frame, note, align, distribute, wire styles) of
:mod:`ui.canvas.tools` with their shortcuts, in the window's menu bar."""

from __future__ import annotations

ARRANGE = (
    "frame", "note", None, "align_left", "align_right", "align_top", "align_bottom",
    "distribute_x", "distribute_y", None, "wires_curved", "wires_straight", "wires_angled",
)  # fmt: skip


def install_canvas_menu(window) -> None:
    """Add the Arrange menu to ``window`` (a MainWindow) from its canvas actions."""
    menu = window.menuBar().addMenu("&Arrange")
    for name in ARRANGE:
        if name is None:
            menu.addSeparator()
        else:
            menu.addAction(window.canvas_actions[name])
    window.arrange_menu = menu
