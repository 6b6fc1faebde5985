"""The main window: the canvas in the middle, dockable palette, inspector, problems and examples.

One document, one undo stack and one scene live as long as the window; opening a file
replaces the document's content, and the scene and panels follow its events.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QStyle,
    QToolBar,
    QWidget,
)

from graphlab.changes import ChangeKind
from graphlab.document import GraphDocument
from graphlab.examples import list_examples
from graphlab.names import with_labels
from ui.canvas import GraphScene, GraphView
from ui.canvas.node_item import NODE_WIDTH, TITLE_H
from ui.canvas.tools import install_canvas_menu
from ui.course import install_course
from ui.custom_op import install_custom_ops
from ui.examples_panel import ExamplesPanel
from ui.export_menu import ExportMenu
from ui.files import DocumentFiles
from ui.graph_drop import install_graph_drop
from ui.guard import ActionGuard
from ui.help_menu import install_help
from ui.import_weights import install_import_weights
from ui.input_drop import install_input_pad
from ui.inspector import Inspector
from ui.keyboard_settings import install_keyboard_settings
from ui.lessons import install_lessons
from ui.palette import PaletteWidget
from ui.preferences import install_preferences, undo_limit
from ui.problems import ProblemsPanel
from ui.stepper import install_stepper
from ui.theme import THEMES, apply_theme, theme_choice
from ui.training import install_training
from ui.training.replay_view import install_replay
from ui.welcome import install_welcome
from ui.wheel_guard import install_wheel_guard
from ui.widgets import add_dock

CANVAS_MENU_EDIT = ("cut", "copy", "paste", "duplicate", "delete", None, "select_all")
CANVAS_MENU_EDIT += ("rename", "bypass", "find_in_graph", None, "group", "ungroup", "enter_group")
CANVAS_MENU_EDIT += ("leave_group",)  # issue 29; the others: ui/canvas/tools.py
CANVAS_MENU_VIEW = ("fit", "layout", "snap")


class MainWindow(QMainWindow):
    """GraphLab's window. ``files`` holds the file actions; ``scene``/``view`` the canvas."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        install_wheel_guard(QApplication.instance())
        self.doc = GraphDocument()
        self.stack = QUndoStack(self)
        self.stack.setUndoLimit(undo_limit())
        self.scene = GraphScene(self.doc, self.stack)
        self.view = GraphView(self.scene)
        #: every action, button and dialog of the window runs through this guard
        self.guard = self.view.guard = ActionGuard(self.doc, self.stack, self)
        self.setCentralWidget(self.view)
        self.files = DocumentFiles(self, self.doc, self.stack)
        self.guard.keepers.append(self.files.keep_state)
        self.palette_panel = PaletteWidget()
        self.inspector = Inspector(self.doc, self.stack)
        self.problems = ProblemsPanel(self.doc)
        self.examples = ExamplesPanel()
        self.docks = {
            "palette": add_dock(self, "Palette", self.palette_panel, Qt.LeftDockWidgetArea),
            "examples": add_dock(self, "Examples", self.examples, Qt.LeftDockWidgetArea),
            "inspector": add_dock(self, "Inspector", self.inspector, Qt.RightDockWidgetArea),
            "problems": add_dock(self, "Problems", self.problems, Qt.RightDockWidgetArea),
        }
        self.tabifyDockWidget(self.docks["palette"], self.docks["examples"])
        self.docks["palette"].raise_()
        self._dock_sizes: list[tuple] = []
        self._layout_restored = False
        self.default_dock_sizes(
            [self.docks["palette"], self.docks["inspector"]], [230, 300], Qt.Horizontal
        )
        self.default_dock_sizes(
            [self.docks["inspector"], self.docks["problems"]], [600, 200], Qt.Vertical
        )
        self.problem_line = QLabel()
        self.statusBar().addPermanentWidget(self.problem_line)  # beside, not under, messages
        self._build_actions()
        self._build_menus()
        self._connect()
        install_stepper(self)
        install_training(self)
        install_replay(self)
        install_course(self)
        install_input_pad(self)
        install_lessons(self)
        install_custom_ops(self)
        install_import_weights(self)
        install_graph_drop(self)
        install_canvas_menu(self)
        install_keyboard_settings(self)
        install_welcome(self)
        install_help(self)  # last: Help ends the menu bar
        self.setWindowTitle(self.files.title())
        #: whether closing saves the layout (once :meth:`restore_layout` ran)
        self.remember_layout = False

    # -- actions and menus --------------------------------------------------------------

    def _action(self, text, slot, shortcuts=(), icon=None) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        self.guard.trigger(action, slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        files = self.files
        self.actions = {
            "new": self._action("&New", files.new, [QKeySequence.New], QStyle.SP_FileIcon),
            "open": self._action(
                "&Open...", files.open, [QKeySequence.Open], QStyle.SP_DialogOpenButton
            ),
            "save": self._action(
                "&Save", files.save, [QKeySequence.Save], QStyle.SP_DialogSaveButton
            ),
            "save_as": self._action("Save &As...", files.save_as, ["Ctrl+Shift+S"]),
            "quit": self._action("&Quit", self.close, [QKeySequence.Quit]),
            "find": self._action("&Find op", self.focus_palette_search, [QKeySequence.Find]),
        }
        # as QUndoStack.createUndoAction's, but through the guard
        undo = self._action("&Undo", self.stack.undo, ["Ctrl+Z"])
        redo = self._action("&Redo", self.stack.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        for action, text, able, changed in (
            (undo, "&Undo", self.stack.canUndo, self.stack.undoTextChanged),
            (redo, "&Redo", self.stack.canRedo, self.stack.redoTextChanged),
        ):
            action.setEnabled(able())
            changed.connect(lambda name, a=action, t=text: a.setText(f"{t} {name}".strip()))
        self.stack.canUndoChanged.connect(undo.setEnabled)
        self.stack.canRedoChanged.connect(redo.setEnabled)
        self.actions.update(undo=undo, redo=redo)
        # toolbar buttons with a fixed text (the menu actions' text names the command)
        self.toolbar_undo = self._action("Undo", self.stack.undo)
        self.toolbar_redo = self._action("Redo", self.stack.redo)
        self.toolbar_undo.setEnabled(False)
        self.toolbar_redo.setEnabled(False)
        self.stack.canUndoChanged.connect(self.toolbar_undo.setEnabled)
        self.stack.canRedoChanged.connect(self.toolbar_redo.setEnabled)
        self.stack.undoTextChanged.connect(self.toolbar_undo.setToolTip)
        self.stack.redoTextChanged.connect(self.toolbar_redo.setToolTip)
        self.canvas_actions = self.view.edit_actions()

    def _build_menus(self) -> None:
        bar, a = self.menuBar(), self.actions
        file_menu = bar.addMenu("&File")
        file_menu.addActions([a["new"], a["open"]])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        examples_menu = file_menu.addMenu("&Examples")
        for name, description in list_examples():
            action = examples_menu.addAction(name)
            action.setToolTip(description)
            self.guard.trigger(action, lambda n=name: self.files.open_example(n), "Open example")
        file_menu.addSeparator()
        file_menu.addActions([a["save"], a["save_as"]])
        file_menu.addSeparator()
        self.export_menu = ExportMenu(self, file_menu)
        file_menu.addSeparator()
        file_menu.addAction(a["quit"])
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([a["undo"], a["redo"]])
        edit_menu.addSeparator()
        for name in CANVAS_MENU_EDIT:
            if name is None:
                edit_menu.addSeparator()
            elif name in self.canvas_actions:
                edit_menu.addAction(self.canvas_actions[name])
        edit_menu.addSeparator()
        edit_menu.addAction(a["find"])
        self.actions["preferences"] = install_preferences(self, edit_menu)
        view_menu = bar.addMenu("&View")
        view_actions = [
            self.canvas_actions[n] for n in CANVAS_MENU_VIEW if n in self.canvas_actions
        ]
        view_menu.addActions(view_actions)
        view_menu.addSeparator()
        view_menu.addActions([dock.toggleViewAction() for dock in self.docks.values()])
        view_menu.addSeparator()
        theme_menu = view_menu.addMenu("&Theme")
        self.theme_actions = QActionGroup(self)
        for name in THEMES:
            action = theme_menu.addAction(
                "Follow the system" if name == "system" else name.capitalize()
            )
            action.setCheckable(True)
            action.setData(name)
            self.guard.trigger(action, lambda n=name: self.set_theme(n), "Theme")
            self.theme_actions.addAction(action)
        self._check_theme(theme_choice())
        toolbar = QToolBar("Main", self, objectName="toolbar:main", movable=False)
        toolbar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        toolbar.addActions([a["new"], a["open"], a["save"]])
        toolbar.addSeparator()
        toolbar.addActions([self.toolbar_undo, self.toolbar_redo])
        toolbar.addSeparator()
        toolbar.addActions(view_actions)
        self.addToolBar(toolbar)
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.files.recent_files()
        for number, path in enumerate(recent, 1):
            action = self.recent_menu.addAction(f"&{number % 10}  {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            self.guard.trigger(action, lambda p=path: self.files.open_path(p), "Open Recent")
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.setEnabled(bool(recent))

    def _connect(self) -> None:
        self.scene.selectedNodesChanged.connect(self.inspector.show_nodes)
        self.problems.shown.connect(self._analysis_changed)
        guard = self.guard
        self.problems.nodeChosen.connect(guard.slot("Show the node", self.select_node))
        self.problems.valueWanted.connect(guard.slot("Set value", self.inspector.focus_value))
        self.palette_panel.activated.connect(guard.slot("Add a node", self.add_from_palette))
        self.examples.exampleChosen.connect(guard.slot("Open example", self.files.open_example))
        self.files.stateChanged.connect(lambda: self.setWindowTitle(self.files.title()))
        self.files.opened.connect(lambda: QTimer.singleShot(0, self.view.fit_to_view))
        self.files.recentChanged.connect(self._fill_recent_menu)
        self.files.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.doc.subscribe(self._values_dropped, {ChangeKind.DROPPED})

    # -- reactions ----------------------------------------------------------------------

    def _values_dropped(self, change) -> None:
        """A command dropped values that no longer fit the graph: say which."""
        text = with_labels(self.doc, "; ".join(change.subject))
        self.statusBar().showMessage(f"Dropped {text}.", 8000)

    def _analysis_changed(self) -> None:
        count = len(self.problems.problems)
        self.docks["problems"].setWindowTitle(f"Problems ({count})" if count else "Problems")
        self.problem_line.setText(self.problems.latest or "No problems")

    def select_node(self, nid: str) -> None:
        if nid in self.doc.nodes:
            self.scene.select_ids([nid])
            self.view.centerOn(QPointF(*self.doc.nodes[nid].pos))

    def add_from_palette(self, payload: str) -> None:
        """Add a palette entry at the centre of the view, as one undoable command."""
        centre = self.view.mapToScene(self.view.viewport().rect().center())
        self.view.editor.drop(payload, centre - QPointF(NODE_WIDTH / 2, TITLE_H / 2))

    def focus_palette_search(self) -> None:
        dock = self.docks["palette"]
        dock.show()
        dock.raise_()
        self.palette_panel.focus_search()

    def set_theme(self, name: str) -> None:
        name = apply_theme(QApplication.instance(), name)
        QSettings().setValue("theme", name)
        self._check_theme(name)
        self.scene.restyle()

    def _check_theme(self, name: str) -> None:
        for action in self.theme_actions.actions():
            action.setChecked(action.data() == name)

    # -- settings and closing -----------------------------------------------------------

    def default_dock_sizes(self, docks: list, sizes: list[int], orientation) -> None:
        """Size ``docks`` now and again when the window is first shown (sizes set before the
        window has its size get squeezed: the Explanation came out 86 px, not 150, at
        1280x800), unless a saved layout was restored."""
        self.resizeDocks(docks, sizes, orientation)
        self._dock_sizes.append((docks, sizes, orientation))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._layout_restored:
            for docks, sizes, orientation in self._dock_sizes:
                self.resizeDocks(docks, sizes, orientation)
        self._dock_sizes = []

    def restore_layout(self) -> bool:
        """Geometry and docks as last saved (from now on saved again on close)."""
        self.remember_layout = True
        settings = QSettings()
        geometry, state = settings.value("geometry"), settings.value("windowState")
        if state is not None:
            self.restoreState(state)
            self._layout_restored = True
        return geometry is not None and self.restoreGeometry(geometry)

    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("windowState", self.saveState())

    def closeEvent(self, event) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        if self.remember_layout:
            self.save_layout()
        self.files.autosave_timer.stop()
        self.files.remove_recovery()
        event.accept()
