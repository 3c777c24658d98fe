"""Where each value of a parsed document sits in its text.

Maps pointers (tuples of tokens) to 1-based (line, column): for an object member, the
position of its key (the line a person looks for); for an array item or the root, the
value itself. Both scanners are iterative, so depth never costs stack.
Only documents that have findings are indexed.
"""

from __future__ import annotations

import re
from json.decoder import scanstring
from typing import Any

import yaml

from ._documents import _EventLoader, Format, LineIndex

Pointer = tuple[str | int, ...]

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"[^,\]}\s]+")


def index_positions(text: str, fmt: Format) -> dict[Pointer, tuple[int, int]]:
    offsets = _json_offsets(text)[0] if fmt == "json" else _yaml_marks(text)
    if fmt == "yaml":
        return offsets  # type: ignore[return-value]  # already lines and columns
    lines = LineIndex(text)
    return {pointer: lines.at(offset) for pointer, offset in offsets.items()}


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
    offsets: dict[Pointer, int] = {}
    duplicate: tuple[str, int] | None = None
    stack: list[_Container] = []
    length = len(text)
    i = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]
    pointer: Pointer = ()
    offsets[pointer] = i

    def member(frame: _Container, at: int) -> tuple[Pointer, int]:
        nonlocal duplicate
        key, end = scanstring(text, at + 1)
        if key in frame.keys and duplicate is None:
            duplicate = (key, at)
        frame.keys.add(key)
        here = (*frame.pointer, key)
        offsets[here] = at
        end = _WHITESPACE.match(text, end).end()  # type: ignore[union-attr]
        return here, _WHITESPACE.match(text, end + 1).end()  # type: ignore[union-attr]

    while i < length:
        char = text[i]
        if char in "{[":
            frame = _Container(pointer, char == "{")
            stack.append(frame)
            i = _WHITESPACE.match(text, i + 1).end()  # type: ignore[union-attr]
            if i < length and text[i] in "}]":
                i += 1
            elif frame.is_object:
                pointer, i = member(frame, i)
                continue
            else:
                pointer = (*frame.pointer, 0)
                offsets[pointer] = i
                continue
        elif char == '"':
            i = scanstring(text, i + 1)[1]
        else:
            i = _SCALAR.match(text, i).end()  # type: ignore[union-attr]
        # after a value: close containers until one continues with a comma
        while stack:
            i = _WHITESPACE.match(text, i).end()  # type: ignore[union-attr]
            if i >= length:
                return offsets, duplicate
            frame = stack[-1]
            if text[i] == ",":
                i = _WHITESPACE.match(text, i + 1).end()  # type: ignore[union-attr]
                if frame.is_object:
                    pointer, i = member(frame, i)
                else:
                    frame.count += 1
                    pointer = (*frame.pointer, frame.count)
                    offsets[pointer] = i
                break
            stack.pop()
            i += 1
        else:
            break
    return offsets, duplicate


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
                marks[(*stack[-1][0], key)] = (event.start_mark.line + 1,
                                               event.start_mark.column + 1)
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
