"""The files phase: what a local media file really is (size from the file system, type from
its first bytes)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NamedTuple

from ._sniff import SNIFF_BYTES, sniff


class FileFacts(NamedTuple):
    """What was found at a path: `problem` when it cannot be used, else size and type."""

    path: str
    problem: str | None = None
    size: int | None = None
    mime: str | None = None


def inspect_file(path: Path) -> FileFacts:
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return FileFacts(name, problem=f"{name} does not exist")
    except OSError as error:
        return FileFacts(name, problem=f"{name} cannot be read ({error.strerror})")
    except ValueError:  # a NUL byte, or a character no file name can hold (a lone surrogate)
        return FileFacts(name, problem=f"{name!a} is not a usable file name")
    if stat.S_ISDIR(info.st_mode):
        return FileFacts(name, problem=f"{name} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):  # a FIFO or device could block or never end
        return FileFacts(name, problem=f"{name} is not a regular file")
    try:
        with path.open("rb") as file:
            head = file.read(SNIFF_BYTES)
    except OSError as error:
        return FileFacts(name, problem=f"{name} cannot be read ({error.strerror})")
    return FileFacts(name, size=info.st_size, mime=sniff(head))


def resolve_media_path(path: str, base_dir: Path) -> Path:
    """A media path as written in a post: relative paths start at the post file's folder."""
    expanded = Path(os.path.expanduser(path))
    return expanded if expanded.is_absolute() else base_dir / expanded
