"""Where each value of a parsed document sits in its text.

Maps pointers (tuples of tokens) to 1-based (line, column), counted as `_text` says: for an
object member, the position of its key (the line a person looks for); for an array item or the
root, the value itself. Both scanners are iterative, so depth never costs stack.
Only documents that have findings are indexed, from their text: nothing of the parse is kept.
"""

from __future__ import annotations

import json.decoder
import re
from collections.abc import Callable
from typing import Any

from ._text import Format, LineIndex

Pointer = tuple[str | int, ...]

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"[^,\]}\s]+")
# the C string scanner json.loads uses; typeshed does not declare it
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


def index_positions(text: str, fmt: Format) -> dict[Pointer, tuple[int, int]]:
    offsets = _yaml_offsets(text) if fmt == "yaml" else _json_offsets(text)
    lines = LineIndex(text)
    return {pointer: lines.at(offset) for pointer, offset in offsets.items()}


def json_duplicate_key(text: str) -> tuple[str, int]:
    """The first key that repeats within one object, and the offset of its repetition.

    json.loads read the text up to there (it refused the object only on closing it), so the scan
    stops there: what follows may be no JSON at all."""
    scanner = _JsonScanner(text, until_duplicate=True)
    scanner.scan()
    return scanner.duplicate or ("", 0)


class _Container:
    __slots__ = ("count", "is_object", "keys", "pointer")

    def __init__(self, pointer: Pointer, is_object: bool) -> None:
        self.pointer = pointer
        self.is_object = is_object
        self.count = 0
        self.keys: set[str] = set()


def _json_offsets(text: str) -> dict[Pointer, int]:
    """Offsets of every value of a JSON text that json.loads accepted (lenient otherwise)."""
    scanner = _JsonScanner(text, until_duplicate=False)
    scanner.scan()
    return scanner.offsets


class _JsonScanner:
    def __init__(self, text: str, *, until_duplicate: bool) -> None:
        self.text = text
        self.until_duplicate = until_duplicate
        self.offsets: dict[Pointer, int] = {}
        self.duplicate: tuple[str, int] | None = None
        self.stack: list[_Container] = []

    def skip(self, at: int) -> int:
        return _WHITESPACE.match(self.text, at).end()  # type: ignore[union-attr]

    def member(self, frame: _Container, at: int) -> tuple[Pointer, int]:
        """Read a key at `at`; return the member's pointer and where its value starts."""
        key, end = _scanstring(self.text, at + 1)
        if key in frame.keys and self.duplicate is None:
            self.duplicate = (key, at)
        frame.keys.add(key)
        pointer = (*frame.pointer, key)
        self.offsets[pointer] = at
        return pointer, self.skip(self.skip(end) + 1)  # past the colon

    def item(self, frame: _Container, at: int) -> tuple[Pointer, int]:
        pointer = (*frame.pointer, frame.count)
        frame.count += 1
        self.offsets[pointer] = at
        return pointer, at

    def open(self, pointer: Pointer, at: int) -> tuple[Pointer, int] | None:
        """Enter a container at `at`; return its first child, or None when it is empty."""
        frame = _Container(pointer, self.text[at] == "{")
        self.stack.append(frame)
        at = self.skip(at + 1)
        if at < len(self.text) and self.text[at] in "}]":
            return None
        return self.member(frame, at) if frame.is_object else self.item(frame, at)

    def close(self, at: int) -> tuple[Pointer, int] | None:
        """After a value: close containers until one goes on with a comma; return the next child."""
        while self.stack:
            at = self.skip(at)
            if at >= len(self.text):
                return None
            frame = self.stack[-1]
            if self.text[at] == ",":
                at = self.skip(at + 1)
                return self.member(frame, at) if frame.is_object else self.item(frame, at)
            self.stack.pop()
            at += 1
        return None

    def scan(self) -> None:
        text = self.text
        at = self.skip(0)
        pointer: Pointer = ()
        self.offsets[pointer] = at
        while at < len(text) and not (self.until_duplicate and self.duplicate):
            if text[at] in "{[":
                child = self.open(pointer, at)
                if child is not None:
                    pointer, at = child
                    continue
                at = self.skip(at + 1) + 1
            elif text[at] == '"':
                at = _scanstring(text, at + 1)[1]
            else:
                at = _SCALAR.match(text, at).end()  # type: ignore[union-attr]
            child = self.close(at)
            if child is None:
                return
            pointer, at = child


def _yaml_offsets(text: str) -> dict[Pointer, int]:
    """Offsets of every value of a YAML text, from the parser's events (aliases not followed)."""
    offsets: dict[Pointer, int] = {}
    # each frame: [pointer, is_mapping, next index, pending key or None]
    stack: list[list[Any]] = []

    def place(offset: int) -> Pointer:
        """Record where the next value goes."""
        if not stack:
            offsets[()] = offset
            return ()
        frame = stack[-1]
        if frame[1]:
            return (*frame[0], frame[3])
        here = (*frame[0], frame[2])
        frame[2] += 1
        offsets[here] = offset
        return here

    import yaml  # noqa: PLC0415 - YAML files only: a JSON lint never loads it

    from . import _yaml  # noqa: PLC0415

    for event in yaml.parse(text, Loader=_yaml.YAML_LOADER):
        mark: Any = event.start_mark
        if isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
            if stack and stack[-1][1] and stack[-1][3] is None:
                key = event.value if isinstance(event, yaml.ScalarEvent) else ""
                stack[-1][3] = key
                offsets[(*stack[-1][0], key)] = mark.index
                continue
            place(mark.index)
            if stack and stack[-1][1]:
                stack[-1][3] = None
        elif isinstance(event, yaml.CollectionStartEvent):
            here = place(mark.index)
            stack.append([here, isinstance(event, yaml.MappingStartEvent), 0, None])
        elif isinstance(event, yaml.CollectionEndEvent):
            stack.pop()
            if stack and stack[-1][1]:
                stack[-1][3] = None
    return offsets
