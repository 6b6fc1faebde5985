"""Budgets for everything read from a file: sizes are checked before the bytes are made.

Every loader asks this module before it allocates: :func:`check_bytes` compares what an input
declares (an npy header's shape, a zip member's size, an IDX header's dims, an image's width
and height) with the memory budget and with what the file can hold; :func:`read_file` opens
only regular files and reads with a hard cap; :func:`gunzip` and :func:`read_member` stream
with a hard cap. The budget defaults to a quarter of physical memory (and of the address
space limit, when one is set); ``graphlab --memory-limit`` changes it (:func:`set_memory_limit`).
Messages name the file, what it declares and the budget, and never echo the file's contents.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path

from engine.errors import FileFormatError, GraphLabError

try:
    import resource
except ImportError:  # not on Windows
    resource = None

#: deflate cannot shrink data more than ~1032:1; a member claiming more lies about its size
MAX_DEFLATE_RATIO = 1100
CHUNK = 2**20
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_limit: int | None = None  # set by set_memory_limit (the --memory-limit option)


def default_limit() -> int:
    """A quarter of physical memory, and at most a quarter of the address-space limit."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows): assume 8 GiB
        physical = 8 * 2**30
    limit = physical // 4
    soft = resource.getrlimit(resource.RLIMIT_AS)[0] if resource else -1
    if resource and soft != resource.RLIM_INFINITY:
        limit = min(limit, soft // 4)
    return max(limit, 2**20)


def memory_limit() -> int:
    """The budget in bytes for any one input."""
    return _limit if _limit is not None else default_limit()


def limit_is_set() -> bool:
    """Whether a budget was set (``--memory-limit`` or the window's preference)."""
    return _limit is not None


def set_memory_limit(limit: int | None) -> None:
    """Set the budget in bytes (None: back to the default)."""
    global _limit
    _limit = None if limit is None else int(limit)


def parse_size(text: str) -> int:
    """``512M`` -> 536870912; plain bytes or a K/M/G/T suffix (powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", str(text), re.IGNORECASE)
    if not match or float(match[1]) * _UNITS[match[2].upper()] < 1:
        raise GraphLabError(f"expected a size such as 512M or 2G, got {text!r}")
    return int(float(match[1]) * _UNITS[match[2].upper()])


def human(nbytes: int) -> str:
    """1536 -> '1.5 KiB'."""
    size = float(nbytes)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def check_bytes(nbytes: int, where, what: str, error=FileFormatError, room: int | None = None):
    """Refuse ``nbytes`` (what ``what`` declares) over the budget or over ``room`` (what the
    file can hold); ``where`` names the file in the message."""
    limit = memory_limit()
    if nbytes > limit:
        raise error(
            f"{where}: {what} declares {human(nbytes)}, over the memory budget of "
            f"{human(limit)} (set with --memory-limit)"
        )
    if room is not None and nbytes > room:
        raise error(
            f"{where}: {what} declares {human(nbytes)}, but the file holds only {human(room)}; "
            "it is truncated or lies about its size"
        )


def regular_file(path: Path, error=FileFormatError) -> int:
    """The size of ``path`` if it is a regular file; one sentence otherwise (never opens it)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a folder, expected a file")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: not a regular file (a device, FIFO or socket); expected a data file")
    return info.st_size


def read_file(path: Path, error=FileFormatError, what: str = "the file") -> bytes:
    """The bytes of a regular file within the budget (a file growing while read is capped)."""
    check_bytes(regular_file(path, error), path, what, error)
    limit = memory_limit()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped since the stat
                raise error(f"{path}: not a regular file; expected a data file")
            data = f.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    check_bytes(len(data), path, what, error)
    return data


def gunzip(data: bytes, where, error=FileFormatError, declared=None) -> bytearray:
    """Decompress gzip ``data`` in chunks, refusing more than the budget, or more than
    ``declared(first_bytes)`` (the size a format's header announces; None: unknown)."""
    cap, what = memory_limit(), "the memory budget (set with --memory-limit)"
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(CHUNK):
                if declared is not None and not out:
                    size = declared(chunk)
                    if size is not None and size < cap:
                        cap, what = size, "what its header declares"
                out += chunk
                if len(out) > cap:
                    raise error(
                        f"{where}: the gzip data inflates to more than {human(cap)}, {what}"
                    )
    except (OSError, EOFError, zlib.error) as exc:
        raise error(f"{where}: damaged gzip file ({exc})") from None
    return out


def member_info(archive: zipfile.ZipFile, name: str, where, error=FileFormatError):
    """The ZipInfo of ``name`` after checking its declared size and compression ratio."""
    info = archive.getinfo(name)
    what = f"member {name!r}"
    check_bytes(info.file_size, where, what, error)
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > MAX_DEFLATE_RATIO * max(
        info.compress_size, 1
    ):
        raise error(
            f"{where}: {what} declares {human(info.file_size)} from {human(info.compress_size)} "
            "of compressed data, more than compression can give (a zip bomb?)"
        )
    return info


#: what zipfile, zlib and the streams under them raise for a damaged archive
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
              RuntimeError, KeyError)  # fmt: skip


def open_zip(data: bytes, where, error=FileFormatError) -> zipfile.ZipFile:
    """A zip archive over ``data``; a damaged directory is one sentence."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS as exc:
        raise error(f"{where}: the zip archive is damaged or truncated ({exc})") from None


def read_member(archive: zipfile.ZipFile, name: str, where, error=FileFormatError) -> bytes:
    """A zip member's bytes, its declared size checked first and the read capped by it."""
    info = member_info(archive, name, where, error)
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size + 1)
    except ZIP_ERRORS as exc:
        raise error(f"{where}: member {name!r} is damaged ({exc})") from None
    if len(data) != info.file_size:
        raise error(f"{where}: member {name!r} is damaged (its size disagrees with the zip)")
    return data
