"""ONNX's own backend node tests, for every op type the importer maps.

Each case (``onnx.backend.test.case.node.collect_testcases()``, the same models and data as
ONNX's backend test data) whose nodes are all op types the importer reads is imported with
its inputs' values given (graph inputs that feed shapes, axes or weights become constants,
the rest are fed), run by the engine in float32 and compared with the expected outputs at
the case's own tolerances. A case may be refused, with a reason listed in docs/onnx.md, but
none may give other numbers or crash.
"""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from engine.errors import GraphLabError
from graphlab.export import ExportError
from graphlab.export.onnx_handlers import HANDLERS, SAME_OPS

DOCS = Path(__file__).parents[2] / "docs" / "onnx.md"
#: the share of cases that must pass (the rest are refused with a documented reason)
PASS_RATE = 0.96


def _cases():
    onnx = pytest.importorskip("onnx", reason="the export extra is not installed")
    from onnx.backend.test.case.node import collect_testcases

    mapped = set(HANDLERS) | set(SAME_OPS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the generators' own overflow warnings
        cases = collect_testcases()
    return onnx, [
        case
        for case in cases
        if case.kind == "node" and {n.op_type for n in case.model.graph.node} <= mapped
    ]


def _run(onnx, case) -> str:
    """'pass', 'wrong: ...' or 'refused: reason' for one case (a crash propagates)."""
    from graphlab.export.onnx_import import _Importer

    for inputs, outputs in case.data_sets:
        names = [value.name for value in case.model.graph.input]
        values = dict(zip(names, inputs, strict=True))
        importer = _Importer(onnx, case.model, case.name, case.name, values)
        try:
            doc = importer.run()
            graph = doc.compile()
        except (ExportError, GraphLabError) as exc:
            return f"refused: {exc}"
        fed = {importer.ids[n]: values[n] for n in names if n in importer.ids}
        feeds = {nid: v for nid, v in fed.items() if doc.nodes[nid].op == "input"}
        results = graph.forward(feeds, train=False)
        for output, expected in zip(case.model.graph.output, outputs, strict=True):
            got = np.asarray(results[importer.ids[output.name]])
            if got.shape != expected.shape or not np.allclose(
                got, expected, rtol=case.rtol, atol=case.atol
            ):
                return f"wrong: {output.name} {got.shape} vs {expected.shape}"
    return "pass"


def reason_key(message: str) -> str:
    """A refusal as docs/onnx.md lists it: the op and its reason, names as NAME, without the
    part after ', got' (the offending value); a graph input's problem without the op."""
    match = re.match(r"ONNX node '.*?' \((\w+)\): (.*)", message)
    op, reason = match.groups() if match else ("", message)
    reason = re.sub(r"'[^']*'", "NAME", reason).split(", got")[0]
    return f"{op}: {reason}" if op and not reason.startswith("input NAME") else reason


def test_onnx_backend_node_cases_pass_or_are_refused_with_a_documented_reason():
    onnx, cases = _cases()
    outcomes = {case.name: _run(onnx, case) for case in cases}
    wrong = {name: o for name, o in outcomes.items() if o.startswith("wrong")}
    assert wrong == {}
    passed = sum(o == "pass" for o in outcomes.values())
    assert len(cases) > 400 and passed / len(cases) >= PASS_RATE, (passed, len(cases))
    documented = DOCS.read_text()
    refused = {reason_key(o.removeprefix("refused: ")) for o in outcomes.values() if o != "pass"}
    assert {key for key in refused if f"`{key}`" not in documented} == set()
