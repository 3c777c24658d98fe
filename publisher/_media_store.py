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
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol, TypeGuard

from pinrules import SNIFF_BYTES, UPLOAD_ID_PREFIX, is_upload_id, sniff

from ._errors import MediaError

CHUNK = 1024 * 1024
MEDIA_COLUMNS = "id, workspace, kind, mime, size, sha256, filename, created_at"  # of both stores' tables


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

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> StoredMedia:
        """An item from the columns `MEDIA_COLUMNS` name, in that order."""
        return cls(str(row[0]), str(row[1]), str(row[2]), row[3], int(row[4]), str(row[5]), row[6],
                   float(row[7]))  # fmt: skip

    def summary(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "mimeType": self.mime, "sizeBytes": self.size,
                "sha256": self.sha256, "filename": self.filename, "createdAt": self.created_at}  # fmt: skip


def new_media_id() -> str:
    return UPLOAD_ID_PREFIX + secrets.token_urlsafe(18)


def is_stored_media_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and is_upload_id(value)


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


class IncomingMedia(Protocol):
    """An upload being received: chunks written as they arrive, then kept (or discarded)."""

    size: int
    head: bytes  # the first bytes, to judge the type by

    def write(self, chunk: bytes) -> None: ...

    def keep(self, kind: str, now: float) -> StoredMedia:
        """Adopt the received bytes as a stored item (type by content)."""

    def discard(self) -> None:
        """Forget what was received (an upload cut short or refused)."""


class MediaStore(Protocol):
    # where `open` gives its files: a post made of stored media names them relative to it, so
    # that its paths stay inside the post's folder (see pinrules.MediaFolders)
    folder: Path

    def receive(self, *, workspace: str, filename: str | None) -> IncomingMedia:
        """Start receiving an upload of unknown length, chunk by chunk (the posting service)."""

    def add(self, source: IO[bytes], *, workspace: str, kind: str, filename: str | None,
            now: float, limit: int | None = None) -> StoredMedia:  # fmt: skip
        """Store the bytes of an open file; its type is judged by content."""

    def get(self, media_id: str, workspace: str) -> StoredMedia | None: ...

    def get_many(self, media_ids: Sequence[str], workspace: str) -> dict[str, StoredMedia]:
        """The items of `workspace` among `media_ids`, by id, in one read (missing ones left out)."""

    def open(self, media: StoredMedia) -> contextlib.AbstractContextManager[Path]:
        """A local file holding the media's bytes (as many as were stored), directly in
        `folder`, for the time of the `with`; a MediaError when it is gone or was changed."""

    def delete(self, media_id: str, workspace: str) -> bool: ...

    def close(self) -> None:
        """Let go of what the store holds locally."""


def changed_size(media: StoredMedia, size: int) -> str:
    """The error of a stored item whose bytes are no longer as many as were stored."""
    return (
        f"media {media.id} was changed after it was stored: it has {size:,} bytes where "
        f"{media.size:,} were stored; store the file again (schedule or upload it) and retry"
    )


class FolderMedia:
    """Media files in a folder beside the SQLite store, their records in its `media` table."""

    def __init__(self, folder: Path, database: sqlite3.Connection) -> None:
        self.folder = folder
        self._db = database

    def receive(self, *, workspace: str, filename: str | None) -> _IncomingFile:
        self.folder.mkdir(parents=True, exist_ok=True)
        return _IncomingFile(self, workspace, filename)

    def _record(self, media: StoredMedia) -> None:
        self._db.execute(
            f"INSERT INTO media ({MEDIA_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (media.id, media.workspace, media.kind, media.mime, media.size, media.sha256, media.filename,
             media.created_at),
        )  # fmt: skip

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
        self._record(media)
        return media

    def get(self, media_id: str, workspace: str) -> StoredMedia | None:
        row = self._db.execute(
            f"SELECT {MEDIA_COLUMNS} FROM media WHERE id = ? AND workspace = ?", (media_id, workspace)
        ).fetchone()
        return None if row is None else StoredMedia.from_row(row)

    def get_many(self, media_ids: Sequence[str], workspace: str) -> dict[str, StoredMedia]:
        if not media_ids:
            return {}
        marks = ", ".join("?" * len(media_ids))
        rows = self._db.execute(
            f"SELECT {MEDIA_COLUMNS} FROM media WHERE workspace = ? AND id IN ({marks})",
            (workspace, *media_ids),
        ).fetchall()
        return {str(row[0]): StoredMedia.from_row(row) for row in rows}

    @contextlib.contextmanager
    def open(self, media: StoredMedia) -> Iterator[Path]:
        path = self.folder / media.id
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            info = None
        if info is None or not stat.S_ISREG(info.st_mode):
            raise MediaError(f"media {media.id} is recorded but its file is gone from the media folder")
        if info.st_size != media.size:  # what is sent is judged by what was stored (its size, type)
            raise MediaError(changed_size(media, info.st_size))
        yield path

    def delete(self, media_id: str, workspace: str) -> bool:
        deleted = self._db.execute("DELETE FROM media WHERE id = ? AND workspace = ?", (media_id, workspace))
        if deleted.rowcount:
            (self.folder / media_id).unlink(missing_ok=True)
        return deleted.rowcount > 0

    def close(self) -> None:
        pass  # the files stay; the connection is the schedule store's


class _IncomingFile:
    """An upload written to a private temporary file in the media folder, renamed into place
    (and recorded) once complete: a cut-short upload never becomes a stored item."""

    def __init__(self, store: FolderMedia, workspace: str, filename: str | None) -> None:
        self._store = store
        self._workspace = workspace
        self._filename = filename
        self._digest = hashlib.sha256()
        self.size = 0
        self.head = b""
        descriptor, name = tempfile.mkstemp(dir=store.folder, prefix=".incoming-")  # 0600
        self._path = Path(name)
        self._file = os.fdopen(descriptor, "wb")

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        self._digest.update(chunk)
        self._file.write(chunk)

    def keep(self, kind: str, now: float) -> StoredMedia:
        self._file.close()
        media = StoredMedia(new_media_id(), self._workspace, kind, sniff(self.head), self.size,
                            self._digest.hexdigest(), self._filename, now)  # fmt: skip
        os.replace(self._path, self._store.folder / media.id)
        self._store._record(media)
        return media

    def discard(self) -> None:
        self._file.close()
        self._path.unlink(missing_ok=True)


class SpooledIncoming:
    """An upload spooled to a private temporary file, then handed whole to a store's `add`
    (the database keeps media in chunks inside one transaction): nothing is stored until `keep`."""

    def __init__(self, store: MediaStore, workspace: str, filename: str | None) -> None:
        self._store = store
        self._workspace = workspace
        self._filename = filename
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by keep or discard
        self.size = 0
        self.head = b""

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        self._file.write(chunk)

    def keep(self, kind: str, now: float) -> StoredMedia:
        try:
            self._file.seek(0)
            return self._store.add(
                self._file, workspace=self._workspace, kind=kind, filename=self._filename, now=now
            )
        finally:
            self._file.close()

    def discard(self) -> None:
        self._file.close()
