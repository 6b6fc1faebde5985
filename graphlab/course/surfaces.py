"""Two-parameter test surfaces as engine graphs (the optimizer race of lecture 7).

Each surface is built from the engine's own ops. With ``leaves="parameter"`` the graph has
parameters ``x`` and ``y`` of shape (1,) and a scalar loss node ``loss`` (what optimizers
train); with ``leaves="input"`` x and y are inputs of shape (N,) and node ``f`` holds the
surface at N points (what the contour plot draws). The noisy surface also has inputs ``nx``
and ``ny``: the offset of one minibatch's minimum, drawn afresh for every step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.errors import GraphLabError
from engine.graph import Edge, Graph, Node


class _Builder:
    """Collects nodes and edges; each method returns the id of the node it added."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []

    def node(self, op: str, attrs=None, **ports: str) -> str:
        nid = f"{op}{len(self.nodes)}"
        self.nodes.append(Node(nid, op, attrs or {}))
        self.edges += [Edge(src, nid, port) for port, src in ports.items()]
        return nid

    def leaf(self, nid: str, kind: str) -> str:
        attrs = {"shape": [1], "init": "zeros"} if kind == "parameter" else {"shape": [-1]}
        self.nodes.append(Node(nid, kind, attrs))
        return nid

    def rename_last(self, nid: str, new: str) -> None:
        """Give the last node (``nid``, consumed by none yet) the id ``new``."""
        last = self.nodes.pop()
        assert last.id == nid
        self.nodes.append(Node(new, last.op, last.attrs))
        self.edges = [Edge(e.src, new if e.dst == nid else e.dst, e.port) for e in self.edges]

    def const(self, value: float) -> str:
        return self.node("constant", {"value": float(value)})

    def add(self, a: str, b: str) -> str:
        return self.node("add", a=a, b=b)

    def sub(self, a: str, b: str) -> str:
        return self.node("subtract", a=a, b=b)

    def scale(self, k: float, a: str) -> str:
        return self.node("multiply", a=self.const(k), b=a)

    def pow(self, a: str, p: float) -> str:
        return self.node("power", {"exponent": float(p)}, x=a)


def _ravine(b: _Builder, x: str, y: str) -> str:
    """f = 0.5 (0.04 x^2 + 4 y^2): curvatures 0.04 and 4, condition number 100."""
    return b.add(b.scale(0.02, b.pow(x, 2)), b.scale(2.0, b.pow(y, 2)))


def _saddle(b: _Builder, x: str, y: str) -> str:
    """f = 0.5 x^2 - 0.5 y^2 + 0.25 y^4: a saddle at 0, minima at (0, +-1)."""
    return b.add(
        b.sub(b.scale(0.5, b.pow(x, 2)), b.scale(0.5, b.pow(y, 2))), b.scale(0.25, b.pow(y, 4))
    )


def _rosenbrock(b: _Builder, x: str, y: str) -> str:
    """f = (1 - x)^2 + 100 (y - x^2)^2: a curved valley, minimum at (1, 1)."""
    valley = b.pow(b.sub(y, b.pow(x, 2)), 2)
    return b.add(b.pow(b.sub(b.const(1.0), x), 2), b.scale(100.0, valley))


@dataclass(frozen=True)
class Surface:
    """A named surface: its formula, start, minimum, plot window and default rates."""

    name: str
    title: str
    build: Callable[[_Builder, str, str], str]
    start: tuple[float, float]
    minimum: tuple[float, float]
    window: tuple[float, float, float, float]  # x0, x1, y0, y1
    rates: dict[str, float]
    noise: float = 0.0

    def graph(self, leaves: str = "parameter") -> Graph:
        """The engine graph of this surface (see the module docstring); float64."""
        b = _Builder()
        x, y = b.leaf("x", leaves), b.leaf("y", leaves)
        if self.noise:
            x, y = b.sub(x, b.leaf("nx", "input")), b.sub(y, b.leaf("ny", "input"))
        b.rename_last(self.build(b, x, y), "f")
        if leaves == "parameter":
            b.nodes.append(Node("loss", "sum", {}))
            b.edges.append(Edge("f", "loss", "x"))
        x0, y0 = self.start
        params = {"x": np.array([x0]), "y": np.array([y0])} if leaves == "parameter" else None
        return Graph(b.nodes, b.edges, dtype="float64", params=params)

    def values(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """f on the grid xs (W,) x ys (H,): an (H, W) array, computed by the surface's graph."""
        gx, gy = np.meshgrid(xs, ys)
        feeds = {"x": gx.ravel(), "y": gy.ravel()}
        if self.noise:
            feeds |= {"nx": np.zeros(1), "ny": np.zeros(1)}
        return self.graph("input").forward(feeds)["f"].reshape(gy.shape)


OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
_RAVINE_RATES = {
    "sgd": 0.45,
    "momentum": 0.1,
    "nesterov": 0.1,
    "adagrad": 1.0,
    "rmsprop": 0.1,
    "adam": 0.3,
}
SURFACES = {
    s.name: s
    for s in (
        Surface(
            "ravine",
            "ravine (condition number 100)",
            _ravine,
            (-9.0, 1.5),
            (0.0, 0.0),
            (-10.0, 10.0, -2.5, 2.5),
            _RAVINE_RATES,
        ),
        Surface(
            "saddle",
            "saddle point",
            _saddle,
            (-2.0, 1e-4),
            (0.0, 1.0),
            (-2.5, 2.5, -1.8, 1.8),
            {
                "sgd": 0.05,
                "momentum": 0.01,
                "nesterov": 0.01,
                "adagrad": 0.1,
                "rmsprop": 0.01,
                "adam": 0.05,
            },
        ),
        Surface(
            "rosenbrock",
            "Rosenbrock valley",
            _rosenbrock,
            (-1.5, 2.0),
            (1.0, 1.0),
            (-2.0, 2.0, -1.0, 3.0),
            {
                "sgd": 1e-3,
                "momentum": 1e-3,
                "nesterov": 1e-3,
                "adagrad": 1.0,
                "rmsprop": 0.03,
                "adam": 0.3,
            },
        ),
        Surface(
            "noisy",
            "ravine with minibatch noise",
            _ravine,
            (-9.0, 1.5),
            (0.0, 0.0),
            (-10.0, 10.0, -2.5, 2.5),
            _RAVINE_RATES,
            noise=0.3,
        ),
    )
}


def surface(name: str) -> Surface:
    """The surface registered as ``name``; GraphLabError lists the names otherwise."""
    if name not in SURFACES:
        raise GraphLabError(f"unknown surface {name!r}: expected one of {', '.join(SURFACES)}")
    return SURFACES[name]
