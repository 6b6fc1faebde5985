"""The view's canvas tools (issue 29 items 4-5): bypass, frame, note, find in graph, align,
distribute and wire styles, each an action with a shortcut (see :func:`tool_specs`), and the
window's Arrange menu of them."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit

from graphlab.arrange import align, distribute, find_nodes
from ui.commands import MoveNodes


class FindBar(QFrame):
    """A search field over the canvas's top right: Enter (and F3) centres the next match,
    Shift+Enter the one before; Esc closes."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view
        self.setFrameShape(QFrame.StyledPanel)
        self.setAutoFillBackground(True)
        self.field = QLineEdit(placeholderText="Find a node: label, id or op")
        self.count = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.field)
        layout.addWidget(self.count)
        self.resize(320, 36)
        self.matches: list[str] = []
        self.index = -1
        self.field.textChanged.connect(self.search)
        self.field.installEventFilter(self)
        self.hide()

    def open(self) -> None:
        self.move(max(8, self.view.viewport().width() - self.width() - 8), 8)
        self.show()
        self.raise_()
        self.field.setFocus(Qt.ShortcutFocusReason)
        self.field.selectAll()

    def search(self, text: str) -> None:
        self.matches, self.index = find_nodes(self.view.scene().doc, text), -1
        self.count.setText(f"{len(self.matches)} found" if text.strip() else "")

    def step(self, delta: int = 1) -> str | None:
        """Select and centre the next (or previous) match; its id, or None."""
        if not self.matches:
            return None
        self.index = (self.index + delta) % len(self.matches)
        nid = self.matches[self.index]
        scene = self.view.scene()
        scene.select_ids([nid])
        self.view.centerOn(scene.nodes[nid].sceneBoundingRect().center())
        self.count.setText(f"{self.index + 1} of {len(self.matches)}")
        return nid

    def eventFilter(self, watched, event) -> bool:
        if watched is self.field and event.type() == QEvent.KeyPress:
            if event.key() in (Qt.Key_Return, Qt.Key_Enter, Qt.Key_F3):
                self.step(-1 if event.modifiers() & Qt.ShiftModifier else 1)
                return True
            if event.key() == Qt.Key_Escape:
                self.hide()
                self.view.setFocus()
                return True
        return super().eventFilter(watched, event)


class Tools:
    """The tools on a GraphView (its scene's extras, its editor's selection)."""

    def __init__(self, view) -> None:
        self.view = view
        self.find_bar = FindBar(view)

    @property
    def scene(self):
        return self.view.scene()

    def _message(self, text: str) -> None:
        ids = self.view.editor.selected()
        at = (
            self.scene.nodes[ids[0]].pos()
            if ids
            else self.view.mapToScene(self.view.viewport().rect().center())
        )
        self.scene.wiring.show_message(text, QPointF(at))

    def bypass(self) -> None:
        """Ctrl+B: bypass the selected nodes (again: end it); a refusal says why."""
        ids = self.view.editor.selected()
        if not ids:
            self._message("Select the node to bypass first.")
            return
        problem = self.scene.extras.toggle_bypass(ids)
        if problem:
            self._message(problem)

    def frame(self) -> None:
        ids = self.view.editor.selected()
        if ids:
            self.scene.extras.add_frame(ids)
        else:
            self._message("Select the nodes to frame first.")

    def note(self) -> None:
        self.scene.extras.add_note(self.view.mapToScene(self.view.viewport().rect().center()))

    def arrange(self, how: str) -> None:
        """Align ("left", "right", "top", "bottom") or distribute ("x", "y") the selection."""
        doc, ids = self.scene.doc, self.scene.selected_ids()
        if len(ids) < 2:
            return
        positions = {nid: doc.nodes[nid].pos for nid in ids}
        moved = distribute(positions, how) if how in ("x", "y") else align(positions, how)
        moved = {nid: p for nid, p in moved.items() if p != positions[nid]}
        if moved:
            label = f"Distribute along {how}" if how in ("x", "y") else f"Align {how}"
            self.scene.stack.push(MoveNodes(doc, moved, label))


def tool_specs(view) -> list[tuple[str, str, QKeySequence, object]]:
    """(name, text, shortcut, slot) of every tool action, for the view's action table."""
    tools = view.tools
    specs = [
        ("bypass", "Bypass", "Ctrl+B", tools.bypass),
        ("frame", "Frame selection", "Ctrl+J", tools.frame),
        ("note", "Add note", "Ctrl+Shift+N", tools.note),
        ("find_in_graph", "Find in graph", "Ctrl+Shift+F", tools.find_bar.open),
        ("align_left", "Align left", "Ctrl+Alt+Left", lambda: tools.arrange("left")),
        ("align_right", "Align right", "Ctrl+Alt+Right", lambda: tools.arrange("right")),
        ("align_top", "Align top", "Ctrl+Alt+Up", lambda: tools.arrange("top")),
        ("align_bottom", "Align bottom", "Ctrl+Alt+Down", lambda: tools.arrange("bottom")),
        ("distribute_x", "Distribute horizontally", "Ctrl+Alt+H", lambda: tools.arrange("x")),
        ("distribute_y", "Distribute vertically", "Ctrl+Alt+V", lambda: tools.arrange("y")),
    ]
    for style in ("curved", "straight", "angled"):
        specs.append(
            (
                f"wires_{style}",
                f"Wires {style}",
                "",
                lambda s=style: view.scene().extras.set_style(s),
            )
        )
    return [(name, text, QKeySequence(keys), slot) for name, text, keys, slot in specs]


#: the Arrange menu's actions (None: a separator)
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
