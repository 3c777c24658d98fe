"""Reading post files: a path to bytes, bytes to a JSON value, or an error that says why not.

Both formats end up as plain JSON values (dict, list, str, int, float, bool, None), within the
limits of `_text` (size, nesting, values, integer digits), whatever the file holds: a hostile file
is a `ParseError` with its line and column (as an editor counts them), never a crash or a hang.
`_json` and `_yaml` read each format; `_positions` finds values in the text for diagnostics.

Errors: `UnreadableFile` (the path is no regular file, or the system refuses it) and
`ParseError` (the bytes are no post document).
"""

from __future__ import annotations

import os
import stat
from typing import Any

from ._errors import PinrulesError
from ._json import parse_json
from ._positions import index_positions
from ._text import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    Format,
    LineIndex,
    ParseError,
    decode,
    format_of,
    line_column,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Document",
    "Format",
    "LineIndex",
    "ParseError",
    "UnreadableFile",
    "decode",
    "format_of",
    "line_column",
    "read_document",
    "read_post_bytes",
]

# Opening a FIFO for reading waits for a writer unless non-blocking; a terminal could become ours.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class UnreadableFile(PinrulesError):
    """A path that is not a regular file, or that the operating system will not read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Document:
    """A parsed file. Positions are worked out on first use only: clean files never need them."""

    __slots__ = ("_offsets", "format", "name", "text", "value")

    def __init__(self, name: str, text: str, format: Format, value: Any) -> None:
        self.name, self.text, self.format, self.value = name, text, format, value
        self._offsets: dict[tuple[str | int, ...], tuple[int, int]] | None = None

    def __repr__(self) -> str:
        return f"Document(name={self.name!r}, format={self.format!r}, value={self.value!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Document):
            return NotImplemented
        mine = (self.name, self.text, self.format, self.value)
        return mine == (other.name, other.text, other.format, other.value)

    __hash__ = None  # type: ignore[assignment]  # its value is mutable

    def position(self, pointer: tuple[str | int, ...]) -> tuple[int, int]:
        """Line and column of the value at `pointer`, or of its nearest existing parent."""
        if self._offsets is None:
            self._offsets = index_positions(self.text, self.format)
        for end in range(len(pointer), -1, -1):
            found = self._offsets.get(pointer[:end])
            if found is not None:
                return found
        return (1, 1)


def read_post_bytes(path: str) -> bytes:
    """The bytes of the regular file at `path`, at most MAX_FILE_BYTES + 1 of them (one more
    than `read_document` accepts, so that a larger file is refused there); `UnreadableFile`
    for anything else, without ever waiting on a pipe or reading a device."""
    try:
        _require_regular(path, os.stat(path))  # follows links: a link to /dev/zero is a device
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise UnreadableFile(f"cannot open the file: {error.strerror}") from None
    try:
        info = os.fstat(descriptor)
        _require_regular(path, info)  # what was opened, should the path have changed since
        limit = MAX_FILE_BYTES + 1
        wanted = min(info.st_size + 1, limit)  # one more than its size, to see the end or growth
        chunks: list[bytes] = []
        total = 0
        while total < limit and (chunk := os.read(descriptor, min(wanted, limit - total))):
            chunks.append(chunk)
            total += len(chunk)
            wanted = 1 << 20
        return b"".join(chunks)
    except OSError as error:
        raise UnreadableFile(f"cannot read the file: {error.strerror}") from None
    finally:
        os.close(descriptor)


def _require_regular(path: str, info: os.stat_result) -> None:
    if stat.S_ISREG(info.st_mode):
        return
    kind = next((name for test, name in _KINDS if test(info.st_mode)), "a special file")
    link = f" (a link to {os.path.realpath(path)})" if os.path.islink(path) else ""
    raise UnreadableFile(f"cannot read the file: it is {kind}{link}, not a regular file; name a post file")


def read_document(name: str, data: bytes, fmt: Format | None = None) -> Document:
    """Decode and parse a file's bytes; raise ParseError for anything that is no post document."""
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(
            f"the file is larger than {MAX_FILE_BYTES:,} bytes, the most a post file may hold; "
            "shrink or split it"
        )
    text = decode(data)
    fmt = fmt or format_of(name)
    if fmt == "json":
        return Document(name, text, fmt, parse_json(text))
    from ._yaml import parse_yaml  # noqa: PLC0415 - YAML files only: a JSON lint never loads yaml

    value = parse_yaml(text)
    return Document(name, text, fmt, value)
