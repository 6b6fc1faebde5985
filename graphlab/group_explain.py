"""A group as one gate in the stepper: its local gradient, computed by the engine.

The notes' sigmoid gate: "we can group some nodes together as long as we can write down the
local gradient for that node". The engine runs the group's nodes alone (each outside value
that feeds it becomes an input holding the value of the whole graph's run) and backpropagates
from the group's output, so d(output)/d(input) holds the group's other inputs fixed. Nothing
is written per pattern: the numbers are the engine's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.backend import to_numpy
from engine.graph import Edge, Graph, Node, TraceEvent
from graphlab.explain import Explanation, describe
from graphlab.groups import Ports, leaves, ports_of


@dataclass
class GroupGate:
    """The group's nodes run alone: the sub-graph after forward, its ports and output."""

    graph: Graph
    ports: Ports
    output: str


def group_gate(graph: Graph, inside: set[str], ports: Ports, output: str) -> GroupGate:
    """Run the nodes ``inside`` of ``graph`` (after its forward) as a graph of their own.

    Each input port becomes an ``input`` node fed the value it had in ``graph``; parameters,
    state and inner inputs keep their values. ``output`` is one of ``ports.outputs``."""
    nodes = []
    for key in ports.inputs:
        value = to_numpy(graph.values[key])
        kind = "int" if np.issubdtype(value.dtype, np.integer) else "float"
        nodes.append(Node(key, "input", {"shape": list(value.shape), "dtype": kind}))
    nodes += [graph.nodes[nid] for nid in graph.order if nid in inside]
    edges = [Edge(e.src, e.dst, e.port) for e in graph.edges if e.dst in inside]
    params = {nid: to_numpy(v) for nid, v in graph.params.items() if nid in inside}
    sub = Graph(nodes, edges, device=graph.device, dtype=graph.dtype, params=params)
    for nid in inside:
        sub.state[nid] = dict(graph.state.get(nid, {}))
    feeds = {key: to_numpy(graph.values[key]) for key in ports.inputs}
    feeds.update(
        {nid: to_numpy(graph.values[nid]) for nid in sub.nodes_of("input") if nid in inside}
    )
    sub.forward(feeds)
    return GroupGate(sub, ports, output)


def local_gradients(gate: GroupGate) -> dict[str, np.ndarray]:
    """d(output)/d(input) per input port (backward from ones): the group's local gradient."""
    sub = gate.graph
    ones = sub.xp.ones_like(sub.values[gate.output])
    grads = sub.backward(output=gate.output, grad=ones, wrt=gate.ports.inputs)
    return {key: to_numpy(grads[key]) for key in gate.ports.inputs if key in grads}


def chain(gate: GroupGate, key: str) -> list[tuple[str, float]] | None:
    """The gates from input ``key`` to the output with each one's local derivative, when the
    path is a single chain of scalar gates (else None): their product is the local gradient."""
    sub, path, at = gate.graph, [], key
    while at != gate.output:
        nexts = sub.consumers[at]
        if len(nexts) != 1:
            return None
        at, port = nexts[0]
        local = sub.local_gradients(at).get(port)
        if local is None or to_numpy(local).size != 1:
            return None
        path.append((at, float(to_numpy(local).reshape(-1)[0])))
    return path


def explain_group(
    gate: GroupGate, title: str, members: list[str], event: TraceEvent
) -> Explanation:
    """The group's explanation at ``event`` (the output's forward or backward event in the
    whole graph's trace): its value, or its local gradient and the chain rule with numbers."""
    out, ports = gate.output, gate.ports
    args = ", ".join(ports.inputs)
    head = f"{title} = group({args}) -> {out}"
    rule = f"one gate made of {len(members)} nodes ({', '.join(members)}); its local gradient is the engine's backward through them"
    result = Explanation(out, event.phase, head, rule)
    if event.phase == "forward":
        values = ", ".join(f"{k} = {describe(gate.graph.values[k])}" for k in ports.inputs)
        result.lines.append(f"{out} = {describe(event.output)} from {values or 'no inputs'}")
        return result
    upstream = to_numpy(event.grad_out)
    for key, local in local_gradients(gate).items():
        if local.size == 1 and upstream.size == 1:
            lo, up = float(local.reshape(-1)[0]), float(upstream.reshape(-1)[0])
            result.lines.append(f"local gradient d{out}/d{key} = {lo:.4g} (about {lo:.2f})")
            steps = chain(gate, key)
            if steps:
                factors = " x ".join(f"{value:.4g} ({nid})" for nid, value in steps)
                result.lines.append(f"  along the chain: {factors} = {lo:.4g}")
            result.lines.append(
                f"dL/d{key} = dL/d{out} * d{out}/d{key} = {up:.4g} * {lo:.4g} = {up * lo:.4g}"
            )
        else:
            result.lines.append(
                f"local gradient d{out}/d{key}: {describe(local)} (backward from ones); "
                f"dout = dL/d{out} : {describe(upstream)}"
            )
    return result


def step_over(events: list[TraceEvent], index: int, inside: set[str]) -> int:
    """Where stepping over a group ends: the position after the last event of its nodes
    (``inside``) in the phase of ``events[index]``, scanning from ``index``."""
    phase, end = events[index].phase, index
    for j in range(index, len(events)):
        if events[j].phase != phase:
            break
        if events[j].node in inside:
            end = j
    return end + 1


def explain_group_at(events: list[TraceEvent], graph: Graph, doc, gid: str) -> Explanation:
    """The explanation of group ``gid`` of ``doc`` after ``events`` (a prefix of ``graph``'s
    trace ending in one of its nodes): its output's value, or its local gradient."""
    inside = set(leaves(doc.groups, gid))
    ports = ports_of(inside, doc.nodes, doc.edges)
    phase = events[-1].phase
    shown = {e.node: e for e in events if e.phase == phase}
    output = next((k for k in ports.outputs if k in shown), ports.outputs[0])
    gate = group_gate(graph, inside, ports, output)
    members = [nid for nid in doc.nodes if nid in inside]
    return explain_group(gate, doc.groups[gid].title, members, shown.get(output, events[-1]))
