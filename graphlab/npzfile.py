"""Reading numpy files within the budget: every npy header is read and checked first.

An ``.npz`` is a zip of ``.npy`` members, each a small header (dtype, shape, order) and the raw
values. :func:`npz_headers` reads only the headers, so a file's shapes are known without
making its arrays; :func:`read_npz` checks every declared size against the memory budget and
against what the member holds before it reads a byte of values; :func:`read_npy` does the
same for one ``.npy`` file and :func:`read_numpy` for either. Never unpickles.
:func:`write_npz` writes an archive atomically.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass

import numpy as np

from engine.errors import FileFormatError
from graphlab.atomic import write_atomically
from graphlab.budget import ZIP_ERRORS, check_bytes, member_info, open_zip

CHUNK = 2**20
MAX_HEADER = 10_000
NPY_MAGIC = b"\x93NUMPY"
#: the first bytes of a zip archive (``np.savez``), with members or empty
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass(frozen=True)
class NpyHeader:
    """What one member declares: shape, dtype, Fortran order, and where its values start."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    offset: int

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def npz_headers(data: bytes, where, error=FileFormatError) -> dict[str, NpyHeader]:
    """Array name -> its header, for every member of the archive ``data`` (no values read)."""
    with open_zip(data, where, error) as archive:
        return {_key(info, where, error): _header(archive, info, where, error)
                for info in archive.infolist()}  # fmt: skip


def read_npz(data: bytes, where, error=FileFormatError) -> dict[str, np.ndarray]:
    """Array name -> array of the archive ``data``, sizes checked before reading."""
    with open_zip(data, where, error) as archive:
        headers = {
            info.filename: _header(archive, info, where, error) for info in archive.infolist()
        }
        total = sum(h.nbytes for h in headers.values())
        check_bytes(total, where, f"{len(headers)} arrays together", error)
        return {
            _key(archive.getinfo(name), where, error): _values(archive, name, header, where, error)
            for name, header in headers.items()
        }


def read_npz_member(data: bytes, key: str, where, error=FileFormatError) -> np.ndarray:
    """The one array ``key`` of the archive ``data``, its size checked before reading."""
    with open_zip(data, where, error) as archive:
        name = f"{key}.npy"
        header = _header(archive, archive.getinfo(name), where, error)
        return _values(archive, name, header, where, error)


def read_npy(data: bytes, where, error=FileFormatError) -> np.ndarray:
    """The array of the ``.npy`` file ``data``, its size checked before its values are copied."""
    try:
        fields = _read_header(io.BytesIO(data))
    except Exception:  # numpy's header parser raises many kinds
        raise error(f"{where}: the array is damaged (its npy header cannot be read)") from None
    header = _checked(fields, "the array", len(data), where, error)
    values = np.frombuffer(bytearray(memoryview(data)[header.offset :]), header.dtype)
    return values.reshape(header.shape, order="F" if header.fortran else "C")


def read_numpy(data: bytes, where, error=FileFormatError) -> dict[str, np.ndarray]:
    """Name -> array of an ``.npz`` file's bytes, or {"": the array} of an ``.npy`` file's;
    anything else (a pickle) is refused unread."""
    if data.startswith(NPY_MAGIC):
        return {"": read_npy(data, where, error)}
    if data[:4] in ZIP_MAGICS:
        return read_npz(data, where, error)
    raise error(
        f"{where} is not a numpy file (.npy or .npz); GraphLab never unpickles Python objects"
    )


def write_npz(path, arrays: dict[str, np.ndarray], error=FileFormatError) -> None:
    """``arrays`` (name -> array) as the ``.npz`` file ``path``, written atomically."""
    write_atomically(path, lambda f: np.savez(f, **arrays), error=error)


def _key(info: zipfile.ZipInfo, where, error) -> str:
    if not info.filename.endswith(".npy"):
        raise error(f"{where}: member {info.filename!r} is not an array (.npy)")
    return info.filename[:-4]


def _header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where, error) -> NpyHeader:
    what = f"array {info.filename[:-4]!r}"
    member_info(archive, info.filename, where, error)
    try:
        with archive.open(info) as stream:
            fields = _read_header(stream)
    except Exception:  # zipfile's, zlib's and numpy's header parser's (even tokenize's) errors
        raise error(f"{where}: {what} is damaged (its npy header cannot be read)") from None
    return _checked(fields, what, info.file_size, where, error)


def _read_header(stream) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, Fortran order, dtype, offset of the values) from an npy stream at its start."""
    fmt = np.lib.format
    version = fmt.read_magic(stream)
    read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
    shape, fortran, dtype = read(stream, max_header_size=MAX_HEADER)
    return shape, fortran, dtype, stream.tell()


def _checked(fields, what: str, size: int, where, error) -> NpyHeader:
    """The header of ``fields`` (from :func:`_read_header`) of an npy of ``size`` bytes, refused
    when it holds objects or a negative dimension, or its values exceed the budget or ``size``."""
    shape, fortran, dtype, offset = fields
    if dtype.hasobject:
        raise error(
            f"{where}: {what} holds Python objects, which GraphLab never unpickles "
            "(only plain numbers and strings are read)"
        )
    if any(d < 0 for d in shape):
        raise error(f"{where}: {what} declares a negative dimension {shape}")
    header = NpyHeader(tuple(shape), dtype, fortran, offset)
    check_bytes(header.nbytes, where, f"{what} of shape {shape} ({dtype})", error)
    if header.nbytes != size - offset:
        raise error(
            f"{where}: {what} declares shape {shape} ({dtype}, {header.nbytes} bytes) but holds "
            f"{size - offset} bytes of values"
        )
    return header


def _values(archive: zipfile.ZipFile, name: str, header: NpyHeader, where, error) -> np.ndarray:
    buffer = bytearray(header.nbytes)
    view = memoryview(buffer)
    try:
        with archive.open(name) as stream:
            stream.read(header.offset)
            done = 0
            while done < header.nbytes:
                got = stream.readinto(view[done : done + CHUNK])
                if not got:
                    raise EOFError("the values end early")
                done += got
    except ZIP_ERRORS as exc:
        raise error(f"{where}: array {name[:-4]!r} is damaged ({_first_line(exc)})") from None
    order = "F" if header.fortran else "C"
    return np.frombuffer(buffer, header.dtype).reshape(header.shape, order=order)


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
