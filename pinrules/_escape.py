"""Text from posts made safe to print: no control character reaches a terminal or a CI log.

Diagnostics quote what posts hold (keys, values) and name files as the file system spells them.
A key such as "\\x1b[31m" or "\\r\\n::error file=x::forged" would otherwise colour a terminal or
forge a line of GitHub's workflow commands, a lone surrogate (JSON allows "\\udfaa") cannot be
written as UTF-8 at all, and a file name that is not UTF-8 arrives as surrogate escapes.

- `visible` (text, GitHub, JUnit): control characters, line and paragraph separators,
  bidirectional overrides and lone surrogates become backslash escapes (`\\x1b`, `\\u2028`);
  tabs stay.
- `json_text` (JSON, SARIF, GitLab): lone surrogates become backslash text (JSON cannot carry
  them as UTF-8); the rest is left to `json_dumps`, which escapes every control character.
- `file_name`: a file name as bytes decoded (undecodable bytes as `\\xe9`), made visible.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from typing import Any

# compiled when first needed (a run with nothing to report prints none of them)


@cache
def _unsafe() -> re.Pattern[str]:
    """C0 (but tab) and DEL, C1, line and paragraph separators, bidirectional controls, and
    the two non-characters XML 1.0 refuses."""
    return re.compile(
        "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
    )


@cache
def _surrogate() -> re.Pattern[str]:
    return re.compile("[\ud800-\udfff]")


@cache
def _json_unsafe() -> re.Pattern[str]:
    """What json.dumps(ensure_ascii=False) leaves as it is but a terminal or a JS parser may trip on."""
    return re.compile("[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every character that could act on a terminal or log written as an escape."""
    text = _surrogate().sub(_escape, text)
    return _unsafe().sub(_escape, text)


def decoded_name(name: str) -> str:
    """A file name with the bytes that are not UTF-8 (surrogate escapes) written as \\xNN."""
    try:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is not an undecodable byte: left to the callers
        return name


def file_name(name: str) -> str:
    """A file name as the user would type it: undecodable bytes as \\xNN, controls escaped."""
    return visible(decoded_name(name))


def json_text(text: str) -> str:
    """`text` with lone surrogates as backslash text: every other character is valid in JSON."""
    return _surrogate().sub(_escape, text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return json_text(value)
    if isinstance(value, dict):
        return {json_text(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def json_dumps(value: Any) -> str:
    """Indented JSON that is always valid UTF-8: no lone surrogate, and the characters a
    terminal or JavaScript would act on (C1 controls, U+2028, bidirectional overrides) escaped
    as \\uXXXX (which JSON parsers read back as the same characters)."""
    text = json.dumps(_clean(value), indent=2, ensure_ascii=False)
    return _json_unsafe().sub(lambda m: f"\\u{ord(m.group()):04x}", text)
