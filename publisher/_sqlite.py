"""Opening the publisher's SQLite files: created private, checked, and migrated in order.

Each store names its schema as an ordered list of migration steps; the file's
`PRAGMA user_version` says how many have been applied. Opening applies the missing ones in
one exclusive transaction (two processes opening a store at once migrate it once). A file
that is empty, not SQLite, damaged, or from a newer pinrules stops with one clear error naming
the file and what to do: never a silent fresh start (a fresh journal would publish every post
again), never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from ._errors import StoreError

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000  # another process holding the write lock: wait, do not fail


def _check_file(path: Path, what: str) -> bool:
    """True when the file exists and looks like SQLite; False when it does not exist yet."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return False
    except IsADirectoryError:
        raise StoreError(f"{path}: the {what} is a folder, not a file; name a file") from None
    except OSError as error:
        raise StoreError(f"{path}: cannot read the {what} ({error.strerror})") from None
    if not head:
        raise StoreError(
            f"{path}: the {what} is empty (0 bytes), so what it recorded is lost; restore it from a "
            f"backup, or delete it to start a new one"
        )
    if head != SQLITE_HEADER:
        raise StoreError(f"{path}: not a pinrules {what} (not an SQLite file); name another file")
    return True


def _create(path: Path, migrations: Sequence[str], what: str) -> None:
    """Make a new store: built complete in a private temporary file, then linked into place, so
    that no process ever sees it half made (or empty), and two creating at once make one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    os.close(descriptor)  # mkstemp makes it 0600: private from the first byte
    try:
        connection = sqlite3.connect(temporary, isolation_level=None)
        try:
            _migrate(connection, migrations, path, what)
        finally:
            connection.close()
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it a moment ago: use theirs
        except OSError:  # a file system without hard links: rename, when still missing
            if not path.exists():
                os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def open_store(path: Path, migrations: Sequence[str], what: str) -> sqlite3.Connection:
    """A connection to the store at `path` (created 0600 when missing), at the newest schema."""
    if not _check_file(path, what):
        _create(path, migrations, what)
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            _migrate(connection, migrations, path, what)
        except BaseException:
            connection.close()
            raise
    except sqlite3.DatabaseError as error:  # damaged, truncated, locked for too long
        raise StoreError(
            f"{path}: the {what} cannot be used ({error}); restore it from a backup, or move it "
            f"away to start a new one"
        ) from None
    return connection


def _migrate(connection: sqlite3.Connection, migrations: Sequence[str], path: Path, what: str) -> None:
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA synchronous=FULL")  # the resting level `immediate` expects, whatever the build
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version == len(migrations):
        connection.execute("PRAGMA quick_check(1)")  # a damaged file fails here, not mid-publish
        return
    connection.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then see it done
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > len(migrations):
            raise StoreError(
                f"{path}: the {what} has schema version {version}, made by a newer pinrules "
                f"(this one knows {len(migrations)}); upgrade pinrules"
            )
        for step in migrations[version:]:
            for statement in step.split(";\n"):
                if statement.strip():
                    connection.execute(statement)
        # user_version takes no parameter; the number is ours, never input
        connection.execute(f"PRAGMA user_version = {len(migrations):d}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def schema_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


@contextlib.contextmanager
def immediate(connection: sqlite3.Connection, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
    """One transaction that takes the file's write lock first (BEGIN IMMEDIATE): what it reads
    no other process changes before it commits. Its commit is synced to disk (synchronous FULL,
    the connection's resting level) unless not `durable` (NORMAL: WAL keeps it through a crash
    of the process, not through a power cut), for a write whose loss the caller can afford."""
    if not durable:  # SQLite refuses to change the level inside a transaction: set it before BEGIN
        connection.execute("PRAGMA synchronous=NORMAL")
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:  # also after a COMMIT that failed
                with contextlib.suppress(sqlite3.Error):  # the first error is the one to tell
                    connection.execute("ROLLBACK")
            raise
    finally:
        if not durable:
            connection.execute("PRAGMA synchronous=FULL")
