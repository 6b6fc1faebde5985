"""Custom op sources and graphs the custom-op tests share: a numpy Swish (right and wrong),
and the spiral two-layer net with its ReLU replaced by Swish (custom or built-in)."""

from __future__ import annotations

from graphlab.document import DocEdge, GraphDocument
from graphlab.examples import open_graph
from graphlab.templates import add_op

SWISH = '''"""swish: x * sigmoid(beta x)."""
import numpy as np

ATTRS = {"beta": ("float", 1.0)}
EXAMPLE_SHAPES = {"x": (4, 5)}


def forward(x, *, attrs):
    s = 1 / (1 + np.exp(-attrs["beta"] * x))
    return x * s, (x, s)


def backward(dout, cache, *, attrs):
    x, s = cache
    return (dout * (s + attrs["beta"] * x * s * (1 - s)),)
'''
#: the same op with the derivative's sign wrong in one term
WRONG_SWISH = SWISH.replace("(1 - s)", "(1 + s)")


def marker_source(marker) -> str:
    """An op whose code, once run (compiled or called), creates the file ``marker``."""
    return f"""
import pathlib
pathlib.Path({str(marker)!r}).write_text("ran")


def forward(x, *, attrs):
    pathlib.Path({str(marker)!r}).write_text("ran")
    return x, None


def backward(dout, cache, *, attrs):
    return (dout,)
"""


def spiral_with(activation: str) -> GraphDocument:
    """two-layer-net-spiral with its ReLU replaced: ``"swish"`` (a node of that op) or
    ``"builtin"`` (multiply(h, sigmoid(h)), the same function from built-in ops)."""
    doc = open_graph("two-layer-net-spiral")
    doc.remove_nodes(["relu1"])
    if activation == "builtin":
        gate = add_op(doc, "sigmoid", "fc1", id="gate")
        act = add_op(doc, "multiply", "fc1", gate, id="act")
    else:
        act = add_op(doc, activation, "fc1", id="act")
    doc.add_edge(DocEdge(act, "fc2", "x"))
    return doc


#: backward and output_shape of the identity, the rest of the looping ops below
IDENTITY_REST = """

def backward(dout, cache, *, attrs):
    return (dout,)


def output_shape(x, *, attrs):
    return tuple(x)
"""

#: an op whose forward never ends (its shape comes from output_shape, so drawing it is fine)
SPIN = (
    '''"""spin: the identity, but forward loops forever."""
import numpy as np


def forward(x, *, attrs):
    turns = 0
    while True:
        turns += 1
    return x, None
'''
    + IDENTITY_REST
)
#: where an interrupted SPIN's forward was (the loop's test or its body)
SPIN_LINES = ("(line 7: while True:)", "(line 8: turns += 1)")


def spin_from(calls: int = 40) -> str:
    """An op whose forward is the identity for ``calls`` calls, then loops forever."""
    head = f'''"""late_spin: the identity, until forward loops forever."""
CALLS = []


def forward(x, *, attrs):
    CALLS.append(x.shape)
    while len(CALLS) > {calls}:
        pass
    return x, None
'''
    return head + IDENTITY_REST


#: where an interrupted ``spin_from()`` op's forward was (the loop's test or its body)
LATE_SPIN_LINES = ("(line 7: while len(CALLS) > 40:)", "(line 8: pass)")
