"""Array backends: numpy on the CPU, cupy on CUDA, chosen by a device name.

Op code is written once against the array module ``xp`` that :func:`array_module` returns.
cupy is imported lazily and checked once; without it (or without a GPU) asking for
``"cuda"`` raises :class:`DeviceError` with one sentence a person can act on.
"""

from __future__ import annotations

import functools

import numpy as np

from engine.errors import DeviceError

DEVICES = ("cpu", "cuda")


@functools.cache
def _cuda_module():
    """Return cupy if it imports and a CUDA device answers, else the reason it cannot be used."""
    try:
        import cupy
    except ImportError:
        return "CUDA is not available: cupy is not installed (pip install 'graphlab[cuda]')."
    try:
        if not cupy.cuda.is_available():
            return "CUDA is not available: cupy found no working NVIDIA GPU on this machine."
        cupy.zeros(1)
    except Exception as exc:  # any CUDA runtime failure means the device is unusable
        return f"CUDA is not available: the GPU did not answer ({exc})."
    return cupy


def cuda_unavailable_reason() -> str | None:
    """None when CUDA works, otherwise one sentence saying why it does not."""
    module = _cuda_module()
    return module if isinstance(module, str) else None


def array_module(device: str = "cpu"):
    """The array module (numpy or cupy) for ``device`` ('cpu' or 'cuda')."""
    if device == "cpu":
        return np
    if device == "cuda":
        module = _cuda_module()
        if isinstance(module, str):
            raise DeviceError(module)
        return module
    raise DeviceError(f"unknown device {device!r}: expected one of {', '.join(DEVICES)}.")


def array_module_of(array):
    """The array module that owns ``array`` (numpy for numpy arrays and Python numbers)."""
    if isinstance(array, np.ndarray | np.generic | int | float):
        return np
    module = type(array).__module__.split(".")[0]
    if module == "cupy":
        return _cuda_module()
    return np


def to_numpy(array) -> np.ndarray:
    """A numpy copy (or view) of ``array`` for plots, files and labels."""
    if isinstance(array, np.ndarray):
        return array
    if hasattr(array, "get"):
        return array.get()
    return np.asarray(array)
