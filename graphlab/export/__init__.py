"""Taking graphs elsewhere: ONNX export and import, a PyTorch module file.

The public functions import their format's module (and ``onnx``) only when called, so
importing this package costs nothing. Each format keeps a table of the ops it handles and,
for any it cannot, the reason its error message gives (``SUPPORTED``/``UNSUPPORTED`` in
``onnx_export`` and ``torch_export``, ``IMPORTED``/``NOT_IMPORTED`` in ``onnx_handlers``;
``tests/test_op_tables.py`` checks every registered op is in one or the other). The picture
exports draw with Qt, so they live in ``ui/canvas_export.py``; ``graphlab export --png/--svg``
reaches them through :func:`graphlab.cli_open.run_ui`.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.errors import GraphError, GraphLabError

if TYPE_CHECKING:
    from engine.graph import Graph
    from graphlab.document import GraphDocument

#: data losses and weight penalties: what an inference export leaves out
LOSS_OPS = frozenset({"softmax_cross_entropy", "svm_loss", "mse", "nll_loss"})
PENALTY_OPS = frozenset({"l1_penalty", "l2_penalty", "elastic_penalty"})
LEAF_OPS = frozenset({"input", "parameter", "constant"})


class ExportError(GraphLabError):
    """A graph cannot be exported or a file cannot be imported; the message names the op."""


@dataclass
class ExportPlan:
    """Which nodes of a compiled graph an export writes, in topological order.

    outputs are the predictions (the values feeding the loss, or the sinks of a graph
    without one), followed by the loss node when the loss is included.
    """

    graph: Graph
    nodes: list[str]
    outputs: list[str]


def export_plan(doc: GraphDocument, include_loss: bool, dtype: str = "float32") -> ExportPlan:
    """Compile ``doc`` and choose the nodes an export writes.

    Without the loss, every loss or penalty node and everything computed from it is left
    out, as are the inputs only they used (the labels): the model maps data to predictions.
    """
    graph = doc.compile(dtype=dtype)
    dropped: set[str] = set()
    for nid in graph.order:
        op = graph.nodes[nid].op
        if op in LOSS_OPS | PENALTY_OPS or any(s in dropped for s in graph.sources[nid].values()):
            dropped.add(nid)
    kept = [nid for nid in graph.order if nid not in dropped]
    predictions = [
        nid
        for nid in kept
        if graph.nodes[nid].op not in LEAF_OPS
        and not any(c not in dropped for c, _ in graph.consumers[nid])
    ]
    outputs = list(predictions)
    loss = loss_of(doc, graph) if include_loss else None
    if loss is not None and loss not in outputs:
        outputs.append(loss)
    if not outputs:
        raise ExportError(f"{doc.name}: the graph computes nothing but its loss; nothing to export")
    needed = set(outputs)
    for nid in reversed(graph.order):
        if nid in needed:
            needed.update(graph.sources[nid].values())
    return ExportPlan(graph, [nid for nid in graph.order if nid in needed], outputs)


def loss_of(doc: GraphDocument, graph: Graph) -> str | None:
    """The node backward starts from, or None when the graph has several sinks and no loss."""
    try:
        return doc.loss_node(graph)
    except GraphError:
        return None


def unsupported(graph: Graph, nodes: list[str], supported, target: str, reasons) -> None:
    """Raise ExportError listing the nodes whose op ``target`` cannot express (not in
    ``supported``), with the exporter's reason for each such op (``reasons``: op -> why)."""
    missing = [nid for nid in nodes if graph.nodes[nid].op not in supported]
    if missing:
        listed = ", ".join(f'"{nid}" ({graph.nodes[nid].op})' for nid in missing)
        ops = sorted({graph.nodes[nid].op for nid in missing})
        why = "".join(f"; {op}: {reasons[op]}" for op in ops if op in reasons)
        raise ExportError(
            f"cannot export to {target}: no {target} form for op {', '.join(ops)} "
            f"(nodes {listed}){why}"
        )


def python_names(ids, reserved=()) -> dict[str, str]:
    """Node id -> a distinct Python identifier that reads like it (``conv-1`` -> ``conv_1``),
    none of them in ``reserved`` (``torch`` -> ``torch_2``)."""
    taken = set(reserved)
    names = {}
    for nid in ids:
        base = re.sub(r"\W+", "_", nid).strip("_") or "node"
        if base[0].isdigit() or keyword.iskeyword(base):
            base = f"n_{base}"
        name, n = base, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        names[nid] = name
    return names


def export_onnx(doc: GraphDocument, path, include_loss: bool = False, preprocess="embed") -> None:
    """Write ``doc`` as an ONNX model (see :mod:`graphlab.export.onnx_export`)."""
    from graphlab.export.onnx_export import export_onnx as export

    export(doc, path, include_loss=include_loss, preprocess=preprocess)


def import_onnx(path, values=None) -> GraphDocument:
    """Read an ONNX model as an editable document (see :mod:`graphlab.export.onnx_import`);
    ``values`` gives graph inputs (name -> array) that feed settings or weights."""
    from graphlab.export.onnx_import import import_onnx as load

    return load(path, values)


def export_torch(doc: GraphDocument, path) -> list:
    """Write ``doc`` as a PyTorch module file and its parameters; returns the paths written
    (see :mod:`graphlab.export.torch_export`)."""
    from graphlab.export.torch_export import export_torch as export

    return export(doc, path)


def export_torch_project(doc: GraphDocument, folder, graph: str | None = None) -> list:
    """Write ``doc`` as a PyTorch training project folder; returns the paths written
    (see :mod:`graphlab.export.torch_project`)."""
    from graphlab.export.torch_project import export_torch_project as export

    return export(doc, folder, graph)
