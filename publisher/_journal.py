"""The publish journal in SQLite: a claim per post (see `_claims` for the states and rules).

Every change is one transaction; a claim is `BEGIN IMMEDIATE` (the write lock first, so two
processes claiming the same post are serialised: one wins, the other sees its claim), then a
compare-and-set on the row it read. The SQL is portable (ON CONFLICT, CASE, no SQLite-only
function), so the PostgreSQL backend can share it. The file is created 0600 and checked
(`_sqlite.open_store`): an empty, foreign, damaged or newer file stops with an error naming it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pinrules import data_file

from ._claims import LEASE_SECONDS, MAY_EXIST, Claim, ClaimOutcome, JournalEntry, JournalState, decide_claim
from ._errors import JournalError
from ._sqlite import open_store

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
_COLUMNS = (
    "key, state, content_hash, owner, lease_until, attempted_at, sent_at, board_id, pin_id, "
    "fingerprint, detail, updated_at"
)


def default_path() -> Path:
    return data_file("journal.sqlite3", "PINRULES_JOURNAL")


class Journal:
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
        self.lease = lease
        self._clock = clock
        self._db = open_store(self.path, MIGRATIONS, "publish journal")  # autocommit: each write lands
        self._sync = ""
        with self._failing("opened"):
            self._db.execute("PRAGMA journal_mode=WAL")

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def close(self) -> None:
        self._db.close()

    def now(self) -> float:
        return self._clock()

    @contextmanager
    def _failing(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise JournalError(
                f"{self.path}: the publish journal could not be {doing} ({error}); free disk space "
                "or restore the file, then publish again"
            ) from None

    def _synchronous(self, level: str) -> None:
        if level != self._sync:
            self._db.execute(f"PRAGMA synchronous={level}")  # one of two fixed words, never input
            self._sync = level

    @contextmanager
    def _transaction(self, doing: str, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        # Only `sending`, written before the create leaves, must survive a power cut: lost, it
        # could become a duplicate pin. Any other record that is lost leaves a state behind that
        # the next claim handles safely (claimed: nothing sent; sending: reconciled). So one full
        # disk sync per post; WAL with NORMAL still survives a crash of the process.
        with self._failing(doing):
            self._synchronous("FULL" if durable else "NORMAL")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):  # the first error is the one to tell
                        self._db.execute("ROLLBACK")
                raise

    def get(self, key: str) -> JournalEntry | None:
        with self._failing("read"):
            row = self._db.execute(f"SELECT {_COLUMNS} FROM posts WHERE key = ?", (key,)).fetchone()
        return _entry(row) if row else None

    def claim(self, key: str, content_hash: str, owner: str) -> Claim:
        with self._transaction("written") as db:
            now = self.now()
            row = db.execute(f"SELECT {_COLUMNS} FROM posts WHERE key = ?", (key,)).fetchone()
            entry = _entry(row) if row else None
            outcome = decide_claim(entry, content_hash, now)
            lease_until = now + self.lease
            if entry is None:
                db.execute(
                    "INSERT INTO posts (key, state, content_hash, owner, lease_until, attempted_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                    (key, JournalState.CLAIMED, content_hash, owner, lease_until, now, now),
                )
            elif outcome == ClaimOutcome.NEW:  # nothing was created: start afresh
                db.execute(
                    "UPDATE posts SET state = ?, content_hash = ?, owner = ?, lease_until = ?, "
                    "attempted_at = ?, sent_at = NULL, pin_id = NULL, detail = NULL, updated_at = ? "
                    "WHERE key = ?",
                    (JournalState.CLAIMED, content_hash, owner, lease_until, now, now, key),
                )
            elif outcome == ClaimOutcome.RECONCILE:  # the state stays: it says a pin may exist
                db.execute(
                    "UPDATE posts SET content_hash = ?, owner = ?, lease_until = ?, updated_at = ? "
                    "WHERE key = ?",
                    (content_hash, owner, lease_until, now, key),
                )
        return Claim(outcome, entry)

    def renew(self, key: str, owner: str) -> bool:
        with self._transaction("written") as db:
            now = self.now()
            changed = db.execute(
                "UPDATE posts SET lease_until = ?, updated_at = ? WHERE key = ? AND owner = ?",
                (now + self.lease, now, key, owner),
            ).rowcount
        return changed == 1

    def begin_create(self, key: str, owner: str, *, board_id: str, fingerprint: str) -> bool:
        with self._transaction("written", durable=True) as db:
            now = self.now()
            changed = db.execute(
                "UPDATE posts SET state = ?, board_id = ?, fingerprint = ?, sent_at = ?, "
                "lease_until = ?, updated_at = ?, "
                "attempted_at = CASE WHEN state IN (?, ?) THEN attempted_at ELSE ? END "
                "WHERE key = ? AND owner = ? AND state IN (?, ?, ?)",
                (JournalState.SENDING, board_id, fingerprint, now, now + self.lease, now, *MAY_EXIST, now,
                 key, owner, JournalState.CLAIMED, *MAY_EXIST),
            ).rowcount  # fmt: skip
        return changed == 1

    def finish(
        self,
        key: str,
        owner: str,
        state: JournalState,
        *,
        pin_id: str | None = None,
        detail: str | None = None,
    ) -> bool:
        with self._transaction("written") as db:
            now = self.now()
            changed = db.execute(
                "UPDATE posts SET state = ?, pin_id = ?, detail = ?, updated_at = ?, "
                "lease_until = CASE WHEN owner = ? THEN NULL ELSE lease_until END, "
                "owner = CASE WHEN owner = ? THEN NULL ELSE owner END "
                "WHERE key = ? AND (owner = ? OR (? = ? AND state <> ?))",
                (state, pin_id, detail, now, owner, owner, key, owner, state, JournalState.PUBLISHED,
                 JournalState.PUBLISHED),
            ).rowcount  # fmt: skip
        return changed == 1

    def key_of_pin(self, pin_id: str) -> str | None:
        with self._failing("read"):
            row = self._db.execute("SELECT key FROM posts WHERE pin_id = ?", (pin_id,)).fetchone()
        return str(row[0]) if row else None

    def rivals(self, key: str, fingerprint: str, since: float) -> list[str]:
        with self._failing("read"):
            rows = self._db.execute(
                "SELECT key FROM posts WHERE fingerprint = ? AND key <> ? AND state IN (?, ?) "
                "AND sent_at >= ? ORDER BY key",
                (fingerprint, key, *MAY_EXIST, since),
            ).fetchall()
        return [str(row[0]) for row in rows]


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    """A JournalEntry from a row in _COLUMNS' order (sqlite rows are untyped)."""
    key, state, content_hash, owner, lease_until, attempted_at, sent_at, board, pin, print_, detail, at = row
    known = state in JournalState.__members__.values()
    return JournalEntry(
        key=str(key), state=JournalState(state) if known else JournalState.UNKNOWN,
        content_hash=content_hash, owner=owner,
        lease_until=lease_until, attempted_at=attempted_at, sent_at=sent_at, board_id=board,
        pin_id=pin, fingerprint=print_, detail=detail, updated_at=at,
    )  # fmt: skip
