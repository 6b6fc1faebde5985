"""Reading a user's data file into memory with errors a person can act on."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from engine.errors import DatasetError

GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: Path) -> bytes:
    """The file's contents, gunzipped when it starts with the gzip magic bytes."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a folder, expected a file") from None
    except OSError as e:
        raise DatasetError(f"{path}: cannot read the file ({e.strerror or e})") from None
    if data.startswith(GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise DatasetError(f"{path}: damaged gzip file ({e})") from None
    return data
