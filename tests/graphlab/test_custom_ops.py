"""Custom ops (graphlab.custom_ops): the gradient check, training, saving with trust, and the
errors of the user's code as the node's problem."""

import numpy as np
import pytest

from engine.errors import GraphLabError
from engine.ops import REGISTRY
from graphlab.custom_ops import (
    TEMPLATE,
    CustomOpError,
    check_op,
    distrust,
    parse_definition,
    read_folder,
    registered,
    save_to_folder,
    trust,
)
from graphlab.document import GraphDocument
from graphlab.fileformat import load_document, save_document
from graphlab.templates import add_op
from graphlab.training import prepare_training
from tests.custom_op_sources import SWISH, WRONG_SWISH, spiral_with


def swish(source=SWISH):
    definition = parse_definition("swish", source)
    trust([definition])
    return definition


def test_the_definition_is_read_without_running_it():
    definition = parse_definition("swish", SWISH)
    assert definition.ports == ("x",)
    assert [(a.name, a.kind, a.default) for a in definition.attrs] == [("beta", "float", 1.0)]
    assert definition.example_shapes == {"x": (4, 5)}
    assert registered("swish") is None  # reading registers nothing either
    template = parse_definition("mul", TEMPLATE.format(name="mul"))
    assert template.ports == ("x", "w") and template.has_shape_function


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("def forward(x, *, attrs):\n    return x, None\n", "define forward"),
        (
            "def forward(*, attrs): pass\ndef backward(d, c, *, attrs): pass\n",
            "at least one input",
        ),  # fmt: skip
        ("def forward(x, *, attrs):\n  return (\n", "line 2"),
        (SWISH.replace('("float", 1.0)', '("str", 1)'), "line 4: ATTRS['beta']"),
        ("x = 1\x00", "custom op 'bad': source code string cannot contain null bytes"),
        ("x = " + "(" * 100_000, "custom op 'bad': line 1: too many nested parentheses"),
        ("x = " + "-" * 100_000 + "1", "custom op 'bad': the source is not Python code"),
        ("x = " + "+".join(["1"] * 300_000), "custom op 'bad': the source is not Python code"),
        ("ATTRS = " + "[" * 100_000 + "]" * 100_000 + "\n" + SWISH, "custom op 'bad': "),
    ],
)
def test_a_faulty_definition_names_its_line(source, said):
    with pytest.raises(CustomOpError) as raised:
        parse_definition("bad", source)
    assert said in str(raised.value)


def test_swish_passes_the_gradient_check_and_a_wrong_backward_fails_it():
    report = check_op(swish())
    assert report.passed and report.ports[0].error < 1e-7
    wrong = check_op(swish(WRONG_SWISH))
    assert not wrong.passed and wrong.ports[0].error > 1e-2
    assert check_op(swish(TEMPLATE.format(name="swish"))).passed  # the template is right


def train_losses(doc, steps=50):
    run = prepare_training(doc, {"epochs": steps, "seed": 3})
    return np.array(run.trainer.run().losses[:steps])


def test_swish_trains_the_spiral_net_as_the_builtin_ops_do():
    swish()
    custom = train_losses(spiral_with("swish"))
    builtin = train_losses(spiral_with("builtin"))
    assert len(custom) == 50
    np.testing.assert_allclose(custom, builtin, rtol=0, atol=1e-5)
    assert custom[-1] < custom[0] - 0.01  # it learns


def test_a_saved_project_keeps_its_op_and_shapes_and_runs_only_when_trusted(tmp_path):
    definition = swish()
    doc = spiral_with("swish")
    doc.custom_ops = {"swish": definition}
    path = tmp_path / "swish.graphlab"
    save_document(doc, path)
    distrust([definition])
    reopened = load_document(path)
    assert reopened.custom_ops["swish"].source == SWISH
    analysis = reopened.analysis()
    assert analysis.problems == {} and analysis.shapes["act"] == (None, 100)
    with pytest.raises(CustomOpError, match='node "act" \\(swish\\).*not been trusted'):
        prepare_training(reopened, {"epochs": 1}).trainer.run()
    save_document(reopened, tmp_path / "again.graphlab")  # saved untrusted: shapes kept
    assert load_document(tmp_path / "again.graphlab").analysis().shapes["act"] == (None, 100)
    trust(reopened.custom_ops.values())
    assert len(train_losses(reopened, 3)) == 3


def test_a_node_of_a_registered_op_saves_its_definition_too(tmp_path):
    swish()
    doc = spiral_with("swish")  # the op came from the op folder: the document has no copy
    save_document(doc, tmp_path / "p.graphlab")
    assert load_document(tmp_path / "p.graphlab").custom_ops["swish"].source == SWISH


def one_node(source):
    definition = parse_definition("mine", source)
    trust([definition])
    doc = GraphDocument()
    add_op(doc, "input", id="x", shape=[2, 3])
    add_op(doc, "mine", "x", id="m")
    doc.custom_ops = {"mine": definition}
    return doc


BODY = "def backward(dout, cache, *, attrs):\n    return (dout,)\n"


@pytest.mark.parametrize(
    ("forward", "said"),
    [
        (
            "    return 1 / 0, None",
            "forward raised ZeroDivisionError: division by zero (line 2: return 1 / 0, None)",
        ),  # fmt: skip
        ("    return x[:1], None", "forward returned shape (1, 3), expected (2, 3)"),
        ("    return x * np.nan, None", "forward returned NaN or infinity"),
    ],
)
def test_errors_in_user_code_are_the_nodes_problem_with_its_line(forward, said):
    # shapes come from output_shape, so that forward's faults show when it runs
    shape = "def output_shape(x, *, attrs):\n    return x\n"
    doc = one_node(f"def forward(x, *, attrs):\n{forward}\n{BODY}{shape}")
    before = load_document_copy(doc)
    graph = doc.compile()
    with pytest.raises(GraphLabError) as raised:
        graph.forward({"x": np.ones((2, 3))})
    assert str(raised.value) == f"node \"m\" (mine): custom op 'mine': {said}"
    assert load_document_copy(doc) == before  # the document is untouched


def load_document_copy(doc):
    from graphlab.fileformat import document_to_dict

    return document_to_dict(doc)


def test_a_failing_backward_and_a_broken_shape_show_on_the_node():
    doc = one_node("def forward(x, *, attrs):\n    return x, None\n" + BODY.replace("(dout,)", "(dout[0],)"))  # fmt: skip
    graph = doc.compile()
    graph.forward({"x": np.ones((2, 3))})
    with pytest.raises(GraphLabError, match='node "m" \\(mine\\).*backward returned dx of shape \\(3,\\)'):  # fmt: skip
        graph.backward(grad=np.ones((2, 3)))
    broken = one_node("def forward(x, *, attrs):\n    return undefined_name, None\n" + BODY)
    problem = broken.analysis().problems["m"]
    assert "NameError" in problem and "line 2: return undefined_name, None" in problem


def test_code_that_does_not_compile_after_trust_is_the_nodes_problem():
    doc = one_node("import no_such_module_here\n" + "def forward(x, *, attrs):\n    return x, None\n" + BODY)  # fmt: skip
    assert "ModuleNotFoundError" in doc.analysis().problems["m"]
    assert registered("mine").runnable is False


def test_a_custom_op_cannot_take_a_builtin_name():
    with pytest.raises(GraphLabError, match="built-in op"):
        trust([parse_definition("relu", SWISH)])
    assert not REGISTRY["relu"].user


def test_the_op_folder_keeps_ops_and_reports_bad_files(tmp_path):
    save_to_folder(tmp_path / "ops", parse_definition("swish", SWISH))
    (tmp_path / "ops" / "broken.py").write_text("def forward(:\n")
    definitions, problems = read_folder(tmp_path / "ops")
    assert [d.name for d in definitions] == ["swish"] and definitions[0].source == SWISH
    assert len(problems) == 1 and "broken.py" in problems[0] and "line 1" in problems[0]
    assert registered("swish") is None  # reading the folder runs and registers nothing


def test_the_stepper_explains_the_op_with_its_code():
    from graphlab.custom_ops.runtime import GPU_NOTE
    from graphlab.explain import explain

    swish()
    doc = spiral_with("swish")
    graph = doc.compile()
    feeds = {"x": np.ones((3, 2)), "y": np.array([0, 1, 2])}
    events = [e for e in graph.trace(feeds) if e.node == "act"]
    forward, backward = (explain(e, graph, {}) for e in events)
    assert forward.lines[0].startswith("act = swish(fc1): fc1 (3, 100) -> (3, 100)")
    assert "def forward(x, *, attrs):" in forward.lines and GPU_NOTE in forward.lines
    assert (
        "    x, s = cache" in backward.lines and "dL/dfc1 = dout * dswish/dfc1" in backward.lines[0]
    )


def test_on_a_gpu_array_module_the_op_round_trips_through_numpy():
    from tests.engine.standin import is_standin
    from tests.engine.test_standin_backend import DEVICE  # registers the cupy stand-in

    swish()
    doc = spiral_with("swish")
    feeds = {"x": np.linspace(-1, 1, 6).reshape(3, 2), "y": np.array([0, 1, 2])}
    results = []
    for device in ("cpu", DEVICE):
        graph = doc.compile(device=device, dtype="float64")
        graph.forward(feeds)
        graph.backward()
        results.append((graph.values["act"], graph.grads["fc1"]))
    (value, grad), (device_value, device_grad) = results
    assert is_standin(device_value) and is_standin(device_grad)
    np.testing.assert_array_equal(device_value.get(), value)
    np.testing.assert_array_equal(device_grad.get(), grad)
