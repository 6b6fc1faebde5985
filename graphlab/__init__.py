"""GraphLab as a library: ``import graphlab as gl`` (see docs/api.md).

Importing the package is cheap: each name below is imported when first used (the command line
imports ``graphlab.cli`` through this package). Besides :data:`__all__`'s names, every op of
the engine's registry is a function here (``gl.relu``, ``gl.conv2d``, ``gl.affine``,
``gl.softmax_loss``, ...), made from the registry when first asked for.
"""

from __future__ import annotations

from typing import Any

#: public name -> the module that defines it
_NAMES = {
    "load": "graphlab.api",
    "show": "graphlab.api",
    "Graph": "graphlab.api",
    "inputs": "graphlab.api_ops",
    "parameter": "graphlab.api_ops",
    "Tensor": "graphlab.api_ops",
    "Run": "graphlab.api_train",
    "GraphLabError": "engine.errors",
    "GraphError": "engine.errors",
    "CycleError": "engine.errors",
    "ShapeError": "engine.errors",
    "AttrError": "engine.errors",
    "DeviceError": "engine.errors",
    "FileFormatError": "engine.errors",
    "DatasetError": "engine.errors",
    "TrainingError": "engine.errors",
    "InputError": "graphlab.pixels",
}

__all__ = [  # noqa: F822 (each is imported on first use by __getattr__)
    "AttrError",
    "CycleError",
    "DatasetError",
    "DeviceError",
    "FileFormatError",
    "Graph",
    "GraphError",
    "GraphLabError",
    "InputError",
    "Run",
    "ShapeError",
    "Tensor",
    "TrainingError",
    "inputs",
    "load",
    "op_functions",
    "parameter",
    "show",
]


def op_functions() -> list[str]:
    """The names of the op functions (``relu``, ``affine``, ``softmax_loss``, ...), one per
    registered op that is not a leaf, and the aliases."""
    from graphlab.api_ops import op_names

    return sorted(op_names())


def __getattr__(name: str) -> Any:
    import importlib
    import importlib.util

    if name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
    elif name.startswith("_") or importlib.util.find_spec(f"graphlab.{name}") is not None:
        raise AttributeError(name)  # a submodule: ``from graphlab import x`` imports it
    else:
        from graphlab.api_ops import op_function, op_names

        ops = op_names()
        if name not in ops:
            raise AttributeError(f"module 'graphlab' has no attribute {name!r}")
        value = op_function(name, ops[name])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *op_functions()})
