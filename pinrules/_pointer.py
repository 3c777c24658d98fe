"""JSON pointers (RFC 6901) as tuples of tokens, and the path forms rule files use.

A located value is addressed by a tuple: ``("media", 0, "url")`` is ``/media/0/url``.
Object members are ``str`` tokens and array items are ``int`` tokens.

Rule files write paths as strings:

- ``/kind`` is relative to the subject a rule is looking at,
- ``$/options/pinterest/boardId`` starts at the post,
- ``@/defaultBoardId`` starts at the account's defaults,
- in ``given`` only, ``*`` stands for every member of an object or item of an array.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from ._errors import InvalidPointer

Token = str | int
Pointer = tuple[Token, ...]
WILDCARD = "*"
_ARRAY_INDEX = re.compile("0|[1-9][0-9]*")  # [0-9], not \\d: only ASCII digits

Base = Literal["subject", "post", "account"]
_BASE_BY_PREFIX: dict[str, Base] = {"$": "post", "@": "account"}


_RENDERED: dict[Pointer, str] = {}
_RENDERED_SIZE = 4096  # the pointers of a bulk run repeat: kept up to this many (then afresh)


def to_pointer(tokens: Pointer) -> str:
    """Render tokens as an RFC 6901 pointer string ('' is the whole document)."""
    text = _RENDERED.get(tokens)
    if text is None:
        text = "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)
        if len(_RENDERED) >= _RENDERED_SIZE:
            _RENDERED.clear()
        _RENDERED[tokens] = text
    return text


def is_array_index(token: str) -> bool:
    """RFC 6901's array index: "0", or ASCII digits without a leading zero.

    Anything else (Unicode digits such as "²" or "٣", "01", "-1") names an object member."""
    return _ARRAY_INDEX.fullmatch(token) is not None


def split_pointer(text: str) -> tuple[str, ...]:
    """Split an RFC 6901 pointer string into unescaped tokens; raise InvalidPointer if malformed."""
    if text == "":
        return ()
    if not text.startswith("/"):
        raise InvalidPointer(f"a JSON pointer starts with '/' (got {text!r})")
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in text[1:].split("/"))


class Path(NamedTuple):
    """A path of a condition: where it starts and the tokens that follow."""

    base: Base
    tokens: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Path:
        base = _BASE_BY_PREFIX.get(text[:1])
        if base is None:
            return cls("subject", split_pointer(text))
        return cls(base, split_pointer(text[1:]))

    def __str__(self) -> str:
        prefix = {"subject": "", "post": "$", "account": "@"}[self.base]
        return prefix + to_pointer(self.tokens)


def step(node: object, token: str) -> object:
    """One pointer step: a member of an object, or an item of an array for a decimal token."""
    if isinstance(node, dict):
        return node.get(token, MISSING)
    if isinstance(node, list) and is_array_index(token):
        index = int(token)
        return node[index] if index < len(node) else MISSING
    return MISSING


def located(node: object, tokens: tuple[str, ...]) -> tuple[Token, ...]:
    """Tokens as a pointer: decimal tokens that step into an array become item indexes."""
    pointer: list[Token] = []
    for token in tokens:
        is_index = isinstance(node, list) and is_array_index(token)
        pointer.append(int(token) if is_index else token)
        node = step(node, token)
    return tuple(pointer)


class _Missing:
    """The value of a path that leads nowhere (distinct from JSON null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()
