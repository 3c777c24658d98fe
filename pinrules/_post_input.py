"""Reading a post from standard input with a bound, and telling its format without a name.

Nothing is read past the post reader's cap plus one byte (so that "too large" can still be
said). Files are read by the post reader (`read_post_bytes`: regular files only, bounded).
"""

from __future__ import annotations

import sys
from typing import BinaryIO

from ._documents import MAX_FILE_BYTES, Format


def read_stdin(stream: BinaryIO | None = None) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of standard input."""
    source = stream if stream is not None else sys.stdin.buffer
    return source.read(MAX_FILE_BYTES + 1)


def sniff_format(name: str | None, data: bytes) -> Format:
    """JSON or YAML: from the name's suffix, else JSON when the text opens with { or [."""
    if name is not None:
        lower = name.lower()
        if lower.endswith(".json"):
            return "json"
        if lower.endswith((".yaml", ".yml")):
            return "yaml"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "json" if head[:1] in (b"{", b"[") else "yaml"
