"""Reading post files: bytes to a JSON value, or an error that says why not.

Both formats end up as plain JSON values (dict, list, str, int, float, bool, None), within the
limits of `_text` (size, nesting, values, integer digits), whatever the file holds: a hostile file
is a `ParseError` with its line and column (as an editor counts them), never a crash or a hang.
`_json` and `_yaml` read each format; `_positions` finds values in the text for diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
from ._yaml import parse_yaml

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "Document",
    "Format",
    "LineIndex",
    "ParseError",
    "decode",
    "format_of",
    "line_column",
    "read_document",
]


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
            self._offsets = index_positions(self.text, self.format)
        for end in range(len(pointer), -1, -1):
            found = self._offsets.get(pointer[:end])
            if found is not None:
                return found
        return (1, 1)


def read_document(name: str, data: bytes, fmt: Format | None = None) -> Document:
    """Decode and parse a file's bytes; raise ParseError for anything that is no post document."""
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(
            f"the file is larger than {MAX_FILE_BYTES:,} bytes, the most a post file may hold; "
            "shrink or split it"
        )
    text = decode(data)
    fmt = fmt or format_of(name)
    value = parse_json(text) if fmt == "json" else parse_yaml(text)
    return Document(name, text, fmt, value)
