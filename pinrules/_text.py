"""What every post reader shares: the limits, the error with its place, bytes to text, and places.

Lines and columns are those an editor shows (VS Code, GitHub, git), whatever the format:

- a line ends at "\\r\\n", "\\r" or "\\n", and only there. U+2028, U+2029 and NEL (U+0085) are
  characters on a line, although YAML counts them as line breaks and JSON counts only "\\n":
  parsers' own line numbers are never used, only their character offsets;
- a column counts characters (Unicode code points) from 1.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from typing import Literal

from ._errors import PinrulesError

MAX_FILE_BYTES = 10_000_000
MAX_DEPTH = 64
MAX_NODES = 100_000
# Text reached through YAML aliases: no more than a file of the largest size could hold
# without them, so that aliases never make a post costlier to check than a plain file.
MAX_CHARS = MAX_FILE_BYTES
# Python never limits the conversion of integers this short, whatever the interpreter's
# settings, and converts them in microseconds: no post needs a longer one.
MAX_INT_DIGITS = sys.int_info.str_digits_check_threshold

Format = Literal["json", "yaml"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class ParseError(PinrulesError):
    """A file that is not a readable post document; `line`/`column` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def located(message: str, text: str, offset: int) -> ParseError:
    """A ParseError at a character offset of `text`."""
    line, column = line_column(text, offset)
    return ParseError(message, line, column)


def too_deep(text: str, offset: int) -> ParseError:
    message = f"the document nests deeper than {MAX_DEPTH} levels; a post needs a few: flatten it"
    return located(message, text, offset)


def too_many(text: str, offset: int) -> ParseError:
    message = f"post files hold at most {MAX_NODES:,} values (keys included); split this one"
    return located(message, text, offset)


def abridged(token: str) -> str:
    """A token short enough to quote in a message."""
    return token if len(token) <= 24 else f"{token[:20]}... ({len(token):,} characters)"


def format_of(name: str) -> Format:
    return "json" if name.lower().endswith(".json") else "yaml"


def decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start].decode("utf-8", "replace")
        raise located(
            f"the file is not UTF-8 (byte 0x{data[error.start]:02x}); save it as UTF-8", before, len(before)
        ) from None
    return text.removeprefix("\ufeff")


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (for one lookup; LineIndex for many)."""
    end = offset
    if offset > 0 and text.startswith("\r\n", offset - 1):
        end -= 1  # at the "\n" of a "\r\n": that break ends after the "\n", on the next line
    breaks = text.count("\n", 0, end) + text.count("\r", 0, end) - text.count("\r\n", 0, end)
    line_start = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
    return breaks + 1, offset - line_start + 1


class LineIndex:
    """Offsets to lines and columns for one text, in O(log n) per lookup."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1
