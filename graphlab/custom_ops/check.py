"""The gradient check the editor runs on save: the engine's own check on a one-op graph.

Each input port is fed random numbers of its example shape; :func:`engine.gradcheck.
gradient_check` compares backward with centred differences in float64 (the CS231n relative
error) for every input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import GraphLabError
from engine.gradcheck import DEFAULT_THRESHOLD, gradient_check
from engine.graph import Edge, Graph, Node
from engine.validate import node_label
from graphlab.custom_ops.definition import OpDefinition

OP_NODE = "op"


@dataclass
class PortCheck:
    """The check of one input port: its relative error and whether it passed."""

    port: str
    error: float
    checked: int
    passed: bool


@dataclass
class CheckReport:
    """Per-port results, or the one sentence saying why the check could not run."""

    ports: list[PortCheck]
    failure: str = ""

    @property
    def passed(self) -> bool:
        return not self.failure and all(p.passed for p in self.ports)


def check_op(
    definition: OpDefinition, seed: int = 0, threshold: float = DEFAULT_THRESHOLD
) -> CheckReport:
    """Gradient-check the registered op of ``definition`` (its code must be trusted) on random
    inputs of its example shapes; an error in the user's code is the report's failure."""
    ids = {port: f"input_{port}" for port in definition.ports}
    nodes = [
        Node(ids[p], "input", {"shape": list(s)}) for p, s in definition.example_shapes.items()
    ]
    nodes.append(Node(OP_NODE, definition.name, {}))
    edges = [Edge(ids[p], OP_NODE, p) for p in definition.ports]
    rng = np.random.default_rng(seed)
    feeds = {ids[p]: rng.standard_normal(s) for p, s in definition.example_shapes.items()}
    try:
        graph = Graph(nodes, edges, dtype="float64")
        results = gradient_check(graph, feeds, output=OP_NODE, seed=seed)
    except GraphLabError as exc:  # the one-op graph's node name says nothing to the author
        return CheckReport([], str(exc).removeprefix(f"{node_label(OP_NODE, definition.name)}: "))
    ports = []
    for port in definition.ports:
        result = results[ids[port]]
        ok = result.checked > 0 and result.error <= threshold
        ports.append(PortCheck(port, result.error, result.checked, ok))
    return CheckReport(ports)
