"""Every op of the engine, registered by name in :data:`REGISTRY`."""

from engine.ops import elementwise, leaves  # noqa: F401  (registration side effect)
from engine.ops.base import Attr, ForwardContext, Op
from engine.ops.registry import REGISTRY, get_op, register

__all__ = ["REGISTRY", "Attr", "ForwardContext", "Op", "get_op", "register"]
