"""A custom op's definition: its name and Python source, read without running it.

The source declares everything the editor, the loader and the palette need, and ``ast``
reads it without executing a line: the input ports are ``forward``'s positional parameters,
``ATTRS`` (a literal ``{name: (type, default)}``) the attrs and ``EXAMPLE_SHAPES`` (a literal
``{port: shape}``) the random inputs of the gradient check. ``shapes`` records the output shape
the op gave for each input-shape combination it was used with, so that an untrusted copy (a
placeholder) keeps its shapes without running anything.
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from engine.errors import GraphLabError
from engine.ops.base import Attr

#: the version of a custom op's entry in a project's ``custom_ops`` (docs/file-format.md)
VERSION = 1
#: the kinds an attr of a custom op may have, and the Python types of their defaults
ATTR_TYPES = {"float": (int, float), "int": (int,), "bool": (bool,)}
#: the random input shape of the gradient check for a port ``EXAMPLE_SHAPES`` leaves out
DEFAULT_EXAMPLE_SHAPE = (4, 5)
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")

TEMPLATE = '''"""{name}: out = x w, the notes' multiply gate (numpy only)."""
import numpy as np

#: attrs: name -> (type, default); type is "float", "int" or "bool"
ATTRS = {{"scale": ("float", 1.0)}}
#: the shapes of the random inputs of the gradient check, one per input port
EXAMPLE_SHAPES = {{"x": (4, 3), "w": (3, 2)}}


def forward(x, w, *, attrs):
    """The output, and the cache: what backward needs."""
    out = attrs["scale"] * x.dot(w)
    cache = (x, w)
    return out, cache


def backward(dout, cache, *, attrs):
    """One gradient per input port: the upstream gradient times the local one."""
    x, w = cache
    dx = attrs["scale"] * dout.dot(w.T)
    dw = attrs["scale"] * x.T.dot(dout)
    return dx, dw


# Optional: the output shape from the input shapes (None for a size not known yet, such as
# the batch). Without it, the shape is found by running forward on zeros.
def output_shape(x, w, *, attrs):
    return (x[0], w[1])
'''


class CustomOpError(GraphLabError):
    """A custom op's code is wrong, failed, or may not run; the message names the op and line."""


@dataclass(frozen=True)
class OpDefinition:
    """A custom op as a project stores it (``source``) and what ``ast`` read from it."""

    name: str
    source: str
    ports: tuple[str, ...]
    attrs: tuple[Attr, ...]
    example_shapes: dict[str, tuple[int, ...]]
    has_shape_function: bool
    #: (input shapes, attrs as JSON, output shape) the op gave (see the module docstring)
    shapes: tuple[tuple[tuple, str, tuple], ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The entry of ``custom_ops`` in graph.json."""
        return {
            "version": VERSION,
            "name": self.name,
            "source": self.source,
            "shapes": [
                {"inputs": [list(s) for s in ins], "attrs": json.loads(at), "output": list(out)}
                for ins, at, out in self.shapes
            ],
        }

    def with_shapes(self, records) -> OpDefinition:
        """This definition with these shape records instead (duplicates dropped)."""
        return OpDefinition(**{**self.__dict__, "shapes": tuple(dict.fromkeys(records))})


def attrs_key(attrs) -> str:
    """A validated attrs mapping as the JSON text the shape records compare."""
    return json.dumps({k: attrs[k] for k in sorted(attrs)})


def parse_definition(name: str, source: str, shapes=()) -> OpDefinition:
    """Read ``source`` with ``ast`` (nothing runs); CustomOpError names the line of a fault."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise CustomOpError(
            f"op name {name!r}: use letters, digits and _ (up to 40, not starting with a digit)"
        )
    if not isinstance(source, str):
        raise CustomOpError(f"custom op {name!r}: the source must be text")
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        line = f"line {exc.lineno}: " if exc.lineno else ""
        raise CustomOpError(f"custom op {name!r}: {line}{exc.msg}") from None
    except (RecursionError, MemoryError):  # nesting too deep for the parser
        raise CustomOpError(f"custom op {name!r}: the source is not Python code") from None
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    literals = {
        n.targets[0].id: n
        for n in tree.body
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
    }

    def fail(node, message: str):
        line = f"line {node.lineno}: " if node is not None else ""
        raise CustomOpError(f"custom op {name!r}: {line}{message}")

    forward, backward = functions.get("forward"), functions.get("backward")
    if forward is None or backward is None:
        fail(None, "define forward(x, ..., *, attrs) and backward(dout, cache, *, attrs)")
    ports = tuple(a.arg for a in [*forward.args.posonlyargs, *forward.args.args])
    if not ports:
        fail(forward, "forward needs at least one input, e.g. forward(x, *, attrs)")
    for function in (forward, backward):
        if [a.arg for a in function.args.kwonlyargs] != ["attrs"]:
            fail(function, f"{function.name} takes the attrs as `*, attrs` after its inputs")
    if len(backward.args.args) + len(backward.args.posonlyargs) != 2:
        fail(backward, "backward takes (dout, cache, *, attrs)")
    attrs = _attrs(literals.get("ATTRS"), fail)
    example = _example_shapes(literals.get("EXAMPLE_SHAPES"), ports, fail)
    records = tuple(_record(r, len(ports), fail) for r in shapes)
    return OpDefinition(name, source, ports, attrs, example, "output_shape" in functions, records)


def _literal(node, what: str, fail):
    try:
        return ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        fail(node, f"{what} must be a literal (numbers, strings, tuples, dicts)")


def _attrs(node, fail) -> tuple[Attr, ...]:
    if node is None:
        return ()
    value = _literal(node, "ATTRS", fail)
    if not isinstance(value, dict):
        fail(node, 'ATTRS must be a dict {name: (type, default)}, e.g. {"beta": ("float", 1.0)}')
    attrs = []
    for attr, spec in value.items():
        ok = isinstance(spec, tuple | list) and len(spec) == 2 and spec[0] in ATTR_TYPES
        if not (isinstance(attr, str) and attr.isidentifier() and ok):
            fail(node, f"ATTRS[{attr!r}]: expected (type, default) with type float, int or bool")
        kind, default = spec
        wrong = isinstance(default, bool) != (kind == "bool")
        if wrong or not isinstance(default, ATTR_TYPES[kind]):
            fail(node, f"ATTRS[{attr!r}]: the default {default!r} is not a {kind}")
        attrs.append(Attr(attr, kind, float(default) if kind == "float" else default))
    return tuple(attrs)


def _example_shapes(node, ports, fail) -> dict[str, tuple[int, ...]]:
    value = {} if node is None else _literal(node, "EXAMPLE_SHAPES", fail)
    if not isinstance(value, dict) or set(value) - set(ports):
        fail(node, f"EXAMPLE_SHAPES must be a dict {{port: shape}} over the ports {ports}")
    shapes = {}
    for port in ports:
        shape = value.get(port, DEFAULT_EXAMPLE_SHAPE)
        if not isinstance(shape, tuple | list) or not all(_positive(d) for d in shape):
            fail(node, f"EXAMPLE_SHAPES[{port!r}]: expected a tuple of positive sizes")
        if len(shape) > 6 or math.prod(shape) > 100_000:
            fail(node, f"EXAMPLE_SHAPES[{port!r}]: keep the example small (up to 100,000 values)")
        shapes[port] = tuple(shape)
    return shapes


def _positive(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _record(record, count: int, fail) -> tuple[tuple, str, tuple]:
    """One stored shape record, checked: ({inputs, attrs, output}) as a hashable tuple."""

    def shape(value):
        if not isinstance(value, list) or len(value) > 8:
            fail(None, f"shapes: {value!r} is not a shape")
        if not all(d is None or _positive(d) for d in value):
            fail(None, f"shapes: {value!r} is not a shape (sizes above 0 or null)")
        return tuple(value)

    if not isinstance(record, dict) or set(record) != {"inputs", "attrs", "output"}:
        fail(None, 'shapes: expected {"inputs", "attrs", "output"} records')
    inputs = record["inputs"]
    if not isinstance(inputs, list) or len(inputs) != count:
        fail(None, f"shapes: expected {count} input shapes per record")
    if not isinstance(record["attrs"], dict):
        fail(None, "shapes: attrs must be an object")
    return tuple(shape(s) for s in inputs), attrs_key(record["attrs"]), shape(record["output"])
