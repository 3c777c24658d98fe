"""Inline suppressions in YAML posts: `# pinrules: ignore[CODE]` or `ignore[CODE1, CODE2]`.

A comment silences the codes it names (or prefixes of them) for findings on its line, or whose
value's key is on its line (a finding in a list under `media:` is silenced by a comment on the
`media:` line). Only real comments count: the same text inside a quoted or block string is
part of the value. JSON has no comments: per-file-ignores and baselines serve there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from ._documents import Document
from ._selection import matches, unknown_code_hint

Pointer = tuple[str | int, ...]
_COMMENT = re.compile(r"(?:^|(?<=[ \t]))#[ \t]*pinrules:[ \t]*ignore\[([^\]\n]*)\]", re.MULTILINE)
_MARKER = "pinrules:"
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class UnknownCode:
    """A code in a suppression comment that no rule has, and where it is written."""

    code: str
    hint: str
    line: int
    column: int


@dataclass
class Suppressions:
    """The codes silenced on each line of one file."""

    by_line: dict[int, tuple[str, ...]] = field(default_factory=dict)
    unknown: list[UnknownCode] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_line)

    def covers(self, code: str, line: int, key_line: int | None = None) -> bool:
        for where in (line, key_line):
            if where is not None and any(matches(code, p) for p in self.by_line.get(where, ())):
                return True
        return False


def key_pointer(pointer: Pointer) -> Pointer:
    """The member whose value holds `pointer`'s value: /media for /media/1."""
    end = len(pointer)
    while end and isinstance(pointer[end - 1], int):
        end -= 1
    return pointer[:end]


def suppressions(document: Document, codes: Sequence[str]) -> Suppressions:
    """The suppression comments of a YAML document; codes that name no rule are `unknown`."""
    found = Suppressions()
    text = document.text
    if document.format != "yaml" or _MARKER not in text:
        return found  # the usual case, settled without a scan
    candidates = list(_COMMENT.finditer(text))
    if not candidates:
        return found
    strings = _scalar_spans(text)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for match in candidates:
        if any(start <= match.start() < end for start, end in strings):
            continue  # inside a string value, not a comment
        line = text.count("\n", 0, match.start()) + 1
        listed: list[str] = []
        offset = match.start(1)
        for part in match.group(1).split(","):
            code = part.strip()
            if code:
                column = offset + part.index(code) - starts[line - 1] + 1
                hint = unknown_code_hint(code, codes)
                if hint is None:
                    listed.append(code)
                else:
                    found.unknown.append(UnknownCode(code, hint, line, column))
            offset += len(part) + 1
        if listed:
            found.by_line[line] = (*found.by_line.get(line, ()), *listed)
    return found


def _scalar_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the quoted, block and plain strings of a YAML text."""
    spans = []
    try:
        for token in yaml.scan(text, Loader=_LOADER):
            if isinstance(token, yaml.ScalarToken):
                spans.append((token.start_mark.index, token.end_mark.index))
    except yaml.YAMLError:
        pass  # the document parsed, so this does not happen; no spans is the safe side
    return spans
