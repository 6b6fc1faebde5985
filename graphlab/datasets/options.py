"""Validating the options of a JSON-friendly dict against Attr records (engine.ops.base)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.errors import AttrError, DatasetError
from engine.ops.base import Attr


def validate_options(
    values: Mapping[str, Any], attrs: Iterable[Attr], where: str, other_keys: Iterable[str] = ()
) -> dict[str, Any]:
    """Each attr's validated value, or its default when absent.

    Keys that are neither an attr nor in ``other_keys`` are refused, listing the allowed keys;
    a bad value raises DatasetError starting with ``where``.
    """
    known = {a.name: a for a in attrs}
    allowed = [*other_keys, *known]
    for key in values:
        if key not in allowed:
            raise DatasetError(f"{where} has no key {key!r}; allowed keys: {', '.join(allowed)}")
    try:
        return {
            name: attr.validate(values[name]) if name in values else attr.default
            for name, attr in known.items()
        }
    except AttrError as e:
        raise DatasetError(f"{where}: {e}") from None
