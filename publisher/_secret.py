"""Tokens are secrets: a wrapper that never shows its value in a repr, a str or a log line."""

from __future__ import annotations

import re

from ._errors import NoCredentials, NotPicklable


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


# what an OAuth bearer token is made of (RFC 6750 b64token): no space, line break or control
# character can reach the Authorization header
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*", re.ASCII)


def checked_token(value: str, where: str) -> Secret:
    """`value` as a token, or NoCredentials saying what is wrong with it (never showing it)."""
    if _BEARER_TOKEN.fullmatch(value) is None:
        raise NoCredentials(
            f"{where} is not an access token: it holds a line break, a space or another character "
            "tokens never have; copy the token again"
        )
    return Secret(value)
