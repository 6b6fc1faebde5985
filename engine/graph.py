"""The executable graph: validated, ordered and shape-checked before anything runs.

A graph is built from :class:`Node` and :class:`Edge` records (each node has one output;
an edge joins a node's output to one input port of another node). ``forward`` fills
``values``, ``backward`` fills ``grads``, and ``trace`` yields one :class:`TraceEvent` per
node (forward in topological order, then backward in reverse) for the stepper.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.backend import array_module, to_numpy, translate_device_errors
from engine.errors import GraphError, GraphLabError, ShapeError
from engine.init import initial_value
from engine.ops import ForwardContext
from engine.ops.base import fmt, same_dim
from engine.validate import analyse, dependency_graph, find_cycle, node_label

__all__ = ["Edge", "Graph", "Node", "TraceEvent", "dependency_graph", "find_cycle"]


@dataclass(frozen=True)
class Node:
    id: str
    op: str
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    port: str


@dataclass
class TraceEvent:
    """One moment of a run. phase is 'forward' or 'backward'; tick counts events from 0.

    inputs maps port -> input value; output is the node's value. In the backward phase,
    grad_out is the upstream gradient dL/d(output) (summed over ``grad_sources``, the
    (consumer id, port) pairs it came from) and input_grads maps port -> dL/d(input).
    """

    phase: str
    tick: int
    node: str
    op: str
    inputs: dict[str, Any]
    output: Any
    grad_out: Any = None
    input_grads: dict[str, Any] = field(default_factory=dict)
    grad_sources: list[tuple[str, str]] = field(default_factory=list)


class Graph:
    """An engine graph on one device in one float dtype.

    params maps parameter node id -> initial numpy/cupy array (missing ones are initialised
    from their ``init`` attr with a generator seeded by ``seed``).
    """

    @translate_device_errors
    def __init__(self, nodes, edges, *, device="cpu", dtype="float32", params=None, seed=0):
        self.device = device
        self.xp = array_module(device)
        self.dtype = np.dtype(dtype)
        nodes, self.edges = list(nodes), list(edges)
        checked = analyse(nodes, self.edges)
        if checked.error is not None:
            raise checked.error
        self.nodes: dict[str, Node] = {node.id: node for node in nodes}
        self.ops, self.attrs, self.sources = checked.ops, checked.attrs, checked.sources
        self.consumers: dict[str, list[tuple[str, str]]] = {nid: [] for nid in self.nodes}
        for edge in self.edges:
            self.consumers[edge.src].append((edge.dst, edge.port))
        self.order, self.shapes = checked.order, checked.shapes
        self.state: dict[str, dict] = {nid: {} for nid in self.nodes}
        self.params = self._initial_params(params or {}, seed)
        self.values: dict[str, Any] = {}
        self.grads: dict[str, Any] = {}
        self._saved: dict[str, Any] = {}
        self._inputs: dict[str, list] = {}

    # -- building ------------------------------------------------------------------------

    def label(self, nid: str) -> str:
        """How messages name a node: node "conv1" (conv2d)."""
        return node_label(nid, self.nodes[nid].op)

    def _initial_params(self, given, seed) -> dict[str, Any]:
        rng = np.random.default_rng(seed)
        params = {}
        for nid in self.order:
            if self.nodes[nid].op != "parameter":
                continue
            shape = self.shapes[nid]
            if nid in given:
                value = given[nid]
                if tuple(value.shape) != shape:
                    raise ShapeError(
                        f"{self.label(nid)}: stored value has shape {fmt(value.shape)}, "
                        f"the graph expects {fmt(shape)}"
                    )
            else:
                value = initial_value(self.attrs[nid]["init"], shape, rng)
            params[nid] = self.xp.asarray(value, dtype=self.dtype)
        return params

    # -- queries -------------------------------------------------------------------------

    def nodes_of(self, op_name: str) -> list[str]:
        """Ids of the nodes running ``op_name``, in topological order."""
        return [nid for nid in self.order if self.nodes[nid].op == op_name]

    def output(self) -> str:
        """The single node whose output nobody consumes (the loss, usually)."""
        sinks = [nid for nid in self.order if not self.consumers[nid]]
        if len(sinks) != 1:
            raise GraphError(f"the graph has {len(sinks)} outputs ({', '.join(sinks)}); name one")
        return sinks[0]

    def trainable(self) -> list[str]:
        """Parameter ids that training updates (frozen ones excluded)."""
        return [nid for nid in self.params if not self.attrs[nid]["frozen"]]

    def astype(self, dtype, device=None) -> Graph:
        """A copy of this graph in another dtype (and device), parameters and state converted."""
        params = {nid: to_numpy(v) for nid, v in self.params.items()}
        copy = Graph(
            self.nodes.values(),
            self.edges,
            device=device or self.device,
            dtype=dtype,
            params=params,
        )
        for nid, state in self.state.items():
            copy.state[nid] = {
                k: copy.xp.asarray(to_numpy(v), dtype=dtype) for k, v in state.items()
            }
        return copy

    # -- running -------------------------------------------------------------------------

    @translate_device_errors
    def forward(self, feeds=None, *, train=False, rng=None) -> dict[str, Any]:
        """Run every node; returns ``values`` (node id -> output array)."""
        for _ in self._forward_events(feeds or {}, train, rng, record=False):
            pass
        return self.values

    @translate_device_errors
    def backward(self, output=None, grad=None, wrt=None) -> dict[str, Any]:
        """Backpropagate from ``output`` (default: the single sink) after ``forward``.

        grad is the upstream gradient (default 1 for a scalar output). wrt limits the work
        to the gradients of these node ids (default: every node). Returns ``grads``.
        """
        for _ in self._backward_events(output, grad, wrt, record=False):
            pass
        return self.grads

    @translate_device_errors
    def trace(
        self, feeds=None, *, train=False, rng=None, output=None, grad=None
    ) -> Iterator[TraceEvent]:
        """Forward then backward, one :class:`TraceEvent` per node, lazily."""
        yield from self._forward_events(feeds or {}, train, rng, record=True)
        yield from self._backward_events(output, grad, None, record=True, tick=len(self.order))

    def _forward_events(self, feeds, train, rng, record):
        self.values, self.grads, self._saved, self._inputs = {}, {}, {}, {}
        unknown = set(feeds) - set(self.nodes)
        if unknown:
            raise GraphError(f"feeds name unknown nodes: {', '.join(sorted(unknown))}")
        if rng is None:
            rng = np.random.default_rng(0)
        for tick, nid in enumerate(self.order):
            inputs = self._node_inputs(nid, feeds)
            op, attrs = self.ops[nid], self.attrs[nid]
            ctx = ForwardContext(train=train, rng=rng, state=self.state[nid])
            try:
                out, self._saved[nid] = op.forward(self.xp, inputs, attrs, ctx)
            except GraphLabError as exc:
                raise type(exc)(f"{self.label(nid)}: {exc}") from None
            self.values[nid], self._inputs[nid] = out, inputs
            if record:
                ports = dict(zip(self._ports(nid), inputs, strict=True))
                yield TraceEvent("forward", tick, nid, self.nodes[nid].op, ports, out)
            else:
                yield None

    def _ports(self, nid: str) -> tuple[str, ...]:
        return self.ops[nid].inputs or ("value",)

    def _node_inputs(self, nid: str, feeds) -> list:
        source = getattr(self.ops[nid], "source", "")
        if source == "feed":
            return [self.feed_value(nid, feeds)]
        if source == "attr":
            return [self.xp.asarray(self.attrs[nid]["value"], dtype=self.dtype)]
        if source == "param":
            return [self.params[nid]]
        return [self.values[self.sources[nid][port]] for port in self.ops[nid].inputs]

    def feed_value(self, nid: str, feeds):
        """The value fed to input node ``nid`` as a device array, its shape checked."""
        if nid not in feeds:
            raise GraphError(
                f"{self.label(nid)} has no value: feed it (for example from a dataset)"
            )
        integer = self.attrs[nid]["dtype"] == "int"
        value = self.xp.asarray(feeds[nid], dtype=np.int64 if integer else self.dtype)
        expected = self.shapes[nid]
        if len(value.shape) != len(expected) or not all(
            same_dim(a, b) for a, b in zip(value.shape, expected, strict=True)
        ):
            raise ShapeError(
                f"{self.label(nid)}: fed shape {fmt(value.shape)}, expected {fmt(expected)}"
            )
        return value

    def _backward_events(self, output, grad, wrt, record, tick=0):
        if not self.values:
            raise GraphError("run forward before backward")
        output = output or self.output()
        out_value = self.values[output]
        if grad is None:
            if out_value.size != 1:
                raise GraphError(
                    f"backward needs a scalar output; {self.label(output)} has shape "
                    f"{fmt(out_value.shape)} (give an upstream gradient)"
                )
            grad = self.xp.ones_like(out_value)
        self.grads = {output: self.xp.asarray(grad, dtype=out_value.dtype).reshape(out_value.shape)}
        needed = self._needs_grad(output, wrt)
        sources: dict[str, list[tuple[str, str]]] = {}
        for nid in reversed(self.order):
            if nid not in self.grads or not needed[nid]:
                continue
            op, grad_out = self.ops[nid], self.grads[nid]
            wanted = tuple(
                needed.get(self.sources[nid][p], False) and p not in op.no_grad_ports
                for p in op.inputs
            )
            try:
                saved, attrs = self._saved[nid], self.attrs[nid]
                input_grads = op.backward(self.xp, saved, grad_out, attrs, wanted)
            except GraphLabError as exc:
                raise type(exc)(f"{self.label(nid)}: {exc}") from None
            if len(input_grads) != len(op.inputs):
                raise AssertionError(f"{self.label(nid)} returned {len(input_grads)} gradients")
            port_grads = {}
            inputs = self._inputs[nid] if op.inputs else []
            for port, want, g, x in zip(op.inputs, wanted, input_grads, inputs, strict=True):
                if not want or g is None:
                    continue
                if g.shape != x.shape:
                    raise AssertionError(
                        f"{self.label(nid)}: grad of {port} {g.shape} != {x.shape}"
                    )
                src = self.sources[nid][port]
                self.grads[src] = self.grads[src] + g if src in self.grads else g
                sources.setdefault(src, []).append((nid, port))
                port_grads[port] = g
            if record:
                ports = dict(zip(self._ports(nid), self._inputs[nid], strict=True))
                yield TraceEvent(
                    "backward",
                    tick,
                    nid,
                    self.nodes[nid].op,
                    ports,
                    self.values[nid],
                    grad_out,
                    port_grads,
                    sources.get(nid, []),
                )
                tick += 1
            else:
                yield None

    def local_gradients(self, nid: str) -> dict[str, Any]:
        """d(output)/d(input) of node ``nid`` per port after forward: its backward with an
        upstream gradient of ones (for a scalar node, exactly the local derivative)."""
        op = self.ops[nid]
        ones = self.xp.ones_like(self.values[nid])
        grads = op.backward(self.xp, self._saved[nid], ones, self.attrs[nid])
        return {p: g for p, g in zip(op.inputs, grads, strict=True) if g is not None}

    def _needs_grad(self, output: str, wrt) -> dict[str, bool]:
        """Nodes on a path from a node of ``wrt`` (default: every node) to ``output``."""
        reaches = {nid: False for nid in self.nodes}
        reaches[output] = True
        for nid in reversed(self.order):
            reaches[nid] = reaches[nid] or any(reaches[c] for c, _ in self.consumers[nid])
        if wrt is None:
            return reaches
        wanted = set(wrt)
        needed = {}
        for nid in self.order:
            from_wrt = nid in wanted or any(needed[s] for s in self.sources[nid].values())
            needed[nid] = from_wrt and reaches[nid]
        return needed
