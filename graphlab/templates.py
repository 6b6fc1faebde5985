"""Wiring helpers and layer templates: an op and its parameter nodes, pre-wired and grouped.

Used by the palette (Linear, Conv, BatchNorm layers) and to build the bundled examples.
Each function adds nodes and edges to a document and returns the id of the output node.
"""

from __future__ import annotations

from engine.ops import get_op
from graphlab.document import DocEdge, DocNode, GraphDocument


def add_op(
    doc: GraphDocument, op: str, *inputs: str, id: str = "", group: str = "", **attrs
) -> str:
    """Add one ``op`` node fed by ``inputs`` (in port order); returns its id."""
    ports = get_op(op).inputs
    if len(inputs) != len(ports):
        raise TypeError(f"{op} takes inputs {ports}, got {len(inputs)}")
    nid = id or doc.new_id(op)
    doc.add_node(DocNode(nid, op, attrs, group=group))
    for src, port in zip(inputs, ports, strict=True):
        doc.add_edge(DocEdge(src, nid, port))
    return nid


def add_parameter(doc: GraphDocument, nid: str, shape, init: str, group: str = "") -> str:
    return add_op(doc, "parameter", id=nid, group=group, shape=list(shape), init=init)


def add_linear(
    doc: GraphDocument, x: str, fan_in: int, fan_out: int, name: str, init: str = "he"
) -> str:
    """Linear layer: affine(x, W (fan_in, fan_out), b (fan_out,)); returns the affine node."""
    w = add_parameter(doc, f"{name}_W", (fan_in, fan_out), init, group=name)
    b = add_parameter(doc, f"{name}_b", (fan_out,), "zeros", group=name)
    return add_op(doc, "affine", x, w, b, id=name, group=name)


def add_conv(
    doc: GraphDocument,
    x: str,
    channels: int,
    filters: int,
    kernel: int,
    name: str,
    pad: int = 0,
    stride: int = 1,
    groups: int = 1,
    **attrs,
) -> str:
    """Conv layer: conv2d(x, W (F, C/groups, K, K), b (F,)); returns the conv node (``attrs``:
    conv2d's others, such as dilation or pads)."""
    shape = (filters, channels // groups, kernel, kernel)
    w = add_parameter(doc, f"{name}_W", shape, "he", group=name)
    b = add_parameter(doc, f"{name}_b", (filters,), "zeros", group=name)
    if groups != 1:
        attrs["groups"] = groups
    return add_op(
        doc, "conv2d", x, w, b, id=name, group=name, kernel=kernel, pad=pad, stride=stride, **attrs
    )


def add_batchnorm(doc: GraphDocument, x: str, features: int, name: str) -> str:
    """BatchNorm layer: batchnorm(x, gamma (D,) = 1, beta (D,) = 0); returns the batchnorm node."""
    gamma = add_parameter(doc, f"{name}_gamma", (features,), "ones", group=name)
    beta = add_parameter(doc, f"{name}_beta", (features,), "zeros", group=name)
    return add_op(doc, "batchnorm", x, gamma, beta, id=name, group=name)


#: the layer templates the palette offers: name -> one-line description
LAYER_TEMPLATES = {
    "Linear layer": "affine(x, W, b) with W (64, 10) he-initialised and b (10,) zeros",
    "Conv layer": "conv2d(x, W, b), 3x3, pad 1, with W (8, 1, 3, 3) he and b (8,) zeros",
    "BatchNorm layer": "batchnorm(x, gamma, beta) over 16 features, gamma ones and beta zeros",
}
_TEMPLATE_BUILDERS = {
    "Linear layer": ("fc", lambda d, x, name: add_linear(d, x, 64, 10, name)),
    "Conv layer": ("conv", lambda d, x, name: add_conv(d, x, 1, 8, 3, name, pad=1)),
    "BatchNorm layer": ("bn", lambda d, x, name: add_batchnorm(d, x, 16, name)),
}
#: where a template's parameter nodes sit relative to its op node
TEMPLATE_PARAM_OFFSET = (-200.0, 45.0)
TEMPLATE_PARAM_GAP = 70.0


def layer_template(
    name: str, doc: GraphDocument, pos: tuple[float, float]
) -> tuple[list[DocNode], list[DocEdge]]:
    """The nodes and edges of template ``name`` with ids free in ``doc`` (``doc`` is unchanged).

    The op node sits at ``pos`` with its data input unconnected; its parameters sit to
    its left, wired to it, and all share the op node's id as group.
    """
    if name not in _TEMPLATE_BUILDERS:
        raise KeyError(f"no layer template {name!r} (templates: {', '.join(LAYER_TEMPLATES)})")
    prefix, build = _TEMPLATE_BUILDERS[name]
    scratch = GraphDocument()
    data = scratch.add_node(DocNode("__data__", "input")).id
    n = 1
    while True:
        op_id = f"{prefix}{n}"
        build(scratch, data, op_id)
        if not set(scratch.nodes) & set(doc.nodes):
            break
        scratch.nodes = {data: scratch.nodes[data]}
        scratch.edges = []
        n += 1
    scratch.remove_node(data)
    params = [node for nid, node in scratch.nodes.items() if nid != op_id]
    scratch.nodes[op_id].pos = (float(pos[0]), float(pos[1]))
    for row, node in enumerate(params):
        node.pos = (
            pos[0] + TEMPLATE_PARAM_OFFSET[0],
            pos[1] + TEMPLATE_PARAM_OFFSET[1] + row * TEMPLATE_PARAM_GAP,
        )
    return list(scratch.nodes.values()), list(scratch.edges)
