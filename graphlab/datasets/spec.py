"""``load_dataset(spec)``: one JSON-friendly dict names a built-in set or a user's files.

{"name": "digits"}
{"name": "spiral", "classes": 3, "points": 100, "seed": 0}
{"format": "mnist", "images": PATH, "labels": PATH}
{"format": "cifar10", "path": BATCH_FILE_OR_FOLDER, "split": "train"}
{"format": "npz", "path": PATH}
{"format": "folder", "path": PATH, "size": [H, W]}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import DatasetError
from engine.ops.base import Attr
from graphlab.datasets.arrays import load_npz
from graphlab.datasets.builtin import BUILTINS
from graphlab.datasets.cifar import SPLITS, load_cifar10
from graphlab.datasets.folder import load_folder
from graphlab.datasets.mnist import load_mnist
from graphlab.datasets.options import validate_options
from graphlab.datasets.record import Dataset


@dataclass(frozen=True)
class FileFormat:
    """A kind of user data: the spec keys that hold paths, its options, and its loader."""

    name: str
    description: str
    paths: tuple[str, ...]
    options: tuple[Attr, ...]
    load: Callable[..., Dataset]


FORMATS: dict[str, FileFormat] = {
    f.name: f
    for f in (
        FileFormat("mnist", "MNIST IDX image and label files (raw or .gz)",
                   ("images", "labels"), (), load_mnist),
        FileFormat("cifar10", "CIFAR-10 batch file or folder (binary or python version)",
                   ("path",), (Attr("split", "choice", "train", choices=tuple(SPLITS)),),
                   load_cifar10),
        FileFormat("npz", "numpy .npz with arrays X and y (optional class_names)",
                   ("path",), (), load_npz),
        FileFormat("folder", "folder of images, one subfolder per class",
                   ("path",), (Attr("size", "ints", None, "resize every image to [H, W]"),),
                   load_folder),
    )
}  # fmt: skip


def dataset_formats() -> list[tuple[str, str]]:
    """(format, one-line description) of every file format load_dataset reads."""
    return [(f.name, f.description) for f in FORMATS.values()]


def load_dataset(spec: Mapping[str, Any], base_dir: str | Path | None = None) -> Dataset:
    """The dataset ``spec`` describes; relative paths are taken from ``base_dir`` (or the
    current folder). Raises DatasetError naming the key, file or value that is wrong."""
    if not isinstance(spec, Mapping):
        raise DatasetError(
            f"a dataset spec is a dict such as {{'name': 'digits'}}, got {type(spec).__name__}"
        )
    if ("name" in spec) == ("format" in spec):
        raise DatasetError(
            "a dataset spec needs exactly one of 'name' (built in: "
            f"{', '.join(BUILTINS)}) or 'format' (files: {', '.join(FORMATS)})"
        )
    if "name" in spec:
        builtin = _lookup(BUILTINS, spec["name"], "built-in dataset")
        options = validate_options(spec, builtin.options, f"dataset {builtin.name!r}", ["name"])
        return builtin.make(**options)
    fmt = _lookup(FORMATS, spec["format"], "dataset format")
    where = f"dataset format {fmt.name!r}"
    options = validate_options(spec, fmt.options, where, ["format", *fmt.paths])
    missing = [key for key in fmt.paths if key not in spec]
    if missing:
        raise DatasetError(f"{where} needs {' and '.join(repr(k) for k in missing)} (a path)")
    base = Path(base_dir) if base_dir is not None else Path()
    paths = [_path(spec[key], key, base, where) for key in fmt.paths]
    return fmt.load(*paths, **options)


def _lookup(table: Mapping[str, Any], key: Any, what: str):
    if not isinstance(key, str) or key not in table:
        raise DatasetError(f"unknown {what} {key!r}; known: {', '.join(table)}")
    return table[key]


def _path(value: Any, key: str, base: Path, where: str) -> Path:
    if not isinstance(value, str) or not value:
        raise DatasetError(f"{where}: {key!r} must be a path string, got {value!r}")
    return base / Path(value).expanduser()
