"""The op contract: ports, attrs, shape inference, forward and backward.

An op is one small class registered by name. Shapes are tuples whose entries may be
``None`` (a size not known until data arrives, usually the batch).
``forward(xp, inputs, attrs, ctx)`` returns ``(output, saved)``;
``backward(xp, saved, grad_out, attrs, needed=None)`` returns a list with one gradient per
input port, each with that input's shape, or ``None`` where the input is not differentiable
(a port in ``no_grad_ports``) or its gradient was not ``needed``. ``xp`` is the array module
(numpy or cupy) and ``ctx`` a :class:`ForwardContext`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from engine.errors import AttrError, ShapeError

Shape = tuple[int | None, ...]

_NO_DEFAULT = object()


@dataclass(frozen=True)
class Attr:
    """One attribute of an op: its kind, default and what values are allowed.

    kind is one of 'int', 'float', 'bool', 'choice', 'ints' (list of ints), 'shape' (list of
    sizes >= ``minimum``, 1 unless given, and -1 allowed), 'axes' (None, an int or a list of
    ints), 'value' (a number or nested list of numbers).
    """

    name: str
    kind: str
    default: Any = _NO_DEFAULT
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    choices: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT

    def allowed(self) -> str:
        """What values are allowed, in words."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "int" and self.minimum in (0, 1) and self.maximum is None:
            return "a positive integer" if self.minimum == 1 else "a non-negative integer"
        words = {
            "int": "an integer",
            "float": "a number",
            "bool": "true or false",
            "ints": "a list of integers",
            "shape": "a list of positive integers (-1 for one unknown size)"
            if self.minimum is None
            else f"a list of integers >= {self.minimum:g} (-1 for one unknown size)",
            "axes": "null, an integer axis or a list of axes",
            "value": "a finite number or a nested list of finite numbers",
        }[self.kind]
        if self.kind == "shape":  # its minimum bounds each size, said above
            return words
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            left, right = (
                "(" if self.exclusive_minimum else "[",
                ")" if self.exclusive_maximum else "]",
            )
            words += f" in {left}{low:g}, {high:g}{right}"
        elif low is not None:
            words += f" {'>' if self.exclusive_minimum else '>='} {low:g}"
        elif high is not None:
            words += f" {'<' if self.exclusive_maximum else '<='} {high:g}"
        return words

    def validate(self, value: Any) -> Any:
        """Return ``value`` normalised (lists become tuples), or raise :class:`AttrError`."""
        if value is None and self.default is None:
            return None
        normal = self._normalise(value)
        if normal is None or not self._in_range(normal):
            raise AttrError(f"attr {self.name!r}: expected {self.allowed()}, got {value!r}")
        return normal

    def _normalise(self, value: Any) -> Any:
        kind = self.kind
        if kind == "bool":
            return value if isinstance(value, bool) else None
        if kind == "int":
            return _as_int(value)
        if kind == "float":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            return float(value) if ok and math.isfinite(value) else None
        if kind == "choice":
            return value if value in self.choices else None
        if kind in ("ints", "shape"):
            if not isinstance(value, list | tuple):
                return None
            ints = tuple(_as_int(v) for v in value)
            if any(v is None for v in ints):
                return None
            smallest = 1 if self.minimum is None else self.minimum
            if kind == "shape" and (ints.count(-1) > 1 or any(v < smallest and v != -1 for v in ints)):  # fmt: skip
                return None
            return ints
        if kind == "axes":
            if value is None:
                return None
            if isinstance(value, list | tuple):
                axes = tuple(_as_int(v) for v in value)
                return None if any(a is None for a in axes) else axes
            return _as_int(value)
        if kind == "value":
            try:
                array = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                return None
            return value if array.size and np.all(np.isfinite(array)) else None
        raise AssertionError(f"unknown attr kind {kind}")

    def _in_range(self, value: Any) -> bool:
        if self.kind not in ("int", "float") or value is None:  # a shape's sizes: _normalise
            return True
        below = self.minimum is not None and (
            value < self.minimum or (self.exclusive_minimum and value == self.minimum)
        )
        above = self.maximum is not None and (
            value > self.maximum or (self.exclusive_maximum and value == self.maximum)
        )
        return not (below or above)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


@dataclass
class ForwardContext:
    """What a forward call may need besides its inputs.

    train: training mode (batchnorm uses batch statistics, dropout drops).
    rng: the explicit random generator for stochastic ops.
    state: this node's persistent state (batchnorm's running averages), kept by the graph.
    """

    train: bool = False
    rng: Any = None
    state: dict = field(default_factory=dict)


class Op:
    """Base class of every op. Subclasses set the class attributes and the three methods."""

    name: ClassVar[str]
    category: ClassVar[str]
    inputs: ClassVar[tuple[str, ...]] = ()
    attrs: ClassVar[tuple[Attr, ...]] = ()
    formula: ClassVar[str] = ""
    rule: ClassVar[str] = ""
    #: ports whose gradient is never computed (integer labels)
    no_grad_ports: ClassVar[tuple[str, ...]] = ()
    #: computes differently in training mode (batchnorm's batch statistics, dropout's mask)
    train_differs: ClassVar[bool] = False
    #: written by the user at run time (graphlab.custom_ops), not one of the engine's ops
    user: ClassVar[bool] = False

    def infer_shape(self, shapes: Sequence[Shape], attrs: Mapping[str, Any]) -> Shape:
        """Output shape from input shapes; raise :class:`ShapeError` naming the port."""
        raise NotImplementedError

    def forward(self, xp, inputs: Sequence, attrs: Mapping[str, Any], ctx: ForwardContext):
        """Return ``(output, saved)``; ``saved`` is whatever backward needs."""
        raise NotImplementedError

    def backward(self, xp, saved, grad_out, attrs: Mapping[str, Any], needed=None) -> list:
        """One gradient per input port (same shape as the input) or None.

        ``needed`` (a tuple of bools per port, or None for all) lets an op skip gradients nobody
        uses, such as the data input's gradient of the first conv layer during training.
        """
        raise NotImplementedError

    @classmethod
    def default_attrs(cls) -> dict[str, Any]:
        return {a.name: a.default for a in cls.attrs if not a.required}

    @classmethod
    def validate_attrs(cls, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults filled in and every value validated; unknown attrs are refused."""
        known = {a.name: a for a in cls.attrs}
        for name in attrs:
            if name not in known:
                allowed = ", ".join(known) or "none"
                raise AttrError(f"op {cls.name!r} has no attr {name!r} (its attrs: {allowed})")
        result = {}
        for attr in cls.attrs:
            if attr.name in attrs:
                result[attr.name] = attr.validate(attrs[attr.name])
            elif attr.required:
                raise AttrError(f"attr {attr.name!r} is required: expected {attr.allowed()}")
            else:
                result[attr.name] = attr.default
        return result


# ---------------------------------------------------------------------------------------------
# Shape helpers shared by the ops


def shape_error(port: str, message: str) -> ShapeError:
    """A ShapeError for ``port``; the graph adds the node id in front."""
    return ShapeError(f"input {port!r}: {message}")


def fmt(shape: Shape) -> str:
    """A shape as people write it: (N, 3, 8, 8) with N for an unknown size."""
    dims = ["N" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def broadcast_shapes(shapes: Sequence[Shape], ports: Sequence[str]) -> Shape:
    """numpy broadcasting of shapes that may hold None (unknown sizes)."""
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    out: list[int | None] = []
    for axis in range(ndim):
        dims = [s[axis] for s in padded]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            listed = " and ".join(f"{p} {fmt(s)}" for p, s in zip(ports, shapes, strict=True))
            raise shape_error(ports[-1], f"shapes do not broadcast: {listed}")
        if known:
            out.append(known.pop())
        elif None in dims:
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def unbroadcast(xp, grad, shape: tuple[int, ...]):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, d in enumerate(shape) if d == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


def normalise_axes(axes, ndim: int, port: str = "x") -> tuple[int, ...]:
    """Axes attr (None, int, tuple) as a sorted tuple of non-negative axes."""
    if axes is None:
        return tuple(range(ndim))
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    result = []
    for axis in axes:
        if not -ndim <= axis < ndim:
            raise shape_error(port, f"axis {axis} is out of range for {ndim} dimensions")
        result.append(axis % ndim)
    if len(set(result)) != len(result):
        raise shape_error(port, f"axes {axes} repeat an axis")
    return tuple(sorted(result))


def known_size(shape: Shape) -> int | None:
    """Number of elements, or None when a size is unknown."""
    if any(d is None for d in shape):
        return None
    return math.prod(shape)


def same_dim(a: int | None, b: int | None) -> bool:
    """Two sizes agree (an unknown size agrees with anything)."""
    return a is None or b is None or a == b


#: type of a shape-inference function, for ops that share one
ShapeRule = Callable[[Sequence[Shape], Mapping[str, Any]], Shape]
