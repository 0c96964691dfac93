"""Reading raw TOML values one at a time, recording an error with its fix instead of stopping.

Readers return the value when it is usable and None otherwise, so the caller carries on and the
person editing the table sees every problem in one run.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


@dataclass
class Problems:
    """Every error found so far, each a sentence that ends with its fix."""

    errors: list[str] = field(default_factory=list)

    def add(self, sentence: str) -> None:
        self.errors.append(sentence)


@dataclass(frozen=True)
class Kind(Generic[T]):
    """A type `T` a value must have (with any further condition), and how an error message names it."""

    description: str
    accepts: Callable[[Any], bool]


def _number(value: Any) -> bool:
    # TOML booleans are Python bools, which are ints: `timeout = true` is not a number of seconds.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


TEXT: Kind[str] = Kind("a non-empty string", lambda value: isinstance(value, str) and value != "")
SECONDS: Kind[float] = Kind("a number of seconds greater than 0", lambda value: _number(value) and value > 0)
RATE: Kind[float] = Kind("a number of requests per second greater than 0",
                         lambda value: _number(value) and value > 0)
COUNT: Kind[int] = Kind("a whole number of at least 1", lambda value: _integer(value) and value >= 1)
BOOLEAN: Kind[bool] = Kind("true or false", lambda value: isinstance(value, bool))
SHARE: Kind[float] = Kind("a number above 0 and below 1", lambda value: _number(value) and 0 < value < 1)
RATIO: Kind[float] = Kind("a number of at least 1", lambda value: _number(value) and value >= 1)
TABLE: Kind[dict[str, Any]] = Kind("a table", lambda value: isinstance(value, dict))
STRINGS: Kind[list[str]] = Kind(
    "an array of strings",
    lambda value: isinstance(value, list) and all(isinstance(item, str) for item in value),
)
STRING_TABLE: Kind[dict[str, str]] = Kind(
    'a table of strings, e.g. { "x-canary" = "1" }',
    lambda value: isinstance(value, dict) and all(isinstance(item, str) for item in value.values()),
)
ROUTE_ARRAY: Kind[list[dict[str, Any]]] = Kind(
    "an array of tables, written as [[routes]] sections",
    lambda value: isinstance(value, list) and all(isinstance(item, dict) for item in value),
)


def read(entry: Mapping[str, Any], key: str, kind: Kind[T], where: str, problems: Problems) -> T | None:
    """`entry[key]` when it is present and of `kind`; None otherwise, recording an error if present."""
    if key not in entry:
        return None
    value = entry[key]
    if kind.accepts(value):
        return cast(T, value)
    problems.add(f"{where}: {key} must be {kind.description}, got {describe(value)}")
    return None


def describe(value: Any) -> str:
    """A TOML value as a person wrote it, for 'got ...' in a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return repr(value)


def check_keys(
    entry: Mapping[str, Any],
    where: str,
    problems: Problems,
    *,
    known: Collection[str],
    required: Mapping[str, str],
    hints: Mapping[str, str] | None = None,
) -> None:
    """Record unknown keys (naming the key likely meant) and missing ones (`required`: key -> example)."""
    meant: set[str] = set()
    for key in entry:
        if key not in known:
            likely = difflib.get_close_matches(key, known, n=1)
            meant.update(likely)
            problems.add(f"{where}: {_unknown_key(key, known, likely, hints or {})}")
    for key, example in required.items():
        # A typo such as `upstrem` already said what is wrong; "missing 'upstream'" would repeat it.
        if key not in entry and key not in meant:
            problems.add(f"{where}: missing required key '{key}'; add {example}")


def _unknown_key(key: str, known: Collection[str], likely: list[str], hints: Mapping[str, str]) -> str:
    if key in hints:
        return f"unknown key '{key}'; {hints[key]}"
    if likely:
        return f"unknown key '{key}'; did you mean '{likely[0]}'?"
    return f"unknown key '{key}'; known keys: {', '.join(known)}"
