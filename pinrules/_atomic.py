"""Writing a file so that readers see the old content or the new, never half of either."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomic(
    path: str | os.PathLike[str], data: bytes, *, mode: int = 0o644, durable: bool = False
) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`.

    `mode` is set before any byte is written (0o600 keeps a secret private from the start);
    `durable` syncs the file and its folder, for records a power cut must not lose.
    """
    import tempfile  # noqa: PLC0415 - a read-only run (a warm lint) never writes

    target = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
