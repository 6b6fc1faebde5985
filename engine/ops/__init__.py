"""Every op of the engine, registered by name in :data:`REGISTRY`.

Importing this package imports each module beside it, and each op module registers its
classes with :func:`register`; a new op family is a new module here, nothing else to edit.
"""

import importlib
import pkgutil

from engine.ops.base import Attr, ForwardContext, Op
from engine.ops.registry import REGISTRY, get_op, register, register_user, unregister_user

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("base", "registry"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "REGISTRY",
    "Attr",
    "ForwardContext",
    "Op",
    "get_op",
    "register",
    "register_user",
    "unregister_user",
]
