"""The op registry: every op class by name, read by the palette, loader, exporters and docs.

Built-in ops register once, at import; user-written ops (``Op.user``, see
:mod:`graphlab.custom_ops`) are added, replaced and removed at run time.
"""

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


def register_user(op: Op) -> None:
    """Add or replace a user-written op (``op.user``); a built-in op's name is refused."""
    current = REGISTRY.get(op.name)
    if not op.user or (current is not None and not current.user):
        raise GraphError(f"{op.name!r} is the name of a built-in op; choose another name")
    REGISTRY[op.name] = op


def unregister_user(name: str) -> None:
    """Remove the user-written op ``name`` (nothing when there is none)."""
    if name in REGISTRY and REGISTRY[name].user:
        del REGISTRY[name]
