"""Reading a post's bytes with a bound: from a file (regular files only) or standard input.

Nothing is read past the post reader's cap plus one byte (so that "too large" can still be
said), and a FIFO, device or folder is refused before it is opened: reading one could block or
never end. (The post reader gains the same for files; this module covers the linter until then.)
"""

from __future__ import annotations

import os
import stat
import sys
from typing import BinaryIO

from ._documents import MAX_FILE_BYTES, Format


def read_bounded(path: str) -> bytes | str:
    """At most MAX_FILE_BYTES + 1 bytes of a regular file, or why it cannot be read.

    Opened without blocking (a FIFO would wait for a writer), then asked what it is."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        return error.strerror or str(error)
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            return "it is a folder, not a file"
        if not stat.S_ISREG(info.st_mode):
            return "it is not a regular file (a FIFO or a device?)"
        wanted = min(info.st_size, MAX_FILE_BYTES) + 1  # the size known, not the cap: less to set aside
        chunks = []
        while wanted > 0 and (chunk := os.read(descriptor, wanted)):
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)
    except OSError as error:
        return error.strerror or str(error)
    finally:
        os.close(descriptor)


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
