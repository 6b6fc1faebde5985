"""Fuzzing the loader: random, mutated and truncated files give FileFormatError and nothing else."""

import contextlib
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import FileFormatError
from graphlab.examples import EXAMPLES_DIR
from graphlab.fileformat import document_from_bytes, load_document, save_document

EXAMPLE = json.loads((EXAMPLES_DIR / "sigmoid-neuron.json").read_text())
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(value, prefix=()):
    """Every (path, value) inside a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


ALL_PATHS = list(paths(EXAMPLE))[1:]


def loads_or_refuses(raw: bytes) -> None:
    try:
        document_from_bytes(raw, "fuzz.json")
    except FileFormatError as exc:
        assert str(exc).startswith("fuzz.json: ")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_PATHS), json_values)
def test_mutated_documents(path, value):
    data = json.loads(json.dumps(EXAMPLE))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    loads_or_refuses(json.dumps(data).encode())


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_random_documents(value):
    loads_or_refuses(json.dumps(value).encode())
    loads_or_refuses(json.dumps({"format": "graphlab", "version": 1, "nodes": value}).encode())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes(raw):
    loads_or_refuses(raw)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(0, 10_000), flip=st.integers(0, 10_000))
def test_truncated_and_corrupted_projects(tmp_path, cut, flip):
    from graphlab.examples import open_graph

    good = tmp_path / "good.graphlab"
    if not good.exists():
        save_document(open_graph("two-layer-net-spiral"), good)
    raw = bytearray(good.read_bytes())
    bad = tmp_path / "bad.graphlab"
    if flip < len(raw):
        raw[flip] ^= 0xFF
    bad.write_bytes(bytes(raw[: max(1, cut % len(raw))]))
    with contextlib.suppress(FileFormatError):
        load_document(bad)
