"""Rendering a rule's message for a finding, cheaply: bulk runs meet the same few mistakes in
thousands of posts.

Each rule gets one renderer, made on first use: the message split once around its placeholders,
"did you mean" worked out once per distinct key (and the rule's choices), and whole messages
kept per distinct key (and short scalar value), up to `MEMO_SIZE` of them per rule (a full memo
starts over, so it follows what a run meets now), so memory stays flat however many posts are
checked. `{value}` shows at most `VALUE_CHARS` characters,
and costs no more than those, however large the value.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ._conditions import json_type, leaves
from ._suggest import did_you_mean

if TYPE_CHECKING:
    from ._rule import Rule

Key = str | int | None
Renderer = Callable[[Any, Key], str]

PLACEHOLDERS = ("value", "length", "key", "type", "suggestion", "expected")
PLACEHOLDER = re.compile(r"\{(\w*)\}")
MEMO_SIZE = 256  # whole messages kept per rule
VALUE_CHARS = 60  # what {value} shows at most
_MEMO_STRING_CHARS = 100  # longer string values are not kept as memo keys
_SCALARS = (str, int, bool, type(None))  # memo keys compare exactly (no floats: 0.0 == -0.0)
_encode_string: Callable[[str], str] = json.encoder.encode_basestring


def message_renderer(rule: Rule) -> Renderer:
    """A function (value, key) -> the rule's message with its placeholders filled."""
    parts = PLACEHOLDER.split(rule.message)
    if len(parts) == 1:
        text = parts[0]
        return lambda value, key: text
    fillers = {name: _filler(rule, name) for name in parts[1::2]}
    memo_key = _memo_key(fillers.keys())
    memo: dict[Any, str] = {}

    def render(value: Any, key: Key) -> str:
        known = memo_key(value, key)
        text = None if known is None else memo.get(known)
        if text is None:
            pieces = parts[:]
            for index in range(1, len(parts), 2):
                pieces[index] = fillers[parts[index]](value, key)
            text = "".join(pieces)
            if known is not None:
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                memo[known] = text
        return text

    return render


def _memo_key(names: Iterable[str]) -> Callable[[Any, Key], Any]:
    """What a message depends on, as a dictionary key; None when it is not worth keeping
    (a float, a long string, a container shown by {value})."""
    used = set(names)
    if "value" in used:

        def by_value(value: Any, key: Key) -> Any:
            kind = type(value)
            if kind in _SCALARS and not (kind is str and len(value) > _MEMO_STRING_CHARS):
                return (key, kind, value)
            return None

        return by_value
    length, type_ = "length" in used, "type" in used
    if not length and not type_:
        return lambda value, key: key
    return lambda value, key: (
        key,
        _length(value) if length else None,
        json_type(value) if type_ else None,
    )


def _length(value: Any) -> str:
    return str(len(value)) if isinstance(value, str | list | dict) else "?"


def _filler(rule: Rule, name: str) -> Renderer:
    if name == "value":
        return lambda value, key: short_json(value)
    if name == "length":
        return lambda value, key: _length(value)
    if name == "key":
        return lambda value, key: "" if key is None else str(key)
    if name == "type":
        return lambda value, key: json_type(value)
    if name == "suggestion":
        return _suggestion(rule.names)
    if name == "expected":
        expected: dict[str, str] = {}
        for leaf in leaves(rule.then):
            if leaf.operator == "types_by_key":
                for member, types in leaf.argument.items():
                    expected.setdefault(member, " or ".join(types))
        return lambda value, key: expected.get(key, "") if isinstance(key, str) else ""
    text = "{" + name + "}"  # not a placeholder: the rule file checks refuse it, callers may not
    return lambda value, key: text


def _suggestion(choices: tuple[str, ...]) -> Renderer:
    """' (did you mean 'boardId'?)', once per distinct key."""
    known: dict[str, str] = {}

    def suggest(value: Any, key: Key) -> str:
        if not isinstance(key, str):
            return ""
        text = known.get(key)
        if text is None:
            close = did_you_mean(key, choices)
            text = f" (did you mean '{close}'?)" if close else ""
            if len(known) >= MEMO_SIZE:
                known.clear()
            known[key] = text
        return text

    return suggest


def short_json(value: Any, limit: int = VALUE_CHARS) -> str:
    """The value as JSON (`json.dumps`, non-JSON values by their repr), cut to `limit`
    characters with an ellipsis; only as much of the value is looked at as can be shown."""
    if type(value) is str:  # the common case, without the general writer
        text = _encode_string(value if len(value) <= limit else value[:limit])
    else:
        text = _bounded_json(value, limit)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    # JSON may hold unpaired surrogates ("\udfaa"); keep them visible but printable
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class _Full(Exception):
    """More than the limit is written: the rest cannot be shown."""


def _bounded_json(value: Any, limit: int) -> str:
    """`json.dumps(value, ensure_ascii=False, default=repr)` when that has at most `limit`
    characters, else a prefix of it longer than `limit`. Stops writing once past the limit,
    so a huge, deep or circular value costs no more than what is shown."""
    pieces: list[str] = []
    size = 0

    def put(text: str) -> None:
        nonlocal size
        pieces.append(text)
        size += len(text)
        if size > limit:
            raise _Full

    def string(text: str) -> None:
        put(_encode_string(text if len(text) <= limit else text[:limit]))

    def write(item: Any) -> None:
        # the order of json.encoder's checks, so that subclasses (IntEnum, bool) come out alike
        if isinstance(item, str):
            string(item)
        elif item is None:
            put("null")
        elif item is True:
            put("true")
        elif item is False:
            put("false")
        elif isinstance(item, int):
            put(_integer(item))
        elif isinstance(item, float):
            put(_float(item))
        elif isinstance(item, list | tuple):
            put("[")
            for index, member in enumerate(item):
                if index:
                    put(", ")
                write(member)
            put("]")
        elif isinstance(item, dict):
            put("{")
            for index, (name, member) in enumerate(item.items()):
                if index:
                    put(", ")
                string(_key_text(name))
                put(": ")
                write(member)
            put("}")
        else:
            string(repr(item))

    with contextlib.suppress(_Full):
        write(value)
    return "".join(pieces)


def _integer(number: int) -> str:
    try:
        return int.__repr__(number)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        return f"<an integer of about {int(number.bit_length() * 0.30103):,} digits>"


def _float(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return float.__repr__(number)


def _key_text(name: Any) -> str:
    """An object member's name as json.dumps writes it (other names, which it refuses, by repr)."""
    if isinstance(name, str):
        return name
    if isinstance(name, float):
        return _float(name)
    if name is True or name is False or name is None:
        return {True: "true", False: "false", None: "null"}[name]
    if isinstance(name, int):
        return _integer(name)
    return repr(name)
