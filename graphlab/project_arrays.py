"""The arrays of a project (its ``params.npz`` member): parameters, op state, optimizer state.

Members are named ``param:NODE``, ``state:NODE:NAME`` and ``extra:GROUP:NAME``. Loading checks
every name and dtype from the npy headers first, then reads the values within the budget (or
leaves them to be read on first use, :class:`LazyArrays`, when the window opens a project).
"""

from __future__ import annotations

import numpy as np

from engine.errors import FileFormatError
from graphlab.budget import check_bytes
from graphlab.consistency import OPTIMIZER_STATE
from graphlab.lazy_arrays import LazyArrays
from graphlab.npzfile import npz_headers, read_npz

#: groups of extra arrays a project may carry (the optimizer's state, to resume training)
EXTRA_GROUPS = {OPTIMIZER_STATE}


def parameter_members(params, state, convert=np.asarray) -> dict[str, np.ndarray]:
    """``param:NODE`` and ``state:NODE:NAME`` -> array, each made by ``convert`` (a
    document's arrays, or a compiled graph's with ``engine.backend.to_numpy``)."""
    arrays = {f"param:{k}": convert(v) for k, v in params.items()}
    for nid, named in state.items():
        arrays.update({f"state:{nid}:{k}": convert(v) for k, v in named.items()})
    return arrays


def array_members(doc) -> dict[str, np.ndarray]:
    """Member name -> array for every array ``doc`` holds."""
    arrays = parameter_members(doc.params, doc.state)
    for group, named in doc.extra_arrays.items():
        arrays.update({f"extra:{group}:{k}": np.asarray(v) for k, v in named.items()})
    return arrays


def load_arrays(doc, raw: bytes, where: str, arrays: bool, lazy: bool) -> None:
    """Check every array's name and dtype from its npy header, then (with ``arrays``) read the
    values within the budget and check they are finite, or (with ``lazy``) leave them to be
    read so on first use. Entries for nodes that are gone or of the wrong shape are kept here
    and dropped as stale by the caller."""
    headers = npz_headers(raw, where)
    for key, header in headers.items():
        _check_key(key, header.dtype, f"{where}[{key!r}]")
    if not arrays:
        return
    if lazy:
        check_bytes(sum(h.nbytes for h in headers.values()), where, f"{len(headers)} arrays")
        groups: dict[tuple[str, str], dict] = {}
        for key, header in headers.items():
            kind, nid, name = _split_key(key)
            groups.setdefault((kind, nid if kind != "param" else ""), {})[name or nid] = (
                key,
                header,
            )
        for (kind, nid), members in groups.items():
            lazy_arrays = LazyArrays(raw, where, members)
            if kind == "param":
                doc.params = lazy_arrays
            else:
                (doc.state if kind == "state" else doc.extra_arrays)[nid] = lazy_arrays
        return
    for key, array in read_npz(raw, where).items():
        if not np.all(np.isfinite(array)):
            raise FileFormatError(f"{where}[{key!r}]: values must be finite floating-point numbers")
        kind, nid, name = _split_key(key)
        if kind == "param":
            doc.params[nid] = array
        elif kind == "state":
            doc.state.setdefault(nid, {})[name] = array
        else:
            doc.extra_arrays.setdefault(nid, {})[name] = array


def _split_key(key: str) -> tuple[str, str, str]:
    """``param:W`` -> ("param", "W", ""); ``state:bn:mean`` -> ("state", "bn", "mean")."""
    kind, _, rest = key.partition(":")
    nid, _, name = rest.partition(":") if kind in ("state", "extra") else (rest, "", "")
    return kind, nid, name


def _check_key(key: str, dtype, place: str) -> None:
    """Refuse an array that is not floating point or not a parameter, state or optimizer array."""
    kind, nid, name = _split_key(key)
    if not np.issubdtype(dtype, np.floating):
        raise FileFormatError(f"{place}: values must be finite floating-point numbers")
    known = (
        (kind == "extra" and nid in EXTRA_GROUPS and name)
        or (kind == "param" and nid)
        or (kind == "state" and nid and name)
    )
    if not known:
        raise FileFormatError(f"{place}: not a parameter, state or optimizer array")
