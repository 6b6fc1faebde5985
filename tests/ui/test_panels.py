"""The dock panels on their own: palette, inspector, problems list and examples gallery."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox

from engine.ops import REGISTRY
from graphlab.analysis import analyse
from graphlab.document import DocNode, GraphDocument
from graphlab.examples import START_HERE, example_names, list_examples, open_graph
from graphlab.fileformat import document_to_dict
from graphlab.templates import LAYER_TEMPLATES
from graphlab.zoo import zoo_entries
from ui.canvas import PALETTE_MIME
from ui.examples_panel import DESCRIPTION_ROLE, ExamplesPanel
from ui.inspector import Inspector
from ui.inspector_widgets import TextAttrEditor, format_value, parse_text
from ui.palette import PaletteWidget
from ui.problems import ProblemsPanel

# -- palette -------------------------------------------------------------------------------


@pytest.fixture
def palette(qtbot):
    widget = PaletteWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_palette_lists_every_registry_op_and_template(palette):
    entries = palette.entries()
    assert {f"op:{name}" for name in REGISTRY} <= set(entries)
    assert {f"template:{name}" for name in LAYER_TEMPLATES} <= set(entries)
    assert len(entries) == len(REGISTRY) + len(LAYER_TEMPLATES)


def test_palette_filters_as_you_type(palette, qtbot):
    qtbot.keyClicks(palette.search, "soft")
    visible = palette.entries(visible_only=True)
    assert "op:softmax" in visible and "op:softmax_cross_entropy" in visible
    assert "op:add" not in visible and "template:Linear layer" not in visible
    qtbot.keyClicks(palette.search, "max ")  # "softmax ": still the softmax entries
    assert "op:softmax" in palette.entries(visible_only=True)
    palette.search.clear()
    assert palette.entries(visible_only=True) == palette.entries()


def test_palette_search_matches_formula_words_and_enter_activates(palette, qtbot):
    qtbot.keyClicks(palette.search, "conv")
    visible = palette.entries(visible_only=True)
    assert "op:conv2d" in visible and "template:Conv layer" in visible
    with qtbot.waitSignal(palette.activated) as signal:
        qtbot.keyClick(palette.search, Qt.Key_Return)
    assert signal.args == [visible[0]]


def test_palette_entries_carry_formula_tooltips_and_drag_payloads(palette):
    group = palette.tree.topLevelItem(1)
    item = group.child(0)
    op = REGISTRY[item.text(0)]
    assert op.formula.split()[0] in item.toolTip(0) and "<i>" in item.toolTip(0)
    mime = palette.tree.mimeData([item])
    assert bytes(mime.data(PALETTE_MIME).data()).decode() == f"op:{op.name}"
    assert palette.tree.mimeData([group]) is None


def test_double_click_on_an_entry_activates_it(palette, qtbot):
    item = palette.tree.topLevelItem(0).child(0)
    rect = palette.tree.visualItemRect(item)
    with qtbot.waitSignal(palette.activated) as signal:
        # a real double-click: press/release, then the second press as a double-click
        qtbot.mouseClick(palette.tree.viewport(), Qt.LeftButton, pos=rect.center())
        qtbot.mouseDClick(palette.tree.viewport(), Qt.LeftButton, pos=rect.center())
    assert signal.args == [f"template:{item.text(0)}"]


# -- inspector -----------------------------------------------------------------------------


def inspector_on(qtbot, example, nid):
    doc, stack = open_graph(example), QUndoStack()
    inspector = Inspector(doc, stack)
    qtbot.addWidget(inspector)
    inspector.show()
    inspector.show_node(nid)
    inspector.set_analysis(analyse(doc))
    return inspector, doc, stack


def retype(qtbot, line_edit, text):
    line_edit.setFocus()
    line_edit.selectAll()
    qtbot.keyClicks(line_edit, text)
    qtbot.keyClick(line_edit, Qt.Key_Return)


def test_int_attr_edited_through_its_spin_box_is_one_undoable_command(qtbot):
    inspector, doc, stack = inspector_on(qtbot, "cnn-digits", "conv1")
    spin = inspector.editors["pad"]
    assert spin.minimum() == 0
    retype(qtbot, spin.lineEdit(), "2")
    assert doc.nodes["conv1"].attrs["pad"] == 2 and stack.count() == 1
    stack.undo()
    inspector.set_analysis(analyse(doc))  # what the window does after every change
    assert doc.nodes["conv1"].attrs["pad"] == 1 and spin.value() == 1


def test_invalid_text_shows_the_error_and_changes_nothing(qtbot):
    inspector, doc, stack = inspector_on(qtbot, "cnn-digits", "fc_W")
    before = document_to_dict(doc)
    editor = inspector.editors["shape"]
    retype(qtbot, editor.edit, "128, x")
    assert editor.invalid and "cannot read" in editor.message.text()
    assert "border" in editor.edit.styleSheet()
    assert document_to_dict(doc) == before and stack.count() == 0
    editor.edit.selectAll()
    qtbot.keyClicks(editor.edit, "[128, 2.5]")  # validated as you type, before Enter
    assert editor.invalid and "expected a list of integers" in editor.message.text()
    assert document_to_dict(doc) == before
    retype(qtbot, editor.edit, "128, 12")
    assert not editor.invalid and editor.edit.styleSheet() == ""
    assert doc.nodes["fc_W"].attrs["shape"] == [128, 12] and stack.count() == 1


def test_choice_bool_and_label_edits(qtbot):
    inspector, doc, stack = inspector_on(qtbot, "cnn-digits", "fc_W")
    combo = inspector.editors["init"]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key_Down)
    assert doc.nodes["fc_W"].attrs["init"] == combo.currentText() != "he"
    qtbot.mouseClick(inspector.editors["frozen"], Qt.LeftButton)
    assert doc.nodes["fc_W"].attrs["frozen"] is True
    retype(qtbot, inspector.label_edit, "weights")
    assert doc.nodes["fc_W"].label == "weights" and stack.count() == 3
    for _ in range(3):
        stack.undo()
    assert doc.nodes["fc_W"].attrs == open_graph("cnn-digits").nodes["fc_W"].attrs


def test_inspector_shows_inferred_shapes_and_problems(qtbot):
    inspector, doc, _ = inspector_on(qtbot, "cnn-digits", "conv1")
    assert inspector.port_shapes["x"].text() == "x: (N, 1, 8, 8)"
    assert inspector.output_shape.text() == "(N, 16, 8, 8)"
    doc.add_node(DocNode("n1", "negate"))
    inspector.show_node("n1")
    inspector.set_analysis(analyse(doc))
    assert "not connected" in inspector.problem.text() and inspector.problem.isVisibleTo(inspector)
    doc.remove_node("n1")
    inspector.set_analysis(analyse(doc))
    assert inspector.nid is None


def test_scalar_input_value_is_edited_and_checked(qtbot):
    inspector, doc, stack = inspector_on(qtbot, "circuit-add-mul", "x")
    editor = inspector.value_editor
    assert editor.edit.text() == "-2.0"
    retype(qtbot, editor.edit, "[1, 2]")
    assert editor.invalid and doc.inputs["x"] == -2.0
    retype(qtbot, editor.edit, "3")
    assert doc.inputs["x"] == 3 and stack.count() == 1
    stack.undo()
    assert doc.inputs["x"] == -2.0
    inspector.set_analysis(analyse(doc))
    assert editor.edit.text() == "-2.0"


# -- problems and examples -----------------------------------------------------------------


def test_problems_list_and_click_chooses_the_node(qtbot):
    doc = open_graph("circuit-add-mul")
    doc.add_node(DocNode("n1", "negate"))
    panel = ProblemsPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_analysis(analyse(doc))
    assert panel.count() == 1 and panel.latest.startswith("n1: input port 'x'")
    rect = panel.visualItemRect(panel.item(0))
    with qtbot.waitSignal(panel.nodeChosen) as signal:
        qtbot.mouseClick(panel.viewport(), Qt.LeftButton, pos=rect.center())
    assert signal.args == ["n1"]
    doc.remove_node("n1")
    panel.set_analysis(analyse(doc))
    assert panel.count() == 0 and panel.latest == ""


def test_examples_gallery_lists_every_example(qtbot):
    panel = ExamplesPanel()
    qtbot.addWidget(panel)
    examples = [name for name, _ in list_examples()]  # the course's order
    assert panel.names() == [*examples, *(name for name, _ in zoo_entries())]  # then the zoo
    assert sorted(examples) == example_names() and examples[0] == START_HERE
    assert all(panel.item(i).data(DESCRIPTION_ROLE) for i in range(panel.count()))
    panel.show()
    panel.setCurrentRow(1)
    with qtbot.waitSignal(panel.exampleChosen) as signal:
        qtbot.keyClick(panel, Qt.Key_Return)
    assert signal.args == [panel.names()[1]]


def test_inspector_has_a_fitting_editor_for_every_attr_of_every_op(qtbot):
    expected = {"int": QSpinBox, "float": QDoubleSpinBox, "choice": QComboBox, "bool": QCheckBox}
    doc, stack = GraphDocument(), QUndoStack()
    inspector = Inspector(doc, stack)
    qtbot.addWidget(inspector)
    for name, op in REGISTRY.items():
        doc.add_node(DocNode(name, name, op.default_attrs()))
        inspector.show_node(name)
        assert set(inspector.editors) == {a.name for a in op.attrs}
        for attr in op.attrs:
            editor = inspector.editors[attr.name]
            nullable = attr.default is None  # a number or null (clip's bounds): a text entry
            kind = "text" if nullable else attr.kind
            assert isinstance(editor, expected.get(kind, TextAttrEditor)), (name, attr)
            if attr.kind in ("int", "float") and not attr.required and not nullable:
                assert editor.value() == pytest.approx(attr.default)


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("shape", "-1, 3", [-1, 3]),
        ("shape", "[]", []),
        ("ints", "[2, 3]", [2, 3]),
        ("axes", "", None),
        ("axes", "1", 1),
        ("axes", "0, 2", [0, 2]),
        ("value", "[[1, 2], [3, 4.5]]", [[1, 2], [3, 4.5]]),
        ("value", "-2.0", -2.0),
    ],
)
def test_text_entries_read_and_show_back_the_same_value(kind, text, value):
    assert parse_text(kind, text) == value
    assert parse_text(kind, format_value(value)) == value


def test_unreadable_text_says_how_to_write_it():
    with pytest.raises(ValueError, match="a list like"):
        parse_text("value", "1, 2")  # only list kinds accept a bare list
