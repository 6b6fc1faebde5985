"""Every registered op is in every table an op must appear in (docs/architecture.md, "Adding an
op"): the stepper's gradient formulas, the ONNX export, the PyTorch export, the ONNX import and
the op test cases, or is listed in that table's "unsupported" companion with a reason."""

import re

import numpy as np
import pytest

from engine.ops import REGISTRY
from graphlab.document import GraphDocument
from graphlab.explain import TENSOR_FORMULAS
from graphlab.export import ExportError, onnx_export, torch_export
from graphlab.export.onnx_handlers import IMPORTED, NOT_IMPORTED
from graphlab.templates import add_op
from tests.engine.cases import NO_CASES, all_cases

#: the engine's ops; ops a user writes (graphlab.custom_ops, ``Op.user``) are in no table by
#: design: every exporter handles them apart (ONNX refuses them, PyTorch embeds their code)
OPS = sorted(name for name, op in REGISTRY.items() if not op.user)
CASES = all_cases()
LEAVES = {"input", "parameter", "constant"}
#: ports the ONNX import needs as initializers (Conv and Gemm read their weights' shapes)
PARAMETER_PORTS = {"conv2d": ("w", "b"), "affine": ("w", "b")}


def either(table, reasons) -> dict[str, str]:
    """Op -> what is wrong: in neither the table nor its reasons, or in both, or a blank reason."""
    wrong = {}
    for op in OPS:
        if (op in table) == (op in reasons):
            wrong[op] = "in both" if op in table else "in neither"
        elif op in reasons and len(reasons[op].split()) < 3:
            wrong[op] = f"reason {reasons[op]!r} says nothing"
    return wrong


def test_every_op_has_a_gradient_formula_for_each_port():
    wrong = {}
    for op in OPS:
        ports = set(REGISTRY[op].inputs) - set(REGISTRY[op].no_grad_ports)
        formulas = TENSOR_FORMULAS.get(op)
        if formulas is None or set(formulas) != ports:
            wrong[op] = f"ports {sorted(ports)}, formulas {sorted(formulas or {})}"
            continue
        named = {name for text in formulas.values() for name in re.findall(r"\{(\w+)\}", text)}
        if named - set(REGISTRY[op].inputs):
            wrong[op] = f"names {sorted(named - set(REGISTRY[op].inputs))}, not ports"
    assert wrong == {}


def test_every_op_is_in_the_onnx_export_or_says_why_not():
    assert either(onnx_export.SUPPORTED, onnx_export.UNSUPPORTED) == {}


def test_every_op_is_in_the_pytorch_export_or_says_why_not():
    assert either(torch_export.SUPPORTED, torch_export.UNSUPPORTED) == {}


def test_every_op_is_in_the_onnx_import_or_says_why_not():
    assert either(IMPORTED, NOT_IMPORTED) == {}


def test_every_op_has_test_cases_or_says_why_not():
    assert either({case.op for case in CASES}, NO_CASES) == {}


def test_the_exporters_error_gives_the_tables_reason(monkeypatch):
    monkeypatch.setattr(onnx_export, "SUPPORTED", onnx_export.SUPPORTED - {"maxout"})
    monkeypatch.setitem(onnx_export.UNSUPPORTED, "maxout", "no grouped maximum in opset 18")
    doc = GraphDocument("maxout-net")
    add_op(doc, "input", id="x", shape=[-1, 4])
    add_op(doc, "maxout", "x", id="pairs", k=2)
    with pytest.raises(ExportError) as raised:
        onnx_export.to_onnx_model(doc)
    assert str(raised.value) == (
        'cannot export to ONNX: no ONNX form for op maxout (nodes "pairs" (maxout)); '
        "maxout: no grouped maximum in opset 18"
    )


# -- the ONNX tables are true: each case exported, run by onnxruntime, imported back ------


def case_document(case) -> GraphDocument:
    """One node of ``case.op`` fed by an input node per port (weights as parameters)."""
    doc = GraphDocument(case.id)
    ports = []
    for port, value in case.inputs.items():
        if port in PARAMETER_PORTS.get(case.op, ()):
            ports.append(add_op(doc, "parameter", id=port, shape=list(value.shape)))
            doc.params[port] = value.astype(np.float32)
        else:
            integer = np.issubdtype(value.dtype, np.integer)
            shape = list(value.shape)
            ports.append(add_op(doc, "input", id=port, shape=shape, dtype="int" if integer else "float"))  # fmt: skip
    add_op(doc, case.op, *ports, id="out", **case.attrs)
    return doc


@pytest.fixture(scope="module")
def ort():
    pytest.importorskip("onnx", reason="the export extra is not installed")
    return pytest.importorskip("onnxruntime", reason="the export extra is not installed")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_case_exports_to_onnx_and_imports_as_the_tables_say(ort, case):
    from graphlab.export.onnx_import import document_from_onnx

    doc = case_document(case)
    model = onnx_export.to_onnx_model(doc, include_loss=True)
    session = ort.InferenceSession(model.SerializeToString())
    feeds = {
        v.name: case.inputs[v.name].astype(np.int64 if "int" in v.type else np.float32)
        for v in session.get_inputs()
    }
    (output,) = session.run(["out"], feeds)
    expected = np.asarray(doc.compile().forward(case.inputs, train=False)["out"])
    np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-5)
    if case.op in IMPORTED:
        ops = {node.op for node in document_from_onnx(model).nodes.values()}
        assert case.op in ops
    else:
        try:
            ops = {node.op for node in document_from_onnx(model).nodes.values()}
        except ExportError as exc:
            assert "unsupported ONNX ops" in str(exc)
        else:
            assert case.op not in ops
