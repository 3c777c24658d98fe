"""Inline suppressions in YAML posts: `# pinrules: ignore[CODE]` or `ignore[CODE1, CODE2]`.

A comment silences the codes it names (or prefixes of them) for findings on its line, or whose
value's key is on its line (a finding in a list under `media:` is silenced by a comment on the
`media:` line). Only real comments count: the same text inside a quoted or block string is
part of the value. JSON has no comments: per-file-ignores and baselines serve there.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from typing import NamedTuple

from ._documents import Document
from ._selection import matches, unknown_code_hint

Pointer = tuple[str | int, ...]
_COMMENT = re.compile(r"(?:^|(?<=[ \t]))#[ \t]*pinrules:[ \t]*ignore\[([^\]\n]*)\]", re.MULTILINE)
_MARKER = "pinrules:"


class UnknownCode(NamedTuple):
    """A code in a suppression comment that no rule has, and where it is written."""

    code: str
    hint: str
    line: int
    column: int


class Suppressions:
    """The codes silenced on each line of one file."""

    __slots__ = ("by_line", "unknown", "unreported")

    def __init__(self) -> None:
        self.by_line: dict[int, tuple[str, ...]] = {}
        self.unknown: list[UnknownCode] = []
        self.unreported = 0  # unknown codes past the ones reported

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


def known_codes(codes: Iterable[str]) -> frozenset[str]:
    """What a suppression may name: every code, every prefix of one, and ALL."""
    return frozenset(
        {"ALL", *(".".join(code.split(".")[:n]) for code in codes for n in range(1, code.count(".") + 2))}
    )


def suppressions(document: Document, known: frozenset[str], *, report: int = 100) -> Suppressions:
    """The suppression comments of a YAML document (`known`: see `known_codes`). Codes that
    name no rule are `unknown`: the first `report` of them, with a hint each."""
    found = Suppressions()
    text = document.text
    if document.format != "yaml" or _MARKER not in text:
        return found  # the usual case, settled without a scan
    candidates = list(_COMMENT.finditer(text))
    if not candidates:
        return found
    spans = _scalar_spans(text)  # in text order, not overlapping
    span_starts = [start for start, _ in spans]
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    hints: dict[str, str] = {}
    for match in candidates:
        inside = bisect_right(span_starts, match.start()) - 1
        if inside >= 0 and match.start() < spans[inside][1]:
            continue  # inside a string value, not a comment
        line = bisect_right(line_starts, match.start(1))
        column = match.start(1) - line_starts[line - 1] + 1
        listed: list[str] = []
        for part in match.group(1).split(","):
            code = part.strip()
            if code in known:
                listed.append(code)
            elif code and len(found.unknown) >= report:
                found.unreported += 1
            elif code:
                if code not in hints:
                    hints[code] = unknown_code_hint(code, known) or ""
                found.unknown.append(UnknownCode(code, hints[code], line, column + part.index(code)))
            column += len(part) + 1
        if listed:
            found.by_line[line] = (*found.by_line.get(line, ()), *listed)
    return found


def _scalar_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the quoted, block and plain strings of a YAML text."""
    import yaml  # noqa: PLC0415 - YAML files only: a JSON lint never loads it

    spans = []
    try:
        for token in yaml.scan(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(token, yaml.ScalarToken):
                spans.append((token.start_mark.index, token.end_mark.index))
    except yaml.YAMLError:
        pass  # the document parsed, so this does not happen; no spans is the safe side
    return spans
