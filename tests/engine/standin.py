"""A stand-in for cupy in tests: numpy arrays wrapped in a type that numpy itself refuses.

``xp = StandInModule()`` offers every numpy function as ``xp.<name>`` (submodules too:
``xp.lib.stride_tricks.as_strided``, ``xp.linalg.norm``), taking and returning
:class:`StandInArray`. ``xp.asarray(numpy_array)`` is the one way in (the host-to-device copy)
and ``array.get()`` the way out, as with cupy. Stricter than cupy, so that an op which calls
``np.`` where it should call ``xp.`` cannot pass unnoticed:

- a plain numpy array met by a stand-in array (``x * np.zeros(...)``, ``xp.add(x, mask)``,
  ``np_array[...] += x``) raises TypeError;
- a numpy function called on a stand-in array (``np.exp(x)``, ``np.concatenate([x])``) raises
  TypeError, and so does ``np.asarray(x)``;
- what such an op creates and returns unmixed (``np.zeros(shape)``) stays a plain ndarray,
  which the tests' type checks catch.

Reductions return 0-d stand-in arrays (cupy returns 0-d device arrays, not numpy scalars);
``float()``, ``int()`` and ``bool()`` of them work.
"""

from __future__ import annotations

import operator
import types

import numpy as np


class StandInError(TypeError):
    """numpy and the stand-in array module were mixed."""


class StandInArray:
    """A numpy array standing in for a device array. Shape (any), dtype (any)."""

    __slots__ = ("_data",)
    __hash__ = None

    def __init__(self, data: np.ndarray) -> None:
        self._data = data

    # -- numpy may not see inside ----------------------------------------------------------

    def __array__(self, dtype=None, copy=None):
        raise StandInError(
            "a stand-in array was converted to numpy implicitly (np.asarray, np.array or a "
            "numpy array operation): convert with engine.backend.to_numpy at the boundary only"
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # a numpy scalar's own operator (np.float32(2) * x) is fine, as with cupy
        scalars = [v for v in inputs if isinstance(v, np.generic)]
        if method != "__call__" or not scalars:
            raise StandInError(
                f"numpy.{ufunc.__name__} was applied to a stand-in array (together with "
                "plain numpy arrays or called as np.<ufunc>): call it through xp"
            )
        return _call(ufunc, f"numpy.{ufunc.__name__}", inputs, kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        raise StandInError(
            f"numpy.{func.__name__} was called on a stand-in array: call xp.{func.__name__}"
        )

    # -- what cupy arrays offer --------------------------------------------------------------

    def get(self) -> np.ndarray:
        """A numpy copy (cupy's device-to-host copy)."""
        return self._data.copy()

    shape = property(lambda self: self._data.shape)
    dtype = property(lambda self: self._data.dtype)
    ndim = property(lambda self: self._data.ndim)
    size = property(lambda self: self._data.size)
    strides = property(lambda self: self._data.strides)
    itemsize = property(lambda self: self._data.itemsize)
    nbytes = property(lambda self: self._data.nbytes)
    T = property(lambda self: StandInArray(self._data.T))

    def __getattr__(self, name: str):
        # dunder probes (__array_interface__, ...) must fail, or numpy would read the buffer
        if name.startswith("__") or name == "_data":
            raise AttributeError(name)
        attr = getattr(self._data, name)
        if callable(attr):
            return _wrapped(attr, f"ndarray.{name}")
        return _wrap(attr)

    def __getitem__(self, key):
        return _wrap(self._data[_unwrap(key, "indexing")])

    def __setitem__(self, key, value) -> None:
        self._data[_unwrap(key, "indexing")] = _unwrap(value, "item assignment")

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self):
        return (_wrap(row) for row in self._data)

    def __bool__(self) -> bool:
        return bool(self._data)

    def __float__(self) -> float:
        return float(self._data)

    def __int__(self) -> int:
        return int(self._data)

    def __complex__(self) -> complex:
        return complex(self._data)

    def __repr__(self) -> str:
        return f"standin({self._data!r})"


def _binary(name: str):
    def method(self, other):
        return _wrap(getattr(self._data, name)(_unwrap(other, f"operator {name}")))

    method.__name__ = name
    return method


def _inplace(name: str):
    def method(self, other):
        getattr(self._data, name)(_unwrap(other, f"operator {name}"))
        return self

    method.__name__ = name
    return method


def _unary(function):
    return lambda self: StandInArray(function(self._data))


_BINARY = [
    "add",
    "sub",
    "mul",
    "truediv",
    "floordiv",
    "mod",
    "pow",
    "matmul",
    "and",
    "or",
    "xor",
    "lshift",
    "rshift",
]
for _name in _BINARY:
    setattr(StandInArray, f"__{_name}__", _binary(f"__{_name}__"))
    setattr(StandInArray, f"__r{_name}__", _binary(f"__r{_name}__"))
    setattr(StandInArray, f"__i{_name}__", _inplace(f"__i{_name}__"))
for _name in ["eq", "ne", "lt", "le", "gt", "ge"]:
    setattr(StandInArray, f"__{_name}__", _binary(f"__{_name}__"))
for _name, _function in (
    ("neg", operator.neg),
    ("pos", operator.pos),
    ("abs", operator.abs),
    ("invert", operator.invert),
):
    setattr(StandInArray, f"__{_name}__", _unary(_function))


def _unwrap(value, where: str):
    """The numpy data inside ``value`` (recursing into lists, tuples and dicts)."""
    if isinstance(value, StandInArray):
        return value._data
    if isinstance(value, np.ndarray):
        raise StandInError(
            f"{where}: a plain numpy array of shape {value.shape} met stand-in arrays; it was "
            "made with numpy (np.zeros, np.asarray, a numpy Generator, ...) where xp was needed"
        )
    if isinstance(value, list | tuple):
        return type(value)(_unwrap(v, where) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v, where) for k, v in value.items()}
    return value


def _wrap(value):
    """numpy results as stand-in arrays: arrays, numeric numpy scalars (as 0-d), tuples."""
    if isinstance(value, np.ndarray):
        return StandInArray(value)
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return StandInArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _call(function, where: str, args, kwargs):
    return _wrap(function(*_unwrap(args, where), **_unwrap(kwargs, where)))


def _wrapped(function, where: str):
    def call(*args, **kwargs):
        return _call(function, where, args, kwargs)

    call.__name__ = getattr(function, "__name__", where)
    return call


def _to_device(value, dtype=None, copy: bool = False) -> StandInArray:
    """The host-to-device copy: numpy arrays, lists and numbers are accepted here only."""
    data = value._data if isinstance(value, StandInArray) else value
    return StandInArray(np.array(data, dtype=dtype, copy=True if copy else None))


class StandInModule:
    """numpy's namespace (or one of its submodules) over :class:`StandInArray`."""

    ndarray = StandInArray

    def __init__(self, namespace: types.ModuleType = np) -> None:
        self._namespace = namespace

    def asarray(self, value, dtype=None) -> StandInArray:
        return _to_device(value, dtype)

    def array(self, value, dtype=None, copy: bool = True) -> StandInArray:
        return _to_device(value, dtype, copy)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        attr = getattr(self._namespace, name)
        if isinstance(attr, types.ModuleType):
            return StandInModule(attr)
        if isinstance(attr, type) or not callable(attr):
            return attr  # dtypes (xp.float32), constants (xp.pi, xp.newaxis)
        return _wrapped(attr, f"xp.{name}")


def is_standin(value) -> bool:
    return isinstance(value, StandInArray)
