"""Where each value of a parsed document sits in its text.

Maps pointers (tuples of tokens) to 1-based (line, column): for an object member, the
position of its key (the line a person looks for); for an array item or the root, the
value itself. Both scanners are iterative, so depth never costs stack.
Only documents that have findings are indexed.
"""

from __future__ import annotations

import json.decoder
import re
from collections.abc import Callable
from typing import Any

import yaml

from ._documents import Format, LineIndex, _EventLoader

Pointer = tuple[str | int, ...]

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"[^,\]}\s]+")
# the C string scanner json.loads uses; typeshed does not declare it
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


def index_positions(text: str, fmt: Format) -> dict[Pointer, tuple[int, int]]:
    if fmt == "yaml":
        return _yaml_marks(text)
    lines = LineIndex(text)
    return {pointer: lines.at(offset) for pointer, offset in _json_offsets(text)[0].items()}


def json_duplicate_key(text: str) -> tuple[str, int]:
    """The first key that repeats within one object, and the offset of its repetition."""
    return _json_offsets(text)[1] or ("", 0)


class _Container:
    __slots__ = ("count", "is_object", "keys", "pointer")

    def __init__(self, pointer: Pointer, is_object: bool) -> None:
        self.pointer = pointer
        self.is_object = is_object
        self.count = 0
        self.keys: set[str] = set()


def _json_offsets(text: str) -> tuple[dict[Pointer, int], tuple[str, int] | None]:
    """Offsets of every value of a JSON text that json.loads accepted (lenient otherwise)."""
    scanner = _JsonScanner(text)
    scanner.scan()
    return scanner.offsets, scanner.duplicate


class _JsonScanner:
    def __init__(self, text: str) -> None:
        self.text = text
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
        while at < len(text):
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


def _yaml_marks(text: str) -> dict[Pointer, tuple[int, int]]:
    """Positions of every value of a YAML text, from the parser's events (aliases not followed)."""
    marks: dict[Pointer, tuple[int, int]] = {}
    # each frame: [pointer, is_mapping, next index or None, pending key]
    stack: list[list[Any]] = []

    def place(mark: Any) -> Pointer | None:
        """Record where the next value goes; None when the event is a mapping key."""
        if not stack:
            marks[()] = (mark.line + 1, mark.column + 1)
            return ()
        frame = stack[-1]
        if frame[1]:
            return (*frame[0], frame[3])
        here = (*frame[0], frame[2])
        frame[2] += 1
        marks[here] = (mark.line + 1, mark.column + 1)
        return here

    for event in yaml.parse(text, Loader=_EventLoader):
        if isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
            if stack and stack[-1][1] and stack[-1][3] is None:
                key = event.value if isinstance(event, yaml.ScalarEvent) else ""
                stack[-1][3] = key
                mark: Any = event.start_mark
                marks[(*stack[-1][0], key)] = (mark.line + 1, mark.column + 1)
                continue
            place(event.start_mark)
            if stack and stack[-1][1]:
                stack[-1][3] = None
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            here = place(event.start_mark)
            stack.append([here, isinstance(event, yaml.MappingStartEvent), 0, None])
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            stack.pop()
            if stack and stack[-1][1]:
                stack[-1][3] = None
    return marks
