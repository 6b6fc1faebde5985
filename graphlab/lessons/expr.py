"""A restricted numpy expression evaluator for lesson files (no ``eval``).

An expression is parsed with :mod:`ast` and walked: names (bound by the caller), numbers,
list and tuple literals (arrays), ``+ - * / **``, unary minus and plus, and calls of the
functions in :data:`FUNCTIONS` with positional arguments. Anything else (attributes,
subscripts, keywords, lambdas, comprehensions, strings) is refused with one sentence.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping

import numpy as np

from engine.errors import GraphLabError


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def _relu(x):
    return np.maximum(x, 0.0)


#: the functions an expression may call, by name
FUNCTIONS = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "sin": np.sin,
    "cos": np.cos,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "sum": np.sum,
    "mean": np.mean,
    "max": np.max,
    "min": np.min,
    "dot": np.dot,
    "matmul": np.matmul,
    "outer": np.outer,
    "transpose": np.transpose,
    "sigmoid": _sigmoid,
    "relu": _relu,
}
#: names every expression knows
CONSTANTS = {"pi": np.pi, "e": np.e}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
#: longest expression accepted (a lesson's formula, a typed answer)
MAX_LENGTH = 2000


class ExpressionError(GraphLabError):
    """An expression that is not in the accepted subset, or names an unknown input."""


class Expression:
    """A parsed expression; ``names`` are the free names it uses (inputs to bind)."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise ExpressionError("expected an expression, got nothing")
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"{text.strip()!r} is not an expression ({exc.msg})") from None
        except (ValueError, RecursionError):
            raise ExpressionError(f"{text.strip()!r} is not an expression") from None
        self.text = text.strip()
        self.tree = tree.body
        self.names: set[str] = set()
        try:
            self._check(self.tree)
        except RecursionError:
            raise ExpressionError(f"{self.text!r} is nested too deeply") from None

    def _check(self, node: ast.AST) -> None:
        """Refuse anything outside the subset; collect the free names."""
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ExpressionError(f"{self.text!r}: only numbers may appear as constants")
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ExpressionError(f"{self.text!r}: {node.id} is a function; call it")
            if node.id not in CONSTANTS:
                self.names.add(node.id)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            self._check(node.operand)
        elif isinstance(node, ast.List | ast.Tuple):
            for item in node.elts:
                self._check(item)
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in FUNCTIONS:
                shown = name or ast.unparse(node.func)
                raise ExpressionError(
                    f"{self.text!r}: {shown} is not an allowed function "
                    f"(allowed: {', '.join(sorted(FUNCTIONS))})"
                )
            if node.keywords:
                raise ExpressionError(f"{self.text!r}: {name} takes positional arguments only")
            for arg in node.args:
                self._check(arg)
        else:
            raise ExpressionError(
                f"{self.text!r}: {type(node).__name__} is not allowed "
                "(only names, numbers, + - * / **, and calls of numpy functions)"
            )

    def __call__(self, values: Mapping[str, object] | None = None) -> np.ndarray:
        """The value (float64 array) with ``values`` bound to the free names."""
        values = dict(values or {})
        missing = sorted(self.names - set(values))
        if missing:
            raise ExpressionError(f"{self.text!r}: unknown name {', '.join(missing)}")
        with np.errstate(all="ignore"):
            try:
                result = self._eval(self.tree, values)
                return np.asarray(result, dtype=np.float64)
            except (ValueError, TypeError, ZeroDivisionError, OverflowError) as exc:
                raise ExpressionError(f"{self.text!r} cannot be computed ({exc})") from None

    def _eval(self, node: ast.AST, values: dict):
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return CONSTANTS[node.id] if node.id in CONSTANTS else values[node.id]
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, values), self._eval(node.right, values)
            if isinstance(node.op, ast.Pow) and np.max(np.abs(right)) > 1000:
                raise ValueError("exponent above 1000")
            return _BINARY[type(node.op)](np.asarray(left), np.asarray(right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](np.asarray(self._eval(node.operand, values)))
        if isinstance(node, ast.List | ast.Tuple):
            return np.asarray([self._eval(item, values) for item in node.elts], dtype=np.float64)
        args = [self._eval(arg, values) for arg in node.args]
        return FUNCTIONS[node.func.id](*args)


def evaluate(text: str, values: Mapping[str, object] | None = None) -> np.ndarray:
    """Parse ``text`` and compute it with ``values`` bound (float64 array)."""
    return Expression(text)(values)
