"""The main window: title and unsaved state, shortcuts, panels wired to the canvas, examples,
themes and layout remembered, and ``graphlab open --screenshot``."""

import subprocess
import sys

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QDragMoveEvent, QDropEvent, QImage, QPalette
from PySide6.QtWidgets import QApplication

from graphlab import cli
from graphlab.examples import example_names
from ui.app import open_window
from ui.commands import SetLabel
from ui.theme import theme_palette


@pytest.fixture
def isolated_settings(qapp, tmp_path, monkeypatch, request):
    """QSettings and the recovery folder under tmp_path, with a per-test application name."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for fmt in (QSettings.NativeFormat, QSettings.IniFormat):
        QSettings.setPath(fmt, QSettings.UserScope, str(tmp_path / "config"))
    QCoreApplication.setOrganizationName("GraphLabTest")
    QCoreApplication.setApplicationName(request.node.name.replace("[", "_").strip("]"))
    return tmp_path


def make_window(qtbot, graph="circuit-add-mul", theme="light"):
    window = open_window(graph, theme=theme)
    qtbot.addWidget(window, before_close_func=lambda w: w.files.stack.setClean())
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: bool(window.scene.analysis.shapes))
    return window


@pytest.fixture
def window(qtbot, isolated_settings):
    return make_window(qtbot)


def test_title_shows_file_and_unsaved_state(window):
    assert window.windowTitle() == "circuit-add-mul - GraphLab"
    window.stack.push(SetLabel(window.doc, "q", "sum"))
    assert window.windowTitle() == "circuit-add-mul* - GraphLab"
    window.stack.undo()
    assert window.windowTitle() == "circuit-add-mul - GraphLab"


def test_undo_redo_shortcuts(window, qtbot):
    window.view.setFocus()
    window.stack.push(SetLabel(window.doc, "q", "sum"))
    qtbot.keyClick(window.view, Qt.Key_Z, Qt.ControlModifier)
    assert window.doc.nodes["q"].label == ""
    qtbot.keyClick(window.view, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.doc.nodes["q"].label == "sum"
    qtbot.keyClick(window.view, Qt.Key_Z, Qt.ControlModifier)
    qtbot.keyClick(window.view, Qt.Key_Y, Qt.ControlModifier)
    assert window.doc.nodes["q"].label == "sum"


def test_selecting_a_node_inspects_it_and_an_edit_is_one_command(window, qtbot):
    window.scene.select_ids(["x"])
    assert window.inspector.nid == "x"
    editor = window.inspector.value_editor
    editor.edit.selectAll()
    qtbot.keyClicks(editor.edit, "7")
    qtbot.keyClick(editor.edit, Qt.Key_Return)
    assert window.doc.inputs["x"] == 7 and window.stack.count() == 1
    assert window.windowTitle().startswith("circuit-add-mul*")


def test_every_bundled_example_opens_with_no_problems(window, qtbot):
    for name in example_names():
        with qtbot.waitSignal(window.scene.analysisChanged):
            assert window.files.open_example(name)
        assert window.doc.name == name and window.doc.nodes
        assert window.scene.analysis.problems == {}, name
        assert window.problems.count() == 0 and window.problem_line.text() == "No problems"
        assert len(window.scene.nodes) == len(window.doc.nodes)
        assert window.windowTitle() == f"{name} - GraphLab" and window.stack.count() == 0


def test_palette_double_click_adds_at_the_view_centre_and_problems_select(window, qtbot):
    centre = window.view.mapToScene(window.view.viewport().rect().center())
    with qtbot.waitSignal(window.scene.analysisChanged):
        window.palette_panel.activated.emit("op:negate")
    (new,) = set(window.doc.nodes) - {"x", "y", "z", "q", "f"}
    x, y = window.doc.nodes[new].pos
    assert abs(x - centre.x()) < 100 and abs(y - centre.y()) < 50
    assert window.stack.count() == 1 and window.problems.count() == 1
    assert window.problem_line.text().startswith(f"{new}: input port 'x'")
    window.scene.select_ids([])
    window.problems.nodeChosen.emit(new)
    assert window.scene.selected_ids() == [new] and window.inspector.nid == new


def test_ctrl_f_focuses_the_palette_search(window, qtbot):
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_F, Qt.ControlModifier)
    assert window.palette_panel.search.hasFocus()


def test_edit_menu_holds_undo_redo_and_the_canvas_actions(window):
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    texts = [a.text() for a in edit.actions()]
    for name in ("&Undo", "&Redo", "Cut", "Copy", "Paste", "Duplicate", "Delete", "Select all"):
        assert any(t.startswith(name) for t in texts), name


def test_theme_and_layout_are_remembered(qtbot, isolated_settings):
    first = make_window(qtbot)
    assert not first.restore_layout()  # nothing saved yet
    first.set_theme("dark")
    dark = theme_palette("dark").color(QPalette.Window)
    assert QApplication.instance().palette().color(QPalette.Window) == dark
    first.docks["problems"].hide()
    first.close()
    second = open_window("circuit-add-mul")
    qtbot.addWidget(second)
    second.restore_layout()
    second.show()
    assert QApplication.instance().palette().color(QPalette.Window) == dark
    assert second.docks["problems"].isHidden() and not second.docks["inspector"].isHidden()
    assert [a.isChecked() for a in second.theme_actions.actions()] == [False, False, True]
    second.set_theme("light")


def test_plain_graphlab_lets_the_window_choose_what_to_open(monkeypatch):
    import ui.app

    calls = []
    monkeypatch.setattr(ui.app, "run_app", lambda graph, **options: calls.append(graph) or 0)
    # no GRAPH: the window opens the last file, or the first circuit with the welcome page
    assert cli.main([]) == 0 and calls == [None]


def graphlab(*args, tmp_path, platform="offscreen"):
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    if platform:
        env["QT_QPA_PLATFORM"] = platform
    return subprocess.run(
        [sys.executable, "-m", "graphlab.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.mark.parametrize("size", [None, (900, 640)])
def test_open_screenshot_writes_a_png_of_the_window(tmp_path, size):
    out = tmp_path / "out.png"
    extra = ["--size", f"{size[0]}x{size[1]}"] if size else []
    # the second run has no QT_QPA_PLATFORM: without a display it renders offscreen by itself
    platform = None if size else "offscreen"
    args = ["open", "circuit-add-mul", "--screenshot", str(out), *extra]
    result = graphlab(*args, tmp_path=tmp_path, platform=platform)
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (size or (1600, 1000))
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 20  # nodes, text, panels: not a blank image
    settings = tmp_path / ".config" / "GraphLab" / "GraphLab.conf"
    assert "geometry" not in (settings.read_text() if settings.exists() else "")


def test_open_a_missing_graph_fails_with_one_line(tmp_path):
    result = graphlab(
        "open", "no-such-graph", "--screenshot", str(tmp_path / "x.png"), tmp_path=tmp_path
    )
    assert result.returncode == 2 and "no such file or bundled example" in result.stderr
    assert not (tmp_path / "x.png").exists()


class DeliveringDrag:
    """Stands in for QDrag: instead of the platform's drag loop, drops its data on ``target``."""

    target, at, results = None, None, []

    def __init__(self, source):
        self.source = source

    def setMimeData(self, mime):
        self.mime = mime

    def setPixmap(self, pixmap):
        assert not pixmap.isNull()

    def exec(self, actions):
        view = DeliveringDrag.target
        for kind in (QEvent.DragEnter, QEvent.DragMove):
            event = QDragMoveEvent(
                DeliveringDrag.at, actions, self.mime, Qt.LeftButton, Qt.NoModifier, kind
            )
            QApplication.sendEvent(view.viewport(), event)
        drop = QDropEvent(
            QPointF(DeliveringDrag.at), actions, self.mime, Qt.LeftButton, Qt.NoModifier
        )
        QApplication.sendEvent(view.viewport(), drop)
        DeliveringDrag.results.append(drop.isAccepted())
        return Qt.CopyAction


def test_dragging_a_palette_entry_onto_the_canvas_adds_it_where_dropped(window, qtbot, monkeypatch):
    import ui.palette

    monkeypatch.setattr(ui.palette, "QDrag", DeliveringDrag)
    DeliveringDrag.target, DeliveringDrag.at = window.view, QPoint(300, 200)
    DeliveringDrag.results = []
    tree = window.palette_panel.tree
    item = tree.findItems("relu", Qt.MatchExactly | Qt.MatchRecursive)[0]
    tree.scrollToItem(item)
    start = tree.visualItemRect(item).center()
    qtbot.mousePress(tree.viewport(), Qt.LeftButton, pos=start)
    for step in range(1, 6):  # past the start-drag distance
        qtbot.mouseMove(tree.viewport(), start + QPoint(8 * step, 0))
    qtbot.mouseRelease(tree.viewport(), Qt.LeftButton, pos=start + QPoint(40, 0))
    assert DeliveringDrag.results == [True]
    (new,) = set(window.doc.nodes) - {"x", "y", "z", "q", "f"}
    assert window.doc.nodes[new].op == "relu" and window.stack.count() == 1
    drop = window.view.mapToScene(DeliveringDrag.at)
    x, y = window.doc.nodes[new].pos
    assert abs(x - drop.x()) < 100 and abs(y - drop.y()) < 30
    assert tree.findItems("relu", Qt.MatchExactly | Qt.MatchRecursive)  # still listed


def test_the_graphlab_command_imports_no_qt_until_a_window_is_wanted():
    code = (
        "import sys; from graphlab import cli; cli.build_parser(); "
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'ui'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_open_without_a_display_says_so_in_one_line(tmp_path):
    result = graphlab("open", "circuit-add-mul", tmp_path=tmp_path, platform=None)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "graphlab: error: no display to open the window on (run it in a desktop session or "
        "under xvfb-run, or render it with --screenshot FILE.png)"
    ]


def test_the_explanation_has_room_for_the_whole_backward_pass_at_1280x800(qtbot, isolated_settings):  # noqa: F811
    """Dock sizes set before the window had its size were squeezed (the Explanation got 86 px:
    one and a half lines); they are applied again when it is first shown, unless a saved layout
    was restored."""
    window = open_window("circuit-add-mul", theme="light")
    qtbot.addWidget(window, before_close_func=lambda w: w.files.stack.setClean())
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    explanation = window.stepper.docks["explanation"]
    qtbot.waitUntil(lambda: explanation.height() >= 140)
    window.resizeDocks([explanation], [100], Qt.Vertical)  # the student makes it smaller
    qtbot.waitUntil(lambda: explanation.height() < 120)
    window.save_layout()
    again = open_window("circuit-add-mul", theme="light")
    qtbot.addWidget(again, before_close_func=lambda w: w.files.stack.setClean())
    assert again.restore_layout()
    again.show()
    qtbot.waitExposed(again)
    assert abs(again.stepper.docks["explanation"].height() - explanation.height()) <= 4


def test_problems_is_the_tab_shown_beside_gradient_check_at_start(window, qtbot):
    """The student sees the Problems list ("No problems: ...") first, not an empty Gradient
    check (the hidden Replay tab in the same group used to hand its place to it)."""
    problems, gradcheck = window.docks["problems"], window.stepper.docks["gradcheck"]
    qtbot.waitUntil(lambda: not problems.visibleRegion().isEmpty())
    assert gradcheck.visibleRegion().isEmpty() and not window.docks["replay"].isVisible()
