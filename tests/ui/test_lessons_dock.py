"""The Lesson dock in the window: walking lesson 1 (wrong answer -> hint, right answer ->
next step, finish, a new window shows it done), the gallery entry, show me, a build check
on the canvas, and a malformed lesson file beside good ones."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QStandardPaths, Qt
from PySide6.QtTest import QTest

from graphlab.lessons.graphs import lesson_dir
from graphlab.lessons.progress import default_path
from graphlab.lessons.render import inline_html
from tests.ui.test_main_window import isolated_settings, make_window  # noqa: F401
from ui.app import APPLICATION, ORGANIZATION
from ui.lessons import install_lessons, progress_path

ANSWERS = {2: ("5", "3"), 3: ("12", "-12"), 4: ("-4", "3"), 5: ("4", "-4"), 6: ("4", "-4")}


def _double_click(view, item, qtbot):
    """Press, release, then double-click on ``item``, as a person does."""
    view.scrollToItem(item)
    centre = view.visualItemRect(item).center()
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=centre)
    QTest.mouseDClick(view.viewport(), Qt.LeftButton, pos=centre)


def _activate_gallery_entry(window, qtbot):
    gallery = window.examples
    item = window.lessons.gallery.item
    window.docks["examples"].show()
    window.docks["examples"].raise_()
    qtbot.waitUntil(gallery.isVisible)
    _double_click(gallery, item, qtbot)


def _open_lesson_one(window, qtbot):
    _activate_gallery_entry(window, qtbot)
    lessons = window.lessons
    assert lessons.dock.isVisible() and lessons.panel.currentIndex() == 0
    first = lessons.panel.lesson_list.item(0)
    _double_click(lessons.panel.lesson_list, first, qtbot)
    assert lessons.panel.currentIndex() == 1


def test_walk_lesson_one_and_find_it_done_in_a_new_window(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot, "cnn-digits")
    _open_lesson_one(window, qtbot)
    page = window.lessons.panel.page
    assert window.doc.name == "circuit-add-mul"  # the lesson's graph on the canvas
    assert page.position.text() == "step 1 of 7" and page.next.isEnabled()
    qtbot.mouseClick(page.next, Qt.LeftButton)
    for number, (wrong, right) in ANSWERS.items():
        assert page.position.text() == f"step {number} of 7"
        assert not page.next.isEnabled()
        step = window.lessons.step
        assert window.lessons.highlight.nodes == step.task.nodes  # framed on the canvas
        qtbot.keyClicks(page.answer, wrong)
        qtbot.keyClick(page.answer, Qt.Key_Return)
        assert f"<b>Hint:</b> {inline_html(step.hint)}" in page.feedback.text()
        assert not page.next.isEnabled()
        assert page.worked.text() == ""
        page.answer.clear()
        qtbot.keyClicks(page.answer, wrong)
        qtbot.mouseClick(page.check, Qt.LeftButton)
        assert page.worked.text() == f"Worked: {step.worked}"  # the second wrong answer
        page.answer.clear()
        qtbot.keyClicks(page.answer, right)
        qtbot.mouseClick(page.check, Qt.LeftButton)
        assert page.feedback.text().startswith("Right:") and page.next.isEnabled()
        qtbot.mouseClick(page.next, Qt.LeftButton)
    assert page.position.text() == "step 7 of 7" and page.next.text() == "Finish ✓"
    qtbot.mouseClick(page.next, Qt.LeftButton)
    assert window.lessons.panel.currentIndex() == 0
    assert progress_path().is_file()
    window.close()

    again = make_window(qtbot)
    entry = again.lessons.panel.lesson_list.item(0)
    assert entry.text().startswith("✓ 1.")
    assert not again.lessons.panel.lesson_list.item(1).text().startswith("✓")
    assert "1 of 12 done (1)" in again.lessons.gallery.item.data(Qt.UserRole + 1)


def test_show_me_steps_to_the_gradient_and_a_build_check_reads_the_canvas(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot)
    lessons = window.lessons
    lessons.open_lesson("01-circuit")
    lessons.go(5)  # df/dx
    page = lessons.panel.page
    assert not page.show_me.isEnabled()
    qtbot.keyClicks(page.answer, "7")
    qtbot.keyClick(page.answer, Qt.Key_Return)
    assert page.show_me.isEnabled()
    qtbot.mouseClick(page.show_me, Qt.LeftButton)
    shown = window.stepper.model.shown()
    assert shown[-1].phase == "backward" and shown[-1].node == "x"
    assert float(window.stepper.model.graph.grads["x"]) == -4.0
    assert window.scene.selected_ids() == ["x"]

    lessons.open_lesson("02-sigmoid-neuron")
    lessons.go(6)  # build: the canvas holds the dot product only
    assert set(window.doc.nodes) == {"w0", "x0", "w1", "x1", "w2", "w0x0", "w1x1", "dot", "s"}
    qtbot.mouseClick(page.check, Qt.LeftButton)
    assert "your graph gives s =" in page.feedback.text()
    assert "<b>Hint:</b> Wire the output of s" in page.feedback.text()
    from graphlab.document import DocEdge, DocNode

    window.doc.add_node(DocNode("f", "sigmoid", {}, (880.0, 0.0)))
    window.doc.add_edge(DocEdge("s", "f", "x"))
    qtbot.mouseClick(page.check, Qt.LeftButton)
    assert page.feedback.text().startswith("Right: your graph computes sigmoid(")


def test_a_malformed_lesson_shows_one_line_and_the_others_work(qtbot, isolated_settings, tmp_path):  # noqa: F811
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "01-circuit.toml").write_text((lesson_dir() / "01-circuit.toml").read_text())
    (folder / "02-broken.toml").write_text('title = "x"\nsection = "y"\n[[steps]]\ntext = 3\n')
    window = make_window(qtbot)
    lessons = install_lessons(window, folder)
    rows = [
        lessons.panel.lesson_list.item(i).text() for i in range(lessons.panel.lesson_list.count())
    ]
    assert rows == ["   1. Backprop on a circuit: f = (x + y) z",
                    "⚠ 02-broken.toml:4: steps[1].text: expected text, got 3"]  # fmt: skip
    assert "1 lesson file(s) could not be read" in lessons.gallery.item.data(Qt.UserRole + 1)
    lessons.open_lesson("1")
    assert lessons.panel.page.position.text() == "step 1 of 7"


def test_the_command_line_finds_the_windows_progress_file(isolated_settings, monkeypatch):  # noqa: F811
    monkeypatch.delenv("GRAPHLAB_LESSONS_PROGRESS", raising=False)
    names = QCoreApplication.organizationName(), QCoreApplication.applicationName()
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    try:
        assert progress_path() == default_path()
        assert str(progress_path()).startswith(str(isolated_settings))
    finally:
        QCoreApplication.setOrganizationName(names[0])
        QCoreApplication.setApplicationName(names[1])
    assert QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)


def test_a_train_task_trains_the_canvas_graph_in_the_background(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot)
    lessons = window.lessons
    lessons.open_lesson("08-learning-rate")
    lessons.go(4)  # loss below 0.6 within 200 epochs
    page = lessons.panel.page
    assert window.doc.name == "two-layer-net-spiral"
    window.doc.set_training({**window.doc.training, "lr": 1.0, "epochs": 200})
    qtbot.mouseClick(page.check, Qt.LeftButton)
    assert not page.check.isEnabled() and page.feedback.text().startswith("Training your graph")
    qtbot.waitUntil(lambda: page.check.isEnabled(), timeout=30_000)
    assert "did not reach the target (at most 0.6)" in page.feedback.text()
    assert not page.next.isEnabled()
    window.doc.set_training({**window.doc.training, "lr": 2.0})
    qtbot.mouseClick(page.check, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.check.isEnabled(), timeout=30_000)
    assert "After 200 epoch(s) the training loss is 0.5" in page.feedback.text()
    assert page.next.isEnabled()
    assert window.doc.params == {}  # the check trained a copy, the canvas graph is untouched


def test_a_lesson_reopens_at_the_step_left(qtbot, isolated_settings):  # noqa: F811
    window = make_window(qtbot)
    window.lessons.open_lesson("02-sigmoid-neuron")
    window.lessons.go(4)
    window.close()
    again = make_window(qtbot)
    again.lessons.open_lesson("sigmoid-neuron")
    assert again.lessons.panel.page.position.text() == "step 4 of 7"
    assert again.doc.name == "sigmoid-neuron"
    assert again.lessons.highlight.nodes == ["x0", "x1"]
