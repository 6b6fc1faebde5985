"""Array backends: numpy on the CPU, cupy on CUDA, chosen by a device name.

Op code is written once against the array module ``xp`` that :func:`array_module` returns.
cupy is imported lazily and checked once; without it (or without a GPU) asking for
``"cuda"`` raises :class:`DeviceError` with one sentence a person can act on. Running out of
memory on the device becomes a :class:`DeviceError` naming the size asked for, wherever code
runs under :func:`device_errors` (or a function decorated with :func:`translate_device_errors`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect

import numpy as np

from engine.errors import DeviceError

DEVICES = ("cpu", "cuda")

#: extra array modules by device name (tests register a stand-in for cupy here)
_REGISTERED: dict[str, object] = {}


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


def cuda_description() -> str:
    """'CUDA: <GPU name>, <memory> GiB' when CUDA works, else 'CUDA (not available)'."""
    if cuda_unavailable_reason() is not None:
        return "CUDA (not available)"
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    return f"CUDA: {name}, {props['totalGlobalMem'] / 2**30:.0f} GiB"


def register_array_module(name: str, module) -> None:
    """Make ``module`` the array module of device ``name`` (tests use this for a stand-in).

    module must offer numpy's functions and an ``ndarray`` attribute, the type of its arrays.
    """
    if name in DEVICES:
        raise ValueError(f"device {name!r} is built in and cannot be replaced")
    _REGISTERED[name] = module


def array_module(device: str = "cpu"):
    """The array module (numpy or cupy) for ``device`` ('cpu' or 'cuda')."""
    if device == "cpu":
        return np
    if device in _REGISTERED:
        return _REGISTERED[device]
    if device == "cuda":
        module = _cuda_module()
        if isinstance(module, str):
            raise DeviceError(module)
        return module
    raise DeviceError(f"unknown device {device!r}: expected one of {', '.join(DEVICES)}.")


def array_module_of(array):
    """The array module that owns ``array`` (numpy for numpy arrays and Python numbers)."""
    for module in _REGISTERED.values():
        if isinstance(array, module.ndarray):
            return module
    if isinstance(array, np.ndarray | np.generic | int | float):
        return np
    module = type(array).__module__.split(".")[0]
    if module == "cupy":
        return _cuda_module()
    return np


def fused_kernels(xp) -> bool:
    """Whether code on array module ``xp`` runs the fused CUDA kernels of
    :mod:`engine.kernels.cuda` (cupy) rather than its ``xp`` ops."""
    return getattr(xp, "__name__", "") == "cupy"


def to_numpy(array) -> np.ndarray:
    """A numpy copy (or view) of ``array`` for plots, files and labels."""
    if isinstance(array, np.ndarray):
        return array
    if hasattr(array, "get"):
        return array.get()
    return np.asarray(array)


def _size(nbytes: int) -> str:
    """Bytes as people read them: 512 bytes, 3.1 MiB, 2.0 GiB."""
    if nbytes < 1024:
        return f"{nbytes} bytes"
    exponent = min((int(nbytes).bit_length() - 1) // 10, 4)
    return f"{nbytes / 1024**exponent:.1f} {('KiB', 'MiB', 'GiB', 'TiB')[exponent - 1]}"


def out_of_memory_error(exc: BaseException) -> DeviceError | None:
    """The :class:`DeviceError` for an out-of-memory exception, or None for other exceptions.

    Knows cupy's ``OutOfMemoryError`` (size asked for in ``_size``, pool total in ``_total``),
    cupy's failed CUDA or cuBLAS allocations, and numpy's ``MemoryError`` (``_total_size``).
    """
    from_cupy = type(exc).__module__.startswith(("cupy", "cupy_backends"))
    asked = getattr(exc, "_size", None)
    if from_cupy and asked is not None:
        held = getattr(exc, "_total", 0)
        return DeviceError(
            f"the GPU ran out of memory allocating {_size(asked)} ({_size(held)} already "
            "held by GraphLab): use a smaller batch size or a smaller model, or close other "
            "programs that use the GPU."
        )
    if from_cupy and any(s in str(exc) for s in ("MemoryAllocation", "ALLOC_FAILED")):
        return DeviceError(
            f"the GPU ran out of memory ({exc}): use a smaller batch size or a smaller model."
        )
    if isinstance(exc, MemoryError):
        asked = getattr(exc, "_total_size", None)
        what = f"allocating {_size(asked)}" if asked is not None else f"({exc})"
        return DeviceError(
            f"the computer ran out of memory {what}: use a smaller batch size or a smaller model."
        )
    return None


@contextlib.contextmanager
def device_errors():
    """Inside this block, running out of memory raises :class:`DeviceError` (see above)."""
    try:
        yield
    except Exception as exc:  # only out-of-memory errors are translated; the rest re-raise
        error = out_of_memory_error(exc)
        if error is None:
            raise
        raise error from exc


def translate_device_errors(function):
    """Decorator: run ``function`` (or iterate the generator it returns) under device_errors."""
    if inspect.isgeneratorfunction(function):

        @functools.wraps(function)
        def generator(*args, **kwargs):
            with device_errors():
                yield from function(*args, **kwargs)

        return generator

    @functools.wraps(function)
    def call(*args, **kwargs):
        with device_errors():
            return function(*args, **kwargs)

    return call
