"""Reading a user's data file into memory within the budget, with errors a person can act on.

Only regular files are read (a FIFO, device or folder is one sentence at once); the size and,
for gzip files, the inflated size are capped by the memory budget (:mod:`graphlab.budget`).
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import DatasetError
from graphlab.budget import gunzip, read_file

GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: Path, declared=None) -> bytes:
    """The file's contents, gunzipped when it starts with the gzip magic bytes; ``declared``
    (first bytes -> total size or None) stops a gzip stream at what the format's header says."""
    data = read_file(path, DatasetError)
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, path, DatasetError, declared)
    return data
