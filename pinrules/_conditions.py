"""The condition language of rule files: a small, closed set of operators over paths.

A condition is a leaf ``{path: P, <operator>: argument}`` (``path`` defaults to the subject
itself) or a combination: ``{all: [...]}``, ``{any: [...]}``, ``{not: ...}``.

What a leaf says about a path that leads nowhere is part of its meaning:
``exists`` answers the question, ``equals`` and ``in`` are false (a missing value is not
"video"), and the constraints (``type``, lengths, bounds, ``pattern``, ``format``) hold
vacuously, as JSON Schema keywords do: "at most 100 characters" is true of no title.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ._pointer import MISSING, Path

OPERATORS = (
    "exists",
    "type",
    "equals",
    "in",
    "min_length",
    "max_length",
    "minimum",
    "maximum",
    "pattern",
    "format",
    "key_in",
    "types_by_key",
)
COMBINATORS = ("all", "any", "not")
TYPE_NAMES = ("string", "number", "integer", "boolean", "object", "array", "null")


def json_type(value: object) -> str:
    """The JSON name of a Python value's type ('integer' for whole numbers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number" if math.isfinite(value) else "non-finite number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def has_type(value: object, name: str) -> bool:
    found = json_type(value)
    return found == name or (name == "number" and found == "integer")


def has_any_type(value: object, names: tuple[str, ...]) -> bool:
    return any(has_type(value, name) for name in names)


def is_number(value: object) -> bool:
    """A JSON number: not a boolean, and finite (NaN can only come from a Python caller)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool)


def json_equal(left: object, right: object) -> bool:
    """Equality of JSON scalars: 1 == 1.0, but true is not 1."""
    if is_number(left) and is_number(right):
        return left == right
    return type(left) is type(right) and left == right


def json_in(value: object, choices: tuple[object, ...]) -> bool:
    return any(json_equal(value, choice) for choice in choices)


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII)


def is_rfc3339(text: str) -> bool:
    """An RFC 3339 date-time with an explicit offset ('Z' or '+01:00'), and a real date."""
    if _RFC3339.fullmatch(text) is None:
        return False
    from datetime import datetime  # noqa: PLC0415 - 1 ms at start-up, for posts with a date only

    try:
        datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")
# the common case, settled without urlsplit: a plain host name and no port or user
_PLAIN_HTTP_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?:[/?#][^\x00-\x20\x7f]*)?", re.ASCII)


def is_http_url(text: str) -> bool:
    """An absolute http or https URL with a host and no spaces or control characters."""
    if _PLAIN_HTTP_URL.fullmatch(text):
        return True
    if not text[:6].lower().startswith(("http:", "https:")):
        return False  # no other scheme passes: settled without urlsplit (a mistake costs no more)
    if _URL_FORBIDDEN.search(text):
        return False
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_digits(text: str) -> bool:
    """ASCII digits only (a regex '^[0-9]+$' would also accept a trailing newline)."""
    return text.isascii() and text.isdigit()


FORMATS: dict[str, Callable[[str], bool]] = {
    "http_url": is_http_url,
    "rfc3339": is_rfc3339,
    "digits": is_digits,
}


def types_match_key(key: str, value: object, types: dict[str, tuple[str, ...]]) -> bool:
    """True when `value` has one of the types listed for its member name (unlisted names pass)."""
    expected = types.get(key)
    return expected is None or has_any_type(value, expected)


@dataclass(frozen=True)
class Leaf:
    path: Path
    operator: str
    argument: Any


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Leaf | AllOf | AnyOf | Not


def parse_condition(data: dict[str, Any]) -> Condition:
    """Build a condition from its (already schema-validated) rule-file form."""
    if "all" in data:
        return AllOf(tuple(parse_condition(item) for item in data["all"]))
    if "any" in data:
        return AnyOf(tuple(parse_condition(item) for item in data["any"]))
    if "not" in data:
        return Not(parse_condition(data["not"]))
    (operator,) = (key for key in data if key != "path")
    argument = data[operator]
    if operator == "type":
        argument = (argument,) if isinstance(argument, str) else tuple(argument)
    elif operator in ("in", "key_in"):
        argument = tuple(argument)
    elif operator == "types_by_key":
        argument = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in argument.items()}
    return Leaf(Path.parse(data.get("path", "")), operator, argument)


def leaves(condition: Condition | None) -> list[Leaf]:
    """Every leaf of a condition, in order."""
    if condition is None:
        return []
    if isinstance(condition, Leaf):
        return [condition]
    if isinstance(condition, Not):
        return leaves(condition.item)
    return [leaf for item in condition.items for leaf in leaves(item)]


__all__ = ["MISSING", "Condition", "Leaf"]
