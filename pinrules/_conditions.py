"""The condition language of rule files: a small, closed set of operators over paths.

A condition is a leaf ``{path: P, <operator>: argument}`` (``path`` defaults to the subject
itself) or a combination: ``{all: [...]}``, ``{any: [...]}``, ``{not: ...}``.

What a leaf says about a path that leads nowhere is part of its meaning:
``exists`` answers the question, ``equals``, ``in`` and ``media_type_in`` are false (a
missing value is not "video"), and the constraints (``type``, lengths, bounds, ``pattern``, ``format``) hold
vacuously, as JSON Schema keywords do: "at most 100 characters" is true of no title.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ._formats import is_digits, is_http_url, is_rfc3339, is_upload_id
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
    "media_type_in",
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


FORMATS: dict[str, Callable[[str], bool]] = {
    "http_url": is_http_url,
    "rfc3339": is_rfc3339,
    "digits": is_digits,
    "upload_id": is_upload_id,
}


def types_match_key(key: str, value: object, types: dict[str, tuple[str, ...]]) -> bool:
    """True when `value` has one of the types listed for its member name (unlisted names pass)."""
    expected = types.get(key)
    return expected is None or has_any_type(value, expected)


class _Condition:
    """Equal by kind and fields, shown as built. (Plain classes: the lint path imports no
    dataclasses, see tests/test_boundary.py.)"""

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__match_args__)

    def __eq__(self, other: object) -> bool:
        return self._fields() == other._fields() if type(other) is type(self) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # arguments may be dicts

    def __repr__(self) -> str:
        return type(self).__name__ + repr(self._fields())


class Leaf(_Condition):
    __match_args__ = ("path", "operator", "argument")
    __slots__ = __match_args__

    def __init__(self, path: Path, operator: str, argument: Any) -> None:
        self.path, self.operator, self.argument = path, operator, argument


class AllOf(_Condition):
    __match_args__ = ("items",)
    __slots__ = __match_args__

    def __init__(self, items: tuple[Condition, ...]) -> None:
        self.items = items


class AnyOf(_Condition):
    __match_args__ = ("items",)
    __slots__ = __match_args__

    def __init__(self, items: tuple[Condition, ...]) -> None:
        self.items = items


class Not(_Condition):
    __match_args__ = ("item",)
    __slots__ = __match_args__

    def __init__(self, item: Condition) -> None:
        self.item = item


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
    elif operator == "media_type_in":
        argument = tuple(choice.lower() for choice in argument)  # compared as `media_type` names them
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
