"""Recognise the graphs the training plan covers and turn them into stages.

Covered: one chain from a float input to a data loss (softmax cross-entropy, or the SVM loss
with its margin) whose labels come from an int input, each link one of conv2d [-> relu]
[-> maxpool 2x2], affine, matmul or add with a parameter, flatten/reshape to (N, D), or an
elementwise activation; every intermediate node feeds only the next one and every parameter is
used once by the chain. The loss node is that data loss or a tree of scalar ``add`` nodes whose
leaves are the data loss and any number of weight penalties (L2, L1, elastic) each on a
parameter of the chain (:class:`~engine.plan.stages.Penalties`). Anything else is not covered
and :class:`NotCovered` says why, naming the node.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.backend import fused_kernels
from engine.ops.base import known_size
from engine.plan.conv_block import ConvBlock
from engine.plan.cuda_stages import CudaConvBlock, CudaLoss
from engine.plan.stages import Elementwise, Linear, Loss, Penalties, Reshape

LOSSES = ("softmax_cross_entropy", "svm_loss")
PENALTIES = ("l2_penalty", "l1_penalty", "elastic_penalty")
ELEMENTWISE = ("relu", "leaky_relu", "tanh", "sigmoid", "elu")
RESHAPES = ("flatten", "reshape")


class NotCovered(Exception):
    """The graph is outside what the plan compiles; the message says which node and why."""


@dataclass
class Chain:
    data: str
    labels: str
    stages: list
    loss: Loss
    params: list[str]
    scores: str
    penalties: Penalties


def match_chain(graph, loss: str) -> Chain:
    """The stages that compute ``loss`` of ``graph``; raises :class:`NotCovered`."""
    data_loss, penalties, terms = _loss_terms(graph, loss)
    labels, scores = graph.sources[data_loss]["labels"], graph.sources[data_loss]["scores"]
    if graph.nodes[labels].op != "input":
        raise NotCovered(f"the labels of {graph.label(data_loss)} do not come from an input node")
    data, nodes, params = _walk_back(graph, scores)
    for penalty in penalties:
        if graph.sources[penalty]["w"] not in params:
            raise NotCovered(f"{graph.label(penalty)} is not on a parameter of the chain")
    ancestors = _ancestors(graph, loss)
    expected = {*terms, labels, data, *nodes, *params}
    if ancestors != expected or len(set(params)) != len(params):
        extra = ", ".join(sorted(ancestors - expected)) or "a parameter used twice"
        raise NotCovered(f"the loss depends on more than one chain of layers ({extra})")
    stages = _stages(graph, nodes)
    xp, op = graph.xp, graph.nodes[data_loss].op
    if fused_kernels(xp) and op == "softmax_cross_entropy":
        loss_stage = CudaLoss(xp)
    else:
        loss_stage = Loss(xp, graph.ops[data_loss], graph.attrs[data_loss])
    return Chain(data, labels, stages, loss_stage, params, scores, Penalties(graph, penalties))


def _loss_terms(graph, loss: str) -> tuple[str, list[str], list[str]]:
    """(the data loss, the penalties, every node of the sum) of the add tree at ``loss``."""
    data_losses, penalties, terms, todo = [], [], [], [loss]
    while todo:
        nid = todo.pop()
        op = graph.nodes[nid].op
        if nid in terms:
            raise NotCovered(f"{graph.label(nid)} is summed into the loss more than once")
        terms.append(nid)
        if op == "add":
            todo.extend((graph.sources[nid]["b"], graph.sources[nid]["a"]))
        elif op in LOSSES or op in PENALTIES:
            (data_losses if op in LOSSES else penalties).append(nid)
        else:
            known = ", ".join(("add", *LOSSES, *PENALTIES))
            raise NotCovered(f"the loss term {graph.label(nid)} is not one of {known}")
    if len(data_losses) != 1:
        found = ", ".join(graph.label(n) for n in data_losses) or "none"
        raise NotCovered(f"the loss must sum exactly one data loss (found: {found})")
    return data_losses[0], penalties, terms


def _walk_back(graph, nid: str):
    """(data input id, chain node ids in forward order, parameter ids) ending at ``nid``."""
    nodes, params = [], []
    while graph.nodes[nid].op != "input":
        port, own = _main_port(graph, nid)
        if len(graph.consumers[nid]) != 1:
            raise NotCovered(f"{graph.label(nid)} feeds more than one node")
        nodes.append(nid)
        params.extend(own)
        nid = graph.sources[nid][port]
    return nid, nodes[::-1], params


def _main_port(graph, nid: str) -> tuple[str, list[str]]:
    """The port the chain comes through, and the parameter ids on the node's other ports."""
    op, sources = graph.nodes[nid].op, graph.sources[nid]
    if op in ELEMENTWISE or op in RESHAPES or op == "maxpool":
        return "x", []
    side_ports = {"conv2d": ("x", ("w", "b")), "affine": ("x", ("w", "b")), "matmul": ("a", ("b",))}
    if op == "add":
        one_d = [p for p in ("a", "b") if _is_param(graph, sources[p], ndim=1)]
        if not one_d:
            raise NotCovered(f"{graph.label(nid)} does not add a 1-D parameter (a bias)")
        other = "b" if one_d[-1] == "a" else "a"
        side_ports["add"] = (other, (one_d[-1],))
    if op not in side_ports:
        raise NotCovered(f"{graph.label(nid)}: the plan has no stage for {op!r}")
    if op == "conv2d" and not _plain_window(graph.attrs[nid]):
        raise NotCovered(
            f"{graph.label(nid)}: the plan has no grouped, dilated or padded-by-side conv"
        )
    main, sides = side_ports[op]
    if not all(_is_param(graph, sources[p]) for p in sides):
        raise NotCovered(f"{graph.label(nid)}: its {', '.join(sides)} must be parameter nodes")
    return main, [sources[p] for p in sides]


def _is_param(graph, nid: str, ndim: int | None = None) -> bool:
    is_param = graph.nodes[nid].op == "parameter"
    return is_param and (ndim is None or len(graph.shapes[nid]) == ndim)


def _ancestors(graph, nid: str) -> set[str]:
    seen, todo = {nid}, [nid]
    while todo:
        for src in graph.sources[todo.pop()].values():
            if src not in seen:
                seen.add(src)
                todo.append(src)
    return seen


def _stages(graph, nodes: list[str]) -> list:
    """Stages for the chain ``nodes``, fusing conv2d -> relu -> 2x2 maxpool into one."""
    xp, ops = graph.xp, [graph.nodes[n].op for n in nodes]
    conv_block = CudaConvBlock if fused_kernels(xp) else ConvBlock
    stages, batch_last, i = [], False, 0
    while i < len(nodes):
        nid, op = nodes[i], ops[i]
        sources = graph.sources[nid]
        if op == "conv2d":
            relu = ops[i + 1 : i + 2] == ["relu"]
            after = i + 1 + relu
            pooled = after < len(nodes) and _is_pool2x2(graph, nodes[after])
            stages.append(conv_block(xp, graph.dtype, graph, nid, relu, pooled, batch_last))
            i, batch_last = after + pooled, True
            continue
        if op == "affine":
            stages.append(Linear(xp, sources["w"], sources["b"], batch_last))
            batch_last = False
        elif op == "matmul" and len(graph.shapes[nid]) == 2:
            stages.append(Linear(xp, sources["b"], None, batch_last))
            batch_last = False
        elif op == "add" and not batch_last and len(graph.shapes[nid]) == 2:
            bias = next(s for s in sources.values() if _is_param(graph, s, ndim=1))
            stages.append(Linear(xp, None, bias, batch_last))
        elif op in RESHAPES and _flattens(graph, nid):
            stages.append(Reshape(batch_last))
        elif op in ELEMENTWISE:
            stages.append(Elementwise(xp, graph.ops[nid], graph.attrs[nid]))
        else:
            raise NotCovered(f"{graph.label(nid)} cannot follow the layers before it in the plan")
        i += 1
    if batch_last:
        raise NotCovered("the scores must come from a dense layer, not straight from a conv")
    if stages:
        stages[0].need_dx = False
    return stages


def _is_pool2x2(graph, nid: str) -> bool:
    attrs = graph.attrs[nid]
    is_pool = graph.nodes[nid].op == "maxpool" and _plain_window(attrs)
    return is_pool and attrs["kernel"] == 2 and attrs["stride"] in (0, 2) and not attrs["ceil_mode"]


def _plain_window(attrs) -> bool:
    """Equal padding on every side, adjacent taps and one channel group (the plan's kernels)."""
    return attrs["pads"] is None and attrs["dilation"] == 1 and attrs.get("groups", 1) == 1


def _flattens(graph, nid: str) -> bool:
    """The node reshapes (N, ...) to (N, D): batch kept, the rest flattened."""
    before, after = graph.shapes[graph.sources[nid]["x"]], graph.shapes[nid]
    if graph.attrs[nid].get("axis", 1) != 1:
        return False
    return len(after) == 2 and after[0] == before[0] and after[1] == known_size(before[1:])
