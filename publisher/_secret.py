"""Tokens are secrets: a wrapper that never shows its value in a repr, a str or a log line."""

from __future__ import annotations

from ._errors import NotPicklable


class Secret:
    """A secret string. Only `reveal()` gives the value, and only request code calls it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise NotPicklable("a Secret cannot be pickled")
