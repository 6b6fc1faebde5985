"""Graphs inside pictures: a PNG that carries its graph in text chunks (issue 29 item 7).

An exported PNG gets a ``zTXt`` chunk with keyword ``graphlab`` holding the graph's JSON
(the file format's ``graph.json``) and, when parameters are included, one with keyword
``graphlab-project`` holding the project zip (``graph.json`` and ``params.npz``) in base64.
Reading hands those bytes to the file loader (:func:`graphlab.fileformat.load_bytes`), so a
PNG passes the same checks and budgets as a ``.graphlab`` file. Every fault of the PNG itself
(a truncated or damaged chunk, a chunk inflating beyond the limit, no graph inside) is one
:class:`FileFormatError` sentence.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib

from engine.errors import FileFormatError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
GRAPH_KEY, PROJECT_KEY = b"graphlab", b"graphlab-project"
#: how much a chunk is read at a time while inflating (a bomb is stopped after one step)
STEP = 1 << 20


def chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def embed(png: bytes, graph_json: bytes, project: bytes | None = None) -> bytes:
    """``png`` with the graph (and, given the project zip's bytes, the parameters) in zTXt
    chunks before its end chunk."""
    chunks = [chunk(b"zTXt", GRAPH_KEY + b"\0\0" + zlib.compress(graph_json, 9))]
    if project is not None:
        text = base64.b64encode(project)
        chunks.append(chunk(b"zTXt", PROJECT_KEY + b"\0\0" + zlib.compress(text, 9)))
    end = png.rfind(b"IEND") - 4
    if not png.startswith(SIGNATURE) or end < len(SIGNATURE):
        raise ValueError("not a PNG image")
    return png[:end] + b"".join(chunks) + png[end:]


def text_chunks(raw: bytes, where) -> dict[bytes, bytes]:
    """keyword -> compressed payload of the graph's zTXt chunks in PNG ``raw`` (each chunk's
    length and checksum verified)."""
    found, at = {}, len(SIGNATURE)
    while at < len(raw):
        if at + 8 > len(raw):
            raise FileFormatError(f"{where}: the PNG is truncated (a chunk header is cut off)")
        length, kind = struct.unpack(">I", raw[at : at + 4])[0], raw[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(raw):
            raise FileFormatError(f"{where}: the PNG is truncated (a {kind!r} chunk is cut off)")
        data = raw[at + 8 : at + 8 + length]
        if kind == b"zTXt":
            key, _, rest = data.partition(b"\0")
            if key in (GRAPH_KEY, PROJECT_KEY):
                crc = struct.unpack(">I", raw[end - 4 : end])[0]
                if crc != zlib.crc32(kind + data) & 0xFFFFFFFF or rest[:1] != b"\0":
                    raise FileFormatError(f"{where}: the PNG's graph chunk is damaged")
                found[key] = rest[1:]
        if kind == b"IEND":
            break
        at = end
    return found


def inflate(data: bytes, limit: int, where) -> bytes:
    """zlib ``data`` inflated, refusing more than ``limit`` bytes (a decompression bomb)."""
    stream, out = zlib.decompressobj(), bytearray()
    try:
        while data and len(out) <= limit:
            out += stream.decompress(data, STEP)
            data = stream.unconsumed_tail
        if len(out) <= limit:
            out += stream.flush()
    except zlib.error:
        raise FileFormatError(f"{where}: the PNG's graph chunk is damaged (not zlib)") from None
    if len(out) > limit:
        raise FileFormatError(
            f"{where}: the PNG's graph chunk inflates beyond {limit // 2**20} MiB; not read"
        )
    if not stream.eof:
        raise FileFormatError(f"{where}: the PNG's graph chunk is truncated")
    return bytes(out)


def graph_payload(raw: bytes, where, limit: int) -> bytes:
    """The project zip (with parameters) or graph JSON a PNG carries, for the file loader;
    ``limit`` bounds what a chunk may inflate to."""
    chunks = text_chunks(raw, where)
    if PROJECT_KEY in chunks:
        text = inflate(chunks[PROJECT_KEY], limit * 4 // 3 + 4, where)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise FileFormatError(f"{where}: the PNG's project chunk is not base64") from None
    if GRAPH_KEY in chunks:
        return inflate(chunks[GRAPH_KEY], limit, where)
    raise FileFormatError(
        f"{where}: a PNG without a GraphLab graph inside (export one from GraphLab)"
    )
