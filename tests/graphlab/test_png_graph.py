"""Graphs inside pictures (issue 29 item 7): `graphlab export --png` writes the graph in a
text chunk, `describe` and `run` read the PNG as the example, and the loader refuses a
malformed, oversized or decompression-bomb chunk with one line."""

import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from engine.errors import FileFormatError
from graphlab import fileformat
from graphlab.examples import open_graph
from graphlab.fileformat import document_bytes, document_to_dict, load_bytes
from graphlab.png_graph import GRAPH_KEY, SIGNATURE, chunk, embed
from tests.graphlab.test_cli import graphlab


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0\x80")
    return SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def refused(raw: bytes, match: str) -> str:
    with pytest.raises(FileFormatError, match=match) as info:
        load_bytes(raw, Path("g.png"))
    message = str(info.value)
    assert "\n" not in message and message.startswith("g.png: ")
    return message


def test_export_png_then_describe_and_run_equal_the_examples(tmp_path):
    png = tmp_path / "g.png"
    graphlab("export", "cnn-digits", "--png", str(png))
    assert png.read_bytes().startswith(SIGNATURE)
    for command in ("describe", "run"):
        from_png, from_example = graphlab(command, str(png)), graphlab(command, "cnn-digits")
        assert from_png.stdout == from_example.stdout and len(from_png.stdout) > 200


def test_a_picture_with_parameters_carries_them(tmp_path):
    doc = open_graph("two-layer-net-spiral")
    doc.set_params({"fc1_W": np.full(doc.compile().params["fc1_W"].shape, 0.25)})
    raw = embed(tiny_png(), document_bytes(doc, arrays=False), document_bytes(doc))
    again = load_bytes(raw, Path("g.png"))
    assert document_to_dict(again) == document_to_dict(doc)
    assert np.array_equal(again.params["fc1_W"], doc.params["fc1_W"])
    plain = load_bytes(embed(tiny_png(), document_bytes(doc, arrays=False)), Path("g.png"))
    assert plain.params == {}


def test_a_png_without_a_graph_is_refused_with_one_line():
    refused(tiny_png(), "without a GraphLab graph")


def test_a_damaged_or_truncated_graph_chunk_is_refused_with_one_line():
    raw = embed(tiny_png(), document_bytes(open_graph("sigmoid-neuron"), arrays=False))
    at = raw.index(b"zTXt" + GRAPH_KEY)
    flipped = raw[: at + 20] + bytes([raw[at + 20] ^ 0xFF]) + raw[at + 21 :]
    refused(flipped, "damaged")
    refused(raw[: at + 30], "truncated")
    not_zlib = chunk(b"zTXt", GRAPH_KEY + b"\0\0" + b"not zlib at all")
    refused(tiny_png()[:-12] + not_zlib + tiny_png()[-12:], "not zlib")


def test_the_graph_inside_passes_the_same_checks_as_a_file():
    data = document_to_dict(open_graph("sigmoid-neuron"))
    data["nodes"][0]["op"] = "no_such_op"
    text = json.dumps(data).encode()
    with pytest.raises(FileFormatError) as as_file:
        load_bytes(text, Path("g.png"))
    assert refused(embed(tiny_png(), text), "no_such_op") == str(as_file.value)


def test_an_oversized_graph_and_a_decompression_bomb_are_refused(monkeypatch):
    doc_text = document_bytes(open_graph("cnn-digits"), arrays=False)
    monkeypatch.setattr(fileformat, "MAX_GRAPH_BYTES", len(doc_text) - 1)
    refused(embed(tiny_png(), doc_text), "inflates beyond")
    monkeypatch.undo()
    squeeze = zlib.compressobj(9)
    bomb = b"".join(
        squeeze.compress(bytes(2**20)) for _ in range(fileformat.MAX_GRAPH_BYTES // 2**20 + 8)
    )
    bomb += squeeze.flush()
    assert len(bomb) < 2**20  # a small chunk that would inflate past 64 MiB
    inside = chunk(b"zTXt", GRAPH_KEY + b"\0\0" + bomb)
    refused(tiny_png()[:-12] + inside + tiny_png()[-12:], "inflates beyond 64 MiB")
