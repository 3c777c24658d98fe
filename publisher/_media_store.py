"""Media kept by pinrules itself: the local files of scheduled posts (copied when a post is
scheduled: the post file may be gone when it is due) and uploads to the posting service.

A stored item has an unguessable id (`med_...`, never all digits: an all-digit `mediaId` in a
post is Pinterest's own video id), its kind, type (by content), size and SHA-256. A post refers
to it as `{"kind": ..., "mediaId": "med_..."}`; a worker reads it back through `open`, which
gives a local file (the SQLite backend keeps files in a folder; the PostgreSQL one keeps the
bytes in the database, so that a worker on any machine can read them).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from pinrules import SNIFF_BYTES, sniff

from ._errors import MediaError

MEDIA_ID_PREFIX = "med_"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredMedia:
    id: str
    workspace: str
    kind: str  # "image" or "video"
    mime: str | None  # by content
    size: int
    sha256: str
    filename: str | None
    created_at: float

    def summary(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "mimeType": self.mime, "sizeBytes": self.size,
                "sha256": self.sha256, "filename": self.filename, "createdAt": self.created_at}  # fmt: skip


def new_media_id() -> str:
    return MEDIA_ID_PREFIX + secrets.token_urlsafe(18)


def is_stored_media_id(value: object) -> bool:
    return isinstance(value, str) and value.startswith(MEDIA_ID_PREFIX) and len(value) > len(MEDIA_ID_PREFIX)


def copy_counted(source: IO[bytes], target: IO[bytes], limit: int | None = None) -> tuple[int, str, bytes]:
    """Copy `source` to `target`: the size, SHA-256 and first bytes; MediaError past `limit`."""
    digest, size, head = hashlib.sha256(), 0, b""
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if limit is not None and size > limit:
            raise MediaError(f"the file is larger than {limit:,} bytes")
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        digest.update(chunk)
        target.write(chunk)
    return size, digest.hexdigest(), head


class MediaStore(Protocol):
    def add(self, source: IO[bytes], *, workspace: str, kind: str, filename: str | None,
            now: float, limit: int | None = None) -> StoredMedia:  # fmt: skip
        """Store the bytes of an open file; its type is judged by content."""

    def get(self, media_id: str, workspace: str) -> StoredMedia | None: ...

    def open(self, media: StoredMedia) -> contextlib.AbstractContextManager[Path]:
        """A local file holding the media's bytes, for the time of the `with`."""

    def delete(self, media_id: str, workspace: str) -> bool: ...


class FolderMedia:
    """Media files in a folder beside the SQLite store, their records in its `media` table."""

    def __init__(self, folder: Path, database: sqlite3.Connection) -> None:
        self.folder = folder
        self._db = database

    def add(self, source: IO[bytes], *, workspace: str, kind: str, filename: str | None,
            now: float, limit: int | None = None) -> StoredMedia:  # fmt: skip
        self.folder.mkdir(parents=True, exist_ok=True)
        media_id = new_media_id()
        path = self.folder / media_id
        try:
            with path.open("xb") as target:
                os.fchmod(target.fileno(), 0o600)
                size, digest, head = copy_counted(source, target, limit)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        media = StoredMedia(media_id, workspace, kind, sniff(head), size, digest, filename, now)
        self._db.execute(
            "INSERT INTO media (id, workspace, kind, mime, size, sha256, filename, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (media.id, workspace, kind, media.mime, size, digest, filename, now),
        )
        return media

    def get(self, media_id: str, workspace: str) -> StoredMedia | None:
        row = self._db.execute(
            "SELECT id, workspace, kind, mime, size, sha256, filename, created_at FROM media "
            "WHERE id = ? AND workspace = ?",
            (media_id, workspace),
        ).fetchone()
        if row is None:
            return None
        return StoredMedia(str(row[0]), str(row[1]), str(row[2]), row[3], int(row[4]), str(row[5]),
                           row[6], float(row[7]))  # fmt: skip

    @contextlib.contextmanager
    def open(self, media: StoredMedia) -> Iterator[Path]:
        path = self.folder / media.id
        if not path.is_file():
            raise MediaError(f"media {media.id} is recorded but its file {path} is gone")
        yield path

    def delete(self, media_id: str, workspace: str) -> bool:
        deleted = self._db.execute("DELETE FROM media WHERE id = ? AND workspace = ?", (media_id, workspace))
        if deleted.rowcount:
            (self.folder / media_id).unlink(missing_ok=True)
        return deleted.rowcount > 0
