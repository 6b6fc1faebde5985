"""Arguments shared by the ``graphlab`` subcommands, and the one set of value types they use.

Every number an option takes is checked here, at parse time: a value out of range is refused
with the option's name and the allowed range (argparse prefixes ``argument --NAME:``), and the
command exits with status 2 before anything runs. A value that starts with ``-`` is given in
the ``--option=VALUE`` form (``--lr=-1:1``), which argparse never mistakes for an option.
"""

from __future__ import annotations

import argparse
import math

from engine.backend import DEVICES

#: largest count any option accepts (a batch above the data's size means all of it)
MAX_COUNT = 2**31 - 1
#: seeds are 63-bit: numpy and the file format both take them
SEED_LIMIT = 2**63

#: the exit status of a command stopped by Ctrl+C (128 + SIGINT, as shells report it)
INTERRUPTED = 130

DASH_NOTE = "; a value starting with '-' goes in the --option=VALUE form"


def _int(text: str, low: int, high: int) -> int:
    try:
        value = int(text.strip(), 10)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from {low} to {high}, got {text!r}"
        )
    return value


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def int_between(low: int, high: int = MAX_COUNT):
    """The type of an option taking a whole number in [low, high]."""

    def whole_number(text: str) -> int:
        return _int(text, low, high)

    return whole_number


positive_int = int_between(1)
non_negative_int = int_between(0)


def seed(text: str) -> int:
    """A random seed: a whole number in [0, 2^63)."""
    try:
        return _int(text, 0, SEED_LIMIT - 1)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a seed from 0 to 2^63-1, got {text!r}"
        ) from None


def fraction_between(zero: bool, one: bool):
    """The type of an option taking a fraction between 0 and 1, each end included or not."""
    low = "from 0" if zero else "above 0"
    high = ("and at most 1" if not zero else "to 1") if one else "up to (not including) 1"

    def fraction(text: str) -> float:
        value = _float(text)
        if value is None or not (
            (value >= 0.0 if zero else value > 0.0) and (value <= 1.0 if one else value < 1.0)
        ):
            raise argparse.ArgumentTypeError(f"expected a fraction {low} {high}, got {text!r}")
        return value

    return fraction


def positive_float(text: str) -> float:
    """A finite number above 0."""
    value = _float(text)
    if value is None or not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number above 0, got {text!r}")
    return value


def log_range(text: str) -> str:
    """``LO:HI`` for a log-space draw, checked (0 < LO <= HI, both finite) and kept as text."""
    from graphlab.search import range_problem

    result = range_problem(text)
    if isinstance(result, str):
        raise argparse.ArgumentTypeError(result)
    return text


def key_range(text: str) -> tuple[str, str]:
    """``KEY=LO:HI``: a name and its log-space range (checked by :func:`log_range`)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(
            f"expected NODE.ATTR=LO:HI, e.g. conv1.stride=1:3, got {text!r}"
        )
    log_range(value)
    return key.strip(), value


def int_list(text: str) -> list[int]:
    """Comma-separated whole numbers >= 1, e.g. ``1,3,5``."""
    try:
        values = [_int(part, 1, MAX_COUNT) for part in text.split(",")]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers from 1 to {MAX_COUNT} separated by commas, e.g. 1,3,5, got {text!r}"
        ) from None
    return values


def add_command(sub, name: str, handler, help: str, description: str | None = None):
    """The subcommand ``name`` of the subparsers ``sub``, run by ``handler(args) -> status``
    (None: a command of subcommands); ``help`` is its line in the parent's --help,
    ``description`` opens its own. Returns its parser, for its arguments."""
    parser = sub.add_parser(name, help=help, description=description)
    if handler is not None:
        parser.set_defaults(handler=handler)
    return parser


def add_json_argument(parser, help: str = "machine-readable output") -> None:
    """--json: print the result as JSON instead of tables."""
    parser.add_argument("--json", action="store_true", help=help)


def add_graph_argument(parser) -> None:
    """The GRAPH positional argument every graph command takes."""
    parser.add_argument("graph", metavar="GRAPH", help="a graph file or a bundled example's name")


def add_device_argument(parser) -> None:
    """--device cpu|cuda (cuda without cupy or a GPU is a one-line error, exit 2)."""
    parser.add_argument(
        "--device", choices=DEVICES, default="cpu", help="where to compute (default cpu)"
    )


def add_seed_argument(parser, help: str, default: int | None = 0) -> None:
    """--seed in [0, 2^63)."""
    shown = "" if default is None else f" (default {default})"
    parser.add_argument(
        "--seed", type=seed, default=default, metavar="S", help=f"{help}, 0 to 2^63-1{shown}"
    )


#: ``--augment`` words -> the file format's ``dataset.augment`` keys (the same where not named)
AUGMENT_KEYS = {"crop": "crop_padding"}
AUGMENT_EXAMPLE = "flip,crop=2,translate=0.1,rotate=10,scale=0.1,shear=5"


def augment_spec(text: str) -> dict:
    """``flip,crop=2,translate=0.1,rotate=10,scale=0.1,shear=5`` -> a ``dataset.augment`` dict,
    checked against the augmentation's options; ``none`` -> {} (no augmentation)."""
    from engine.errors import DatasetError
    from graphlab.datasets.augment import Augmentation

    if text.strip().lower() == "none":
        return {}
    spec: dict = {}
    for item in text.split(","):
        word, sep, value = (part.strip() for part in item.partition("="))
        key = AUGMENT_KEYS.get(word, word)
        if key == "flip" and not sep:
            spec[key] = True
            continue
        number = _float(value) if sep else None
        if number is None:
            raise argparse.ArgumentTypeError(
                f"{item.strip()!r} is not OPTION=NUMBER (expected e.g. {AUGMENT_EXAMPLE})"
            )
        spec[key] = int(number) if key == "crop_padding" and number.is_integer() else number
    try:
        return Augmentation.from_spec(spec).to_spec()
    except DatasetError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("crop_padding", "crop")) from None
