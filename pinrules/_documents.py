"""Reading post files: JSON or YAML text to a JSON value, or a `ParseError` with its place.

Both formats end up as plain JSON values (dict, list, str, int, float, bool, None).
YAML is read from the parser's events by our own small composer rather than a
constructor, so that no tag ever builds an object, dates stay strings, and the limits
below hold before anything large is built:

- a file is at most `MAX_FILE_BYTES`, nested at most `MAX_DEPTH` levels;
- YAML aliases may not expand past `MAX_NODES` values (the "billion laughs" guard);
- NaN, Infinity and numbers too large for a float are refused; JSON has no such values;
- a key given twice is an error: the second one would silently win.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from ._errors import PinrulesError

MAX_FILE_BYTES = 10_000_000
MAX_DEPTH = 64
MAX_NODES = 100_000

Format = Literal["json", "yaml"]


class ParseError(PinrulesError):
    """A file that is not a readable post document; `line`/`column` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Document:
    """A parsed file. Positions are worked out on first use only: clean files never need them."""

    name: str
    text: str
    format: Format
    value: Any
    _offsets: dict[tuple[str | int, ...], tuple[int, int]] | None = field(default=None, repr=False)

    def position(self, pointer: tuple[str | int, ...]) -> tuple[int, int]:
        """Line and column of the value at `pointer`, or of its nearest existing parent."""
        if self._offsets is None:
            from ._positions import index_positions  # noqa: PLC0415 - only files with findings

            self._offsets = index_positions(self.text, self.format)
        for end in range(len(pointer), -1, -1):
            found = self._offsets.get(pointer[:end])
            if found is not None:
                return found
        return (1, 1)


def format_of(name: str) -> Format:
    return "json" if name.lower().endswith(".json") else "yaml"


def read_document(name: str, data: bytes, fmt: Format | None = None) -> Document:
    """Decode and parse a file's bytes; raise ParseError for anything that is no post document."""
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(f"the file is {len(data):,} bytes; post files are at most {MAX_FILE_BYTES:,} bytes")
    text = decode(data)
    fmt = fmt or format_of(name)
    value = parse_json(text) if fmt == "json" else parse_yaml(text)
    return Document(name, text, fmt, value)


def decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start].decode("utf-8", "replace")
        line, column = line_column(before, len(before))
        raise ParseError(
            f"the file is not UTF-8 (byte 0x{data[error.start]:02x}); save it as UTF-8",
            line,
            column,
        ) from None
    return text.removeprefix("\ufeff")


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


class LineIndex:
    """Offsets to lines and columns for one text, in O(log n) per lookup."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


# --- JSON -------------------------------------------------------------------------------


class _DuplicateKeyError(PinrulesError):
    pass


class _NotANumberError(PinrulesError):
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


def parse_json(text: str) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_object,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as error:
        before = text[: error.pos].rstrip()
        hint = (
            " (a trailing comma?)" if before.endswith(",") and text[error.pos : error.pos + 1] in "]}" else ""
        )
        raise ParseError(f"invalid JSON: {error.msg}{hint}", error.lineno, error.colno) from None
    except RecursionError:
        line, column = _json_depth_position(text)
        raise ParseError(f"the document nests deeper than {MAX_DEPTH} levels", line, column) from None
    except _DuplicateKeyError:
        from ._positions import json_duplicate_key  # noqa: PLC0415 - rare path

        key, offset = json_duplicate_key(text)
        line, column = line_column(text, offset)
        raise ParseError(f"the key {key!r} appears twice in one object; keep one", line, column) from None
    except _NotANumberError as error:
        offset = _json_token_offset(text, str(error))
        line, column = line_column(text, offset)
        raise ParseError(
            f"{error} is not a JSON number; use a finite number or a string", line, column
        ) from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise ParseError(f"invalid JSON: {error}") from None


_STRING_OR_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|([-+0-9.eE]+|NaN|-?Infinity)')


def _json_token_offset(text: str, token: str) -> int:
    """Offset of the first bare (not quoted) occurrence of `token`."""
    for match in _STRING_OR_TOKEN.finditer(text):
        if match.group(1) is not None and match.group(1) == token:
            return match.start()
    return 0


def _json_depth_position(text: str) -> tuple[int, int]:
    """Where a JSON text first nests deeper than MAX_DEPTH (strings skipped)."""
    depth = 0
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line_column(text, match.start())
        elif token in "]}":
            depth -= 1
    return (1, 1)


# --- YAML -------------------------------------------------------------------------------

_EventLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.1 implicit types, except timestamps: a date in a post stays the string it was."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_RESOLVER = _Resolver()
_SCALARS = yaml.constructor.SafeConstructor()


def _mark_error(message: str, mark: Any) -> ParseError:
    return ParseError(message, mark.line + 1, mark.column + 1)


def _scalar(event: yaml.ScalarEvent) -> Any:
    tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    if tag == "tag:yaml.org,2002:str":
        return event.value
    node = yaml.ScalarNode(tag, event.value)
    if tag == "tag:yaml.org,2002:int":
        return _SCALARS.construct_yaml_int(node)
    if tag == "tag:yaml.org,2002:float":
        number = _SCALARS.construct_yaml_float(node)
        if not math.isfinite(number):
            raise _mark_error(
                f"{event.value} is not a JSON number; use a finite number or a string",
                event.start_mark,
            )
        return number
    if tag == "tag:yaml.org,2002:bool":
        return _SCALARS.construct_yaml_bool(node)
    if tag == "tag:yaml.org,2002:null":
        return None
    return event.value


def _refuse_tag(event: Any) -> None:
    tag = getattr(event, "tag", None)
    if tag is not None and tag != "!":
        raise _mark_error(
            f"YAML tag {tag!r} is not allowed in a post; remove it (posts hold plain values only)",
            event.start_mark,
        )


class _Frame:
    """A mapping or sequence being built."""

    __slots__ = ("anchor", "container", "key", "key_mark", "size")

    def __init__(self, container: dict[str, Any] | list[Any], anchor: str | None) -> None:
        self.container = container
        self.anchor = anchor
        self.key: str | None = None
        self.key_mark: Any = None
        self.size = 1

    @property
    def wants_key(self) -> bool:
        return isinstance(self.container, dict) and self.key is None


def parse_yaml(text: str) -> Any:
    try:
        return _Composer().compose(yaml.parse(text, Loader=_EventLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "unreadable YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ParseError(f"invalid YAML: {problem}", line, column) from None
    except yaml.reader.ReaderError as error:
        line, column = line_column(text, error.position)
        raise ParseError(f"invalid YAML: {error.reason}", line, column) from None
    except yaml.YAMLError as error:
        raise ParseError(f"invalid YAML: {error}") from None


class _Composer:
    """Builds one JSON value from YAML events, enforcing the limits of this module."""

    def __init__(self) -> None:
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.stack: list[_Frame] = []
        self.result: Any = None
        self.expanded = 0  # values built so far, counting every alias expansion

    def compose(self, events: Any) -> Any:
        documents = 0
        for event in events:
            if isinstance(event, yaml.ScalarEvent):
                _refuse_tag(event)
                wants_key = bool(self.stack) and self.stack[-1].wants_key
                value = event.value if wants_key else _scalar(event)
                self.add(value, 1, event.start_mark, event.anchor)
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                self.start(event)
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                frame = self.stack.pop()
                self.expanded -= frame.size - 1  # its children were counted as they arrived
                self.add(frame.container, frame.size, event.start_mark, frame.anchor)
            elif isinstance(event, yaml.AliasEvent):
                self.alias(event)
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _mark_error(
                        "one post per file: this file holds several YAML documents",
                        event.start_mark,
                    )
        if documents == 0:
            raise ParseError('the file is empty; a post is an object such as {"media": [...]}')
        return self.result

    def start(self, event: yaml.MappingStartEvent | yaml.SequenceStartEvent) -> None:
        _refuse_tag(event)
        if len(self.stack) >= MAX_DEPTH:
            raise _mark_error(f"the document nests deeper than {MAX_DEPTH} levels", event.start_mark)
        if self.stack and self.stack[-1].wants_key:
            raise _mark_error("a mapping key must be a plain name", event.start_mark)
        container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
        self.stack.append(_Frame(container, event.anchor))

    def alias(self, event: yaml.AliasEvent) -> None:
        if event.anchor not in self.anchors:
            raise _mark_error(f"the alias *{event.anchor} has no anchor before it", event.start_mark)
        if self.stack and self.stack[-1].wants_key:
            raise _mark_error("an alias cannot be a mapping key", event.start_mark)
        value, size = self.anchors[event.anchor]
        self.add(value, size, event.start_mark)

    def add(self, value: Any, size: int, mark: Any, anchor: str | None = None) -> None:
        self.expanded += size
        if self.expanded > MAX_NODES:
            raise _mark_error(
                f"the document expands to more than {MAX_NODES:,} values (an alias bomb?)", mark
            )
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.result = value
            return
        frame = self.stack[-1]
        frame.size += size
        if isinstance(frame.container, list):
            frame.container.append(value)
        elif frame.key is None:
            if not isinstance(value, str):
                raise _mark_error("a mapping key must be a plain name", mark)
            frame.key, frame.key_mark = value, mark
        else:
            if frame.key in frame.container:
                raise _mark_error(
                    f"the key {frame.key!r} appears twice in one mapping; keep one", frame.key_mark
                )
            frame.container[frame.key] = value
            frame.key = None
