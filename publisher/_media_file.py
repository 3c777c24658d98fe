"""Opening a post's local media file once: the file that is checked is the file that is sent.

The path is opened first; then the opened file itself is checked: it is a regular file, and
its real location (what the kernel says the open handle is, not a second look at the path,
which a symlink swapped in between could change) lies inside the allowed folders. The image
and video flows read and upload from this same handle.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO

from pinrules import MediaFolders

from ._flow import FlowError


def _opened_path(descriptor: int, path: Path) -> str:
    """Where the open file really is. Linux and macOS say it; elsewhere the path is resolved
    again and must still lead to the very file that is open (same device and inode)."""
    if sys.platform.startswith("linux"):
        try:
            return os.readlink(f"/proc/self/fd/{descriptor}")
        except OSError:
            pass
    if sys.platform == "darwin":
        import fcntl  # noqa: PLC0415

        getpath = getattr(fcntl, "F_GETPATH", None)
        if getpath is not None:
            return os.fsdecode(fcntl.fcntl(descriptor, getpath, b"\0" * 1024).rstrip(b"\0"))
    real = os.path.realpath(path)
    opened, found = os.fstat(descriptor), os.stat(real)
    if (opened.st_dev, opened.st_ino) != (found.st_dev, found.st_ino):
        raise FlowError("post.media.path_readable", f"{path} changed while it was opened")
    return real


def open_media(value: str, base_dir: Path, folders: MediaFolders) -> BinaryIO:
    """The media file at `value` (resolved: absolute, or relative to the working folder), open
    for reading and checked against the folders allowed for a post in `base_dir`; or a
    FlowError (`post.media.path_outside`, `post.media.path_readable`)."""
    path = Path(value)
    try:
        # O_NONBLOCK: a FIFO planted at the path must not block the open (it is refused below)
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not a usable file name"
        raise FlowError("post.media.path_readable", f"cannot open {value!r}: {reason}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise FlowError("post.media.path_readable", f"{value!r} is not a regular file")
        if not folders.contains(_opened_path(descriptor, path), base_dir):
            raise FlowError(
                "post.media.path_outside", f"{value!r} leads outside the post's folder and the project"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
