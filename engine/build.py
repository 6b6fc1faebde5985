"""A small builder for engine graphs in code (tests, benchmarks, examples)."""

from __future__ import annotations

from engine.graph import Edge, Graph, Node
from engine.ops import get_op


class GraphBuilder:
    """Add nodes one call at a time; inputs connect to the op's ports in order.

    >>> b = GraphBuilder()
    >>> x, y = b.add("input", id="x", shape=[1]), b.add("input", id="y", shape=[1])
    >>> q = b.add("add", x, y, id="q")
    """

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []

    def add(self, op: str, *inputs: str, id: str | None = None, **attrs) -> str:
        ports = get_op(op).inputs
        if len(inputs) != len(ports):
            raise TypeError(f"{op} takes inputs {ports}, got {len(inputs)}")
        nid = id or f"{op}{len(self.nodes)}"
        self.nodes.append(Node(nid, op, attrs))
        self.edges.extend(Edge(src, nid, port) for src, port in zip(inputs, ports, strict=True))
        return nid

    def build(self, **options) -> Graph:
        """The :class:`Graph` (options: device, dtype, params, seed)."""
        return Graph(self.nodes, self.edges, **options)
