"""The publish journal in SQLite: a claim per post (see `_claims` for the states and rules).

Every change is one transaction; a claim is `BEGIN IMMEDIATE` (the write lock first, so two
processes claiming the same post are serialised: one wins, the other sees its claim), then a
compare-and-set on the row it read. The SQL is shared with PostgreSQL (`_journal_sql`). The file
is created 0600 and checked (`_sqlite.open_store`): an empty, foreign, damaged or newer file
stops with an error naming it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from pinrules import data_file

from ._claims import LEASE_SECONDS
from ._journal_sql import SqlJournal
from ._schedule_sql import Executor
from ._sqlite import immediate, open_store

# the schema, as ordered migration steps (PRAGMA user_version counts those applied)
MIGRATIONS = (
    """CREATE TABLE IF NOT EXISTS posts (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        pin_id TEXT,
        board_id TEXT,
        attempted_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )""",
    # 2: claims. A row of step 1 left "creating" is a create that may have been sent.
    """ALTER TABLE posts ADD COLUMN content_hash TEXT;
    ALTER TABLE posts ADD COLUMN owner TEXT;
    ALTER TABLE posts ADD COLUMN lease_until REAL;
    ALTER TABLE posts ADD COLUMN sent_at REAL;
    ALTER TABLE posts ADD COLUMN fingerprint TEXT;
    ALTER TABLE posts ADD COLUMN detail TEXT;
    UPDATE posts SET state = 'sending', sent_at = attempted_at WHERE state = 'creating';
    CREATE INDEX IF NOT EXISTS posts_by_pin ON posts (pin_id);
    CREATE INDEX IF NOT EXISTS posts_by_fingerprint ON posts (fingerprint)""",
)


def default_path() -> Path:
    return data_file("journal.sqlite3", "PINRULES_JOURNAL")


class _SqliteJournal:
    """The journal's SQLite dialect: BEGIN IMMEDIATE; only a `sending` record is synced to disk."""

    table = "posts"
    row_lock = ""  # BEGIN IMMEDIATE already holds the file's write lock
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.where = str(path)

    def transaction(self, *, durable: bool) -> contextlib.AbstractContextManager[Executor]:
        # Only `sending`, written before the create leaves, must survive a power cut: lost, it
        # could become a duplicate pin. Any other record that is lost leaves a state behind that
        # the next claim handles safely (claimed: nothing sent; sending: reconciled). So one full
        # disk sync per post; WAL with NORMAL still survives a crash of the process.
        return immediate(self.db, durable=durable)


class Journal(SqlJournal):
    """`PublishJournal` in a SQLite file (default: in the user's data folder).

    `clock` and `lease` (seconds) are the claims' clock and lease length."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        clock: Callable[[], float] = time.time,
        lease: float = LEASE_SECONDS,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._db = open_store(self.path, MIGRATIONS, "publish journal")  # autocommit: each write lands
        super().__init__(_SqliteJournal(self._db, self.path), clock=clock, lease=lease)
        with self._failing("opened"):
            self._db.execute("PRAGMA journal_mode=WAL")

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def close(self) -> None:
        self._db.close()
