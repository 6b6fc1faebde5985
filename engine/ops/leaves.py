"""Leaves of the graph: data inputs, constants and parameters.

Their values come from the graph (feeds, the ``value`` attr, the parameter store), so
forward only passes the value through; backward has no inputs to send gradient to.
"""

from __future__ import annotations

import math

from engine.errors import AttrError
from engine.ops.base import Attr, Op
from engine.ops.registry import register

#: the most values one parameter may hold (1 GiB of float32)
MAX_PARAMETER_SIZE = 2**28
INITIALIZERS = ("he", "xavier", "small", "zeros", "ones", "relu_bias")


class Leaf(Op):
    category = "Inputs and parameters"
    #: where the graph finds the value: 'feed', 'attr' or 'param'
    source = ""

    def forward(self, xp, inputs, attrs, ctx):
        (value,) = inputs
        return value, None

    def backward(self, xp, saved, grad_out, attrs, needed=None):
        return []


@register
class Input(Leaf):
    name = "input"
    source = "feed"
    attrs = (
        Attr(
            "shape",
            "shape",
            doc="size of each axis; -1 for any size (the batch); 0 for an empty tensor",
            minimum=0,
        ),
        Attr(
            "dtype",
            "choice",
            "float",
            "float for data, int for class labels",
            choices=("float", "int"),
        ),
    )
    formula = "x (data fed at run time)"
    rule = "a leaf: its gradient is the upstream gradient itself"

    def infer_shape(self, shapes, attrs):
        return tuple(None if d == -1 else d for d in attrs["shape"])


@register
class Constant(Leaf):
    name = "constant"
    source = "attr"
    attrs = (Attr("value", "value", doc="a number or a nested list of numbers"),)
    formula = "c (a fixed number or array)"
    rule = "a leaf: its gradient is computed but nothing is updated"

    def infer_shape(self, shapes, attrs):
        import numpy as np

        return np.shape(attrs["value"])


@register
class Parameter(Leaf):
    name = "parameter"
    source = "param"
    attrs = (
        Attr("shape", "ints", doc="size of each axis"),
        Attr("init", "choice", "he", "how values start", choices=INITIALIZERS),
        Attr("frozen", "bool", False, "frozen parameters are not updated by training"),
    )
    formula = "W (learned by training)"
    rule = "a leaf: training moves it against its gradient"

    def infer_shape(self, shapes, attrs):
        shape = tuple(attrs["shape"])
        if any(d < 1 for d in shape):
            raise AttrError(f"attr 'shape': expected positive sizes, got {list(shape)}")
        if math.prod(shape) > MAX_PARAMETER_SIZE:
            raise AttrError(
                f"attr 'shape': {list(shape)} has more than {MAX_PARAMETER_SIZE:,} values"
            )
        return shape
