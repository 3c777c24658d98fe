"""JSON post text to a JSON value, under the reader's limits.

`json.loads` in C does the reading; around it:

- nesting (at most MAX_DEPTH levels) and size (at most MAX_NODES values, keys included) are
  checked before it, with a scan that runs only when the text is long enough or has brackets
  enough to pass a limit, so that no deep recursion or large tree is ever started;
- NaN and Infinity, numbers too large for a float and integers of more than MAX_INT_DIGITS
  digits are refused;
- a key given twice is an error: the second one would silently win.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from typing import Any

from ._errors import PinrulesError
from ._positions import json_duplicate_key
from ._text import MAX_DEPTH, MAX_INT_DIGITS, MAX_NODES, abridged, located, too_deep, too_many

# A string ends at its closing quote or, unclosed, at the end of its line (JSON strings hold no
# line break): every match moves forward, so scans stay linear on any text.
_STRING = r'"(?:[^"\\\n]|\\.)*"?'
# Every value and key starts one of these tokens; closing brackets end a level.
# (compiled when first needed: a few ms at start-up, for long texts and errors only)


@cache
def _value_or_close() -> re.Pattern[str]:
    return re.compile(_STRING + r"|[\[{\]}]|[-0-9][-+.0-9eE]*|true|false|null|NaN|Infinity")


@cache
def _string_or_number() -> re.Pattern[str]:
    return re.compile(_STRING + r"|([-+0-9.eE]+|NaN|-?Infinity)")


class _DuplicateKeyError(PinrulesError):
    pass


class _NotANumberError(PinrulesError):
    pass


class _LongIntegerError(PinrulesError):
    pass


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKeyError
    return result


def _refuse_constant(name: str) -> float:
    raise _NotANumberError(name)


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotANumberError(text)
    return number


def _short_integer(text: str) -> int:
    if len(text) - text.startswith("-") > MAX_INT_DIGITS:
        raise _LongIntegerError(text)
    return int(text)


def parse_json(text: str) -> Any:
    _check_limits(text)
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_object,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_short_integer,
        )
    except json.JSONDecodeError as error:
        before = text[: error.pos].rstrip()
        hint = (
            " (a trailing comma?)" if before.endswith(",") and text[error.pos : error.pos + 1] in "]}" else ""
        )
        raise located(f"invalid JSON: {error.msg}{hint}", text, error.pos) from None
    except _DuplicateKeyError:
        key, offset = json_duplicate_key(text)
        raise located(f"the key {key!r} appears twice in one object; keep one", text, offset) from None
    except _NotANumberError as error:
        raise located(
            f"{abridged(str(error))} is not a JSON number; use a finite number or a string",
            text,
            _number_offset(text, str(error)),
        ) from None
    except _LongIntegerError as error:
        raise located(
            f"the integer {abridged(str(error))} has more than {MAX_INT_DIGITS} digits; "
            "write it as a string to keep it",
            text,
            _number_offset(text, str(error)),
        ) from None


def _check_limits(text: str) -> None:
    """Refuse a text that nests deeper than MAX_DEPTH or holds more than MAX_NODES values, at
    the first value past the limit."""
    openers = text.count("[") + text.count("{")
    if openers <= MAX_DEPTH and (
        len(text) < 2 * MAX_NODES  # each value takes two characters at least: "1,", "[]", '""'
        or 1 + openers + text.count(",") + text.count(":") <= MAX_NODES  # each value follows one
    ):
        return
    depth = values = 0
    for match in _value_or_close().finditer(text):
        at = match.start()
        if text[at] in "]}":
            depth -= 1
            continue
        values += 1
        if values > MAX_NODES:
            raise too_many(text, at)
        if text[at] in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise too_deep(text, at)


def _number_offset(text: str, token: str) -> int:
    """Offset of the first bare (not quoted) occurrence of a number or constant."""
    for match in _string_or_number().finditer(text):
        if match.group(1) == token:
            return match.start()
    return 0
