"""Arrays of a project read on first use: the window opens a project from its npy headers.

:class:`LazyArrays` is a mapping ``name -> array`` over some members of a project's
``params.npz`` (held as bytes). Until a value is asked for, only its header is known, so
:meth:`LazyArrays.shape_of` answers shape questions (the consistency rule, the analysis)
without making the array. Reading a value checks its size against the budget and that it is
finite, as an eager load does, and keeps it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, MutableMapping

import numpy as np

from engine.errors import FileFormatError
from graphlab.npzfile import NpyHeader, read_npz_member


class LazyArrays(MutableMapping):
    """``name -> array`` of the archive ``raw``: member ``members[name]`` read on first use."""

    def __init__(self, raw: bytes, where: str, members: dict[str, tuple[str, NpyHeader]]):
        self._raw, self._where = raw, where
        self._pending = dict(members)  # name -> (npz key, header), not read yet
        self._loaded: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self._loaded:
            return self._loaded[name]
        key, _ = self._pending[name]
        array = read_npz_member(self._raw, key, self._where)
        if not np.all(np.isfinite(array)):
            raise FileFormatError(
                f"{self._where}[{key!r}]: values must be finite floating-point numbers"
            )
        self._loaded[name] = array
        del self._pending[name]
        return array

    def __setitem__(self, name: str, value) -> None:
        self._pending.pop(name, None)
        self._loaded[name] = value

    def __delitem__(self, name: str) -> None:
        if self._pending.pop(name, None) is None:
            del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from list(self._loaded)
        yield from list(self._pending)

    def __len__(self) -> int:
        return len(self._loaded) + len(self._pending)

    def __contains__(self, name) -> bool:
        return name in self._loaded or name in self._pending

    def shape_of(self, name: str) -> tuple[int, ...]:
        """The array's shape, from its header when it was not read yet."""
        if name in self._pending:
            return self._pending[name][1].shape
        return tuple(np.shape(self._loaded[name]))

    def read(self) -> int:
        """How many arrays were read so far (the rest are headers only)."""
        return len(self._loaded)

    def __copy__(self) -> LazyArrays:
        twin = LazyArrays(self._raw, self._where, self._pending)
        twin._loaded = dict(self._loaded)
        return twin

    def __deepcopy__(self, memo) -> LazyArrays:
        twin = LazyArrays(self._raw, self._where, self._pending)
        twin._loaded = copy.deepcopy(self._loaded, memo)
        return twin


def shape_of(arrays: Mapping, name: str) -> tuple[int, ...]:
    """The shape of ``arrays[name]``, without reading it where ``arrays`` is lazy."""
    if isinstance(arrays, LazyArrays):
        return arrays.shape_of(name)
    return tuple(np.shape(arrays[name]))


def size_of(arrays: Mapping, name: str) -> int:
    """The element count of ``arrays[name]``, without reading it where ``arrays`` is lazy."""
    return int(np.prod(shape_of(arrays, name), dtype=np.int64))


def without(arrays: Mapping, names) -> Mapping:
    """A copy of ``arrays`` without ``names`` (still lazy where ``arrays`` is)."""
    if isinstance(arrays, LazyArrays):
        twin = copy.copy(arrays)
        for name in names:
            twin.pop(name, None)
        return twin
    return {k: v for k, v in arrays.items() if k not in names}
