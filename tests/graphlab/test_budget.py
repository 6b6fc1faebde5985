"""graphlab.budget and graphlab.npzfile: declared sizes are checked before anything is made,
only regular files are read, and the command line has one error path."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import threading
import zipfile

import numpy as np
import pytest

from engine.errors import DatasetError, FileFormatError, GraphLabError
from graphlab import budget
from graphlab.cli import main
from graphlab.datasets import load_dataset
from graphlab.examples import open_graph
from graphlab.fileformat import load_document, save_document
from graphlab.npzfile import npz_headers, read_npz
from tests.graphlab.hostile_files import npy_header, patch_declared_size, zip_bytes


@pytest.fixture
def small_budget():
    budget.set_memory_limit(2**20)
    yield 2**20
    budget.set_memory_limit(None)


def test_sizes_parse_and_print():
    assert budget.parse_size("512M") == 512 * 2**20
    assert budget.parse_size("1.5g") == 3 * 2**29 and budget.parse_size("4096") == 4096
    for bad in ("", "-1G", "12X", "0"):
        with pytest.raises(GraphLabError, match="expected a size"):
            budget.parse_size(bad)
    assert budget.human(1536) == "1.5 KiB" and budget.human(12) == "12 bytes"


def test_the_default_budget_is_a_quarter_of_memory_and_of_the_address_space():
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert budget.default_limit() <= physical // 4
    budget.set_memory_limit(123 * 2**20)
    try:
        assert budget.memory_limit() == 123 * 2**20
    finally:
        budget.set_memory_limit(None)
    assert budget.memory_limit() == budget.default_limit()


def test_a_declared_size_over_the_budget_or_the_file_names_both(small_budget):
    with pytest.raises(
        FileFormatError, match=r"f.bin: X declares 2.0 MiB, over the memory budget of 1.0 MiB"
    ):
        budget.check_bytes(2 * 2**20, "f.bin", "X")
    with pytest.raises(DatasetError, match="declares 100 bytes, but the file holds only 10 bytes"):
        budget.check_bytes(100, "f.bin", "X", DatasetError, room=10)


def test_only_regular_files_are_read_and_a_fifo_never_blocks(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    done = []
    worker = threading.Thread(target=lambda: done.append(_refusal(tmp_path / "fifo")), daemon=True)
    worker.start()
    worker.join(5)
    assert done == ["not a regular file"]
    assert "is a folder" in _refusal(tmp_path)
    assert "no such file" in _refusal(tmp_path / "missing")
    assert "not a regular file" in _refusal("/dev/zero")


def _refusal(path) -> str:
    try:
        budget.read_file(path)
    except FileFormatError as exc:
        return "not a regular file" if "not a regular file" in str(exc) else str(exc)
    return "read"


def test_gunzip_stops_at_the_cap(small_budget):
    assert budget.gunzip(gzip.compress(b"abc" * 1000), "f.gz") == b"abc" * 1000
    bomb = gzip.compress(bytes(8 * 2**20))
    with pytest.raises(FileFormatError, match="inflates to more than 1.0 MiB"):
        budget.gunzip(bomb, "f.gz")
    with pytest.raises(FileFormatError, match="damaged gzip"):
        budget.gunzip(bomb[:100], "f.gz")


def test_a_gzipped_idx_file_stops_inflating_at_what_its_header_declares(tmp_path):
    header = b"\0\0\x08\x03" + (2).to_bytes(4, "big") * 3  # 2 images of 2x2
    (tmp_path / "images.gz").write_bytes(gzip.compress(header + bytes(16 * 2**20)))
    (tmp_path / "labels").write_bytes(b"\0\0\x08\x01" + (2).to_bytes(4, "big") + bytes(2))
    spec = {"format": "mnist", "images": "images.gz", "labels": "labels"}
    with pytest.raises(
        DatasetError, match=r"inflates to more than 24 bytes, what its header declares"
    ):
        load_dataset(spec, base_dir=tmp_path)
    (tmp_path / "images.gz").write_bytes(gzip.compress(header + bytes(8)))
    assert len(load_dataset(spec, base_dir=tmp_path)) == 2


def test_a_zip_member_lying_about_its_size_is_refused_before_reading():
    raw = zip_bytes({"a.npy": npy_header((4,)) + bytes(32)})
    lying = zipfile.ZipFile(io.BytesIO(patch_declared_size(raw, "a.npy", 2**31)))
    with lying, pytest.raises(FileFormatError, match="more than compression can give"):
        budget.member_info(lying, "a.npy", "f.npz")


def test_npz_headers_give_shapes_without_values_and_values_are_checked():
    buffer = io.BytesIO()
    np.savez(
        buffer, a=np.arange(6.0).reshape(2, 3), b=np.asfortranarray(np.ones((2, 2), np.float32))
    )
    headers = npz_headers(buffer.getvalue(), "f.npz")
    assert headers["a"].shape == (2, 3) and headers["a"].nbytes == 48
    arrays = read_npz(buffer.getvalue(), "f.npz")
    np.testing.assert_array_equal(arrays["a"], np.arange(6.0).reshape(2, 3))
    assert arrays["b"].flags.f_contiguous and arrays["a"].flags.writeable
    short = zip_bytes({"a.npy": npy_header((4,)) + bytes(8)})  # declares 32 bytes, holds 8
    with pytest.raises(FileFormatError, match=r"declares shape \(4,\).*but holds 8 bytes"):
        npz_headers(short, "f.npz")


def test_describe_loading_reads_headers_only(tmp_path):
    doc = open_graph("cnn-digits")
    graph = doc.compile()
    doc.set_params(graph.params)
    save_document(doc, tmp_path / "p.graphlab")
    light = load_document(tmp_path / "p.graphlab", arrays=False)
    assert light.params == {} and set(light.nodes) == set(doc.nodes)
    assert set(load_document(tmp_path / "p.graphlab").params) == set(doc.params)


def test_the_cifar_unpickler_refuses_deep_or_huge_pickles(tmp_path):
    deep = tmp_path / "data_batch_1"
    nested: list = []
    for _ in range(40):
        nested = [nested, 1]
    deep.write_bytes(pickle.dumps({b"data": nested, b"labels": [0]}, protocol=2))
    with pytest.raises(DatasetError, match="levels of nesting"):
        load_dataset({"format": "cifar10", "path": str(deep)})


def test_an_unexpected_error_is_one_line_status_3_with_a_logged_traceback(
    tmp_path, monkeypatch, capsys
):
    from graphlab import commands

    def broken(graph, arrays=True):
        raise RuntimeError("a bug\nsecond line")

    monkeypatch.setenv("GRAPHLAB_LOG_DIR", str(tmp_path))
    monkeypatch.setattr(commands, "open_graph", broken)
    assert main(["describe", "cnn-digits"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError: a bug" in err and str(tmp_path) in err
    assert "Traceback" in (tmp_path / "graphlab-errors.log").read_text()


def test_memory_limit_option_reaches_every_loader(capsys):
    assert main(["--memory-limit", "1K", "describe", "cnn-digits"]) == 2
    assert "over the memory budget of 1.0 KiB" in capsys.readouterr().err
    assert budget.memory_limit() == budget.default_limit()  # reset after the command
