"""The op registry: every op class by name, read by the palette, loader, exporters and docs."""

from __future__ import annotations

import difflib

from engine.errors import GraphError
from engine.ops.base import Op

REGISTRY: dict[str, Op] = {}


def register(cls: type[Op]) -> type[Op]:
    """Class decorator: add one instance of ``cls`` to the registry under ``cls.name``."""
    if cls.name in REGISTRY:
        raise AssertionError(f"op {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls()
    return cls


def get_op(name: str) -> Op:
    """The op registered as ``name``; GraphError lists close names when it is unknown."""
    if isinstance(name, str) and name in REGISTRY:
        return REGISTRY[name]
    close = difflib.get_close_matches(str(name), REGISTRY, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise GraphError(f"unknown op {name!r}{hint}")
