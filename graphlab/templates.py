"""Wiring helpers and layer templates: an op and its parameter nodes, pre-wired and grouped.

Used by the palette (Linear, Conv, BatchNorm layers; residual, depthwise-separable and
inception blocks) and to build the bundled examples. Each function adds nodes and edges to
a document and returns the id of the output node.
"""

from __future__ import annotations

from engine.ops import get_op
from graphlab.document import DocEdge, DocNode, GraphDocument
from graphlab.layout import layered_positions


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


def _conv_bn(doc, x, channels, filters, kernel, name, **conv) -> str:
    """conv2d (pad keeps the size) then batchnorm, in group ``name``'s part ``name``."""
    out = add_conv(doc, x, channels, filters, kernel, name, pad=kernel // 2, **conv)
    return add_batchnorm(doc, out, filters, f"{name}_bn")


def _grouped(doc: GraphDocument, before: set[str], group: str) -> None:
    """Put every node added since ``before`` into ``group`` (one block on the canvas)."""
    for nid in set(doc.nodes) - before:
        doc.set_group(nid, group)


def add_residual_block(doc: GraphDocument, x: str, channels: int, name: str) -> str:
    """ResNet's basic block (lecture 9): conv3x3-bn-relu-conv3x3-bn, plus x, then relu; the
    add carries the gradient around the block unchanged. Returns the last relu."""
    before = set(doc.nodes)
    h = add_op(doc, "relu", _conv_bn(doc, x, channels, channels, 3, f"{name}_conv1"), id=f"{name}_relu1")  # fmt: skip
    h = _conv_bn(doc, h, channels, channels, 3, f"{name}_conv2")
    total = add_op(doc, "add", h, x, id=f"{name}_add")
    out = add_op(doc, "relu", total, id=name)
    _grouped(doc, before, name)
    return out


def add_separable_block(doc: GraphDocument, x: str, channels: int, filters: int, name: str) -> str:
    """MobileNet's depthwise-separable block: a 3x3 depthwise conv (groups = channels), bn,
    ReLU6, then a 1x1 pointwise conv to ``filters``, bn, ReLU6. Returns the last clip."""
    before = set(doc.nodes)
    h = _conv_bn(doc, x, channels, channels, 3, f"{name}_dw", groups=channels)
    h = add_op(doc, "clip", h, id=f"{name}_relu6a", low=0.0, high=6.0)
    h = _conv_bn(doc, h, channels, filters, 1, f"{name}_pw")
    out = add_op(doc, "clip", h, id=name, low=0.0, high=6.0)
    _grouped(doc, before, name)
    return out


def add_inception_block(doc: GraphDocument, x: str, channels: int, name: str) -> str:
    """GoogLeNet's inception block: 1x1, 1x1-3x3, 5x5 and 3x3 max-pool-1x1 branches (4
    filters each) concatenated along the channels, then relu. Returns the relu."""
    before = set(doc.nodes)
    one = add_conv(doc, x, channels, 4, 1, f"{name}_1x1")
    reduce = add_conv(doc, x, channels, 4, 1, f"{name}_3x3_reduce")
    reduced = add_op(doc, "relu", reduce, id=f"{name}_3x3_relu")
    three = add_conv(doc, reduced, 4, 4, 3, f"{name}_3x3", pad=1)
    five = add_conv(doc, x, channels, 4, 5, f"{name}_5x5", pad=2)
    pooled = add_op(doc, "maxpool", x, id=f"{name}_pool", kernel=3, stride=1, pads=[1, 1, 1, 1])
    projected = add_conv(doc, pooled, channels, 4, 1, f"{name}_pool_proj")
    joined = one
    for i, branch in enumerate((three, five, projected), start=1):
        joined = add_op(doc, "concat", joined, branch, id=f"{name}_cat{i}", axis=1)
    out = add_op(doc, "relu", joined, id=name)
    _grouped(doc, before, name)
    return out


#: the layer templates the palette offers: name -> one-line description
LAYER_TEMPLATES = {
    "Linear layer": "affine(x, W, b) with W (64, 10) he-initialised and b (10,) zeros",
    "Conv layer": "conv2d(x, W, b), 3x3, pad 1, with W (8, 1, 3, 3) he and b (8,) zeros",
    "BatchNorm layer": "batchnorm(x, gamma, beta) over 16 features, gamma ones and beta zeros",
    "Residual block": "8 channels: conv3x3-bn-relu-conv3x3-bn + x, relu (wire x to conv1 and the add)",  # fmt: skip
    "Depthwise-separable block": "8 -> 16 channels: depthwise 3x3-bn-ReLU6, pointwise 1x1-bn-ReLU6",
    "Inception block": "8 channels in, 16 out: 1x1, 1x1-3x3, 5x5, maxpool-1x1 branches concatenated",  # fmt: skip
}
_TEMPLATE_BUILDERS = {
    "Linear layer": ("fc", lambda d, x, name: add_linear(d, x, 64, 10, name)),
    "Conv layer": ("conv", lambda d, x, name: add_conv(d, x, 1, 8, 3, name, pad=1)),
    "BatchNorm layer": ("bn", lambda d, x, name: add_batchnorm(d, x, 16, name)),
    "Residual block": ("res", lambda d, x, name: add_residual_block(d, x, 8, name)),
    "Depthwise-separable block": (
        "sep",
        lambda d, x, name: add_separable_block(d, x, 8, 16, name),
    ),  # fmt: skip
    "Inception block": ("inception", lambda d, x, name: add_inception_block(d, x, 8, name)),
}
#: where a template's parameter nodes sit relative to its op node
TEMPLATE_PARAM_OFFSET = (-200.0, 45.0)
TEMPLATE_PARAM_GAP = 70.0


def layer_template(
    name: str, doc: GraphDocument, pos: tuple[float, float]
) -> tuple[list[DocNode], list[DocEdge]]:
    """The nodes and edges of template ``name`` with ids free in ``doc`` (``doc`` is unchanged).

    The op node sits at ``pos`` with its data input unconnected; its parameters sit to
    its left, wired to it, and all share the op node's id as group. A block (several op
    nodes) is laid out left to right from ``pos``, every port its data feeds unconnected.
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
    if sum(node.op != "parameter" for node in scratch.nodes.values()) > 1:
        layout = layered_positions(scratch)
        left, top = (min(p[axis] for p in layout.values()) for axis in (0, 1))
        for nid, (x, y) in layout.items():
            scratch.nodes[nid].pos = (pos[0] + x - left, pos[1] + y - top)
        return list(scratch.nodes.values()), list(scratch.edges)
    params = [node for nid, node in scratch.nodes.items() if nid != op_id]
    scratch.nodes[op_id].pos = (float(pos[0]), float(pos[1]))
    for row, node in enumerate(params):
        node.pos = (
            pos[0] + TEMPLATE_PARAM_OFFSET[0],
            pos[1] + TEMPLATE_PARAM_OFFSET[1] + row * TEMPLATE_PARAM_GAP,
        )
    return list(scratch.nodes.values()), list(scratch.edges)
