"""Define-by-run: tensors whose arithmetic adds nodes to a :class:`graphlab.api.Graph`.

``x, y, z = inputs(x=-2.0, y=5.0, z=-4.0); f = (x + y) * z; f.backward(); x.grad`` is -4.
Each operation adds one node of a registered op (wired and shape-checked as the canvas does);
the functions :func:`op_function` makes (``relu``, ``conv2d``, ``affine``, ``softmax_loss``,
...) come from the engine's op registry, one per op, so a new op is a new function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.errors import GraphError
from graphlab.api import Graph

#: API names for ops whose registered name reads differently in code
ALIASES = {"softmax_loss": "softmax_cross_entropy", "maximum": "max", "minimum": "min"}
#: ops that are leaves (made by inputs() and Graph.parameter, not called on tensors)
LEAVES = ("input", "constant", "parameter")


class Tensor:
    """One node of a graph built in code: its value and gradient, and operators that add
    nodes (``+ - * / @ -x abs() **``)."""

    def __init__(self, graph: Graph, node: str) -> None:
        #: the graph the node belongs to (an ordinary document: save, show, train it)
        self.graph = graph
        #: the node's id
        self.id = node

    @property
    def value(self) -> np.ndarray:
        """The node's value (the graph runs forward when it changed)."""
        return self.graph.values(self.id)

    @property
    def grad(self) -> np.ndarray:
        """d(the node backward ran from) / d(this node), after :meth:`backward`."""
        return self.graph.grad(self.id)

    @property
    def shape(self) -> tuple[int | None, ...]:
        """The inferred shape (None for the batch axis)."""
        return self.graph.document.analysis().shapes[self.id]

    def backward(self) -> dict[str, np.ndarray]:
        """Make this node the loss and backpropagate from it; gradients by node id."""
        self.graph.set_loss(self.id)
        return self.graph.backward(self.id)

    def _repr_svg_(self) -> str:
        return self.graph._repr_svg_()

    def __repr__(self) -> str:
        return f"<graphlab.Tensor {self.id!r} ({self.graph.document.nodes[self.id].op})>"

    def __add__(self, other):
        return _apply("add", self, other)

    def __radd__(self, other):
        return _apply("add", other, self)

    def __sub__(self, other):
        return _apply("subtract", self, other)

    def __rsub__(self, other):
        return _apply("subtract", other, self)

    def __mul__(self, other):
        return _apply("multiply", self, other)

    def __rmul__(self, other):
        return _apply("multiply", other, self)

    def __truediv__(self, other):
        return _apply("divide", self, other)

    def __rtruediv__(self, other):
        return _apply("divide", other, self)

    def __matmul__(self, other):
        return _apply("matmul", self, other)

    def __neg__(self):
        return _apply("negate", self)

    def __abs__(self):
        return _apply("abs", self)

    def __pow__(self, exponent: float):
        return _apply("power", self, exponent=exponent)


def inputs(**values: Any) -> tuple[Tensor, ...]:
    """Input nodes of one new graph, one per keyword, holding its value (a number or an
    array whose first axis is the batch; integer arrays are class labels)."""
    graph = Graph("built-in-code")
    made = []
    for nid, value in values.items():
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise GraphError(f"input {nid!r}: expected numbers, got {value!r}")
        shape = [-1, *array.shape[1:]] if array.ndim else []
        dtype = "int" if array.dtype.kind in "biu" and array.ndim else "float"
        graph.add_node("input", nid, shape=shape, dtype=dtype)
        graph.document.set_input_value(nid, array.tolist())
        made.append(Tensor(graph, nid))
    return tuple(made)


def parameter(like: Tensor, shape: tuple[int, ...], init: str = "he", id: str | None = None,
              frozen: bool = False) -> Tensor:  # fmt: skip
    """A trainable parameter of shape ``shape`` in ``like``'s graph (initialised by ``init``:
    he, xavier, small, zeros, ones or relu_bias)."""
    graph = like.graph
    return Tensor(graph, graph.add_node("parameter", id, shape=list(shape), init=init,
                                        frozen=frozen))  # fmt: skip


def _apply(op: str, *operands: Any, id: str | None = None, **attrs: Any) -> Tensor:
    """Add a node of ``op`` fed by ``operands`` (tensors or numbers) port by port."""
    from engine.ops import get_op

    graphs: list[Graph] = []
    for tensor in operands:
        if isinstance(tensor, Tensor) and all(g is not tensor.graph for g in graphs):
            graphs.append(tensor.graph)
    if len(graphs) != 1:
        raise GraphError(f"{op}: expected tensors of one graph, got {len(graphs)} graphs")
    graph = graphs[0]
    ports = get_op(op).inputs
    if len(operands) != len(ports):
        raise GraphError(
            f"{op} takes {len(ports)} inputs ({', '.join(ports)}), got {len(operands)}"
        )
    sources = [t.id if isinstance(t, Tensor) else _constant(graph, t) for t in operands]
    nid = graph.add_node(op, id, **attrs)
    try:  # each wire checked as the canvas checks it (shapes included)
        for port, src in zip(ports, sources, strict=True):
            graph.connect(src, nid, port)
    except GraphError:
        graph.document.remove_node(nid)
        raise
    return Tensor(graph, nid)


def _constant(graph: Graph, value: Any) -> str:
    array = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise GraphError(f"constant {value!r}: expected finite numbers")
    return graph.add_node("constant", None, value=array.tolist())


def op_function(name: str, op: str) -> Callable[..., Tensor]:
    """The API function for registered ``op``: its input ports positionally (tensors or
    numbers), its attrs as keywords, ``id=`` to name the node."""
    from engine.ops import get_op

    spec = get_op(op)

    def function(*operands: Any, id: str | None = None, **attrs: Any) -> Tensor:
        return _apply(op, *operands, id=id, **attrs)

    attrs = ", ".join(f"{a.name}={a.default!r}" if not a.required else a.name for a in spec.attrs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (
        f"Add a {op!r} node: {spec.formula or op}.\n\n"
        f"Inputs: {', '.join(spec.inputs)}. Attrs: {attrs or 'none'}. Backward: {spec.rule}."
    )
    return function


def op_names() -> dict[str, str]:
    """API function name -> registered op name, for every op that is not a leaf."""
    from engine.ops.registry import REGISTRY

    names = {name: name for name in REGISTRY if name not in LEAVES}
    names.update({alias: op for alias, op in ALIASES.items() if op in REGISTRY})
    return names
