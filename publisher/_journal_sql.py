"""The publish journal's SQL, once, for both backends (see `_claims` for the states and rules).

A backend supplies a `JournalDialect`: how a transaction starts (SQLite: BEGIN IMMEDIATE, the
file's write lock; PostgreSQL: a pooled connection whose read of the row locks it, FOR UPDATE),
which table holds the rows, and which of its errors mean "cannot read or write now" (turned
into `JournalError`). Every method is one transaction. A claim reads the row, decides with
`decide_claim`, and writes in the same transaction; a new row is inserted only if none appeared
meanwhile (two claimers: one inserts, the other reads the winner's row and decides again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from ._claims import MAY_EXIST, Claim, ClaimOutcome, JournalEntry, JournalState, decide_claim
from ._errors import JournalError
from ._schedule_sql import Executor

COLUMNS = (
    "key, state, content_hash, owner, lease_until, attempted_at, sent_at, board_id, pin_id, "
    "fingerprint, detail, updated_at"
)


class JournalDialect(Protocol):
    table: str
    row_lock: str  # appended to the claim's read of the row
    errors: tuple[type[BaseException], ...]  # the backend's "cannot read or write" errors
    where: str  # the store, for messages

    def transaction(self, *, durable: bool) -> AbstractContextManager[Executor]:
        """One transaction; `durable`: it must survive a power cut once committed."""
        ...


class SqlJournal:
    """`PublishJournal` over a dialect. `clock` and `lease` (seconds) are the claims'."""

    def __init__(self, dialect: JournalDialect, *, clock: Callable[[], float], lease: float) -> None:
        self.dialect = dialect
        self.lease = lease
        self._clock = clock

    def now(self) -> float:
        return self._clock()

    @contextmanager
    def _failing(self, doing: str) -> Iterator[None]:
        try:
            yield
        except self.dialect.errors as error:
            raise JournalError(
                f"{self.dialect.where}: the publish journal could not be {doing} ({error}); free disk "
                "space or restore the store, then publish again"
            ) from None

    @contextmanager
    def _transaction(self, doing: str, *, durable: bool = False) -> Iterator[Executor]:
        with self._failing(doing), self.dialect.transaction(durable=durable) as sql:
            yield sql

    def _read(self, sql: Executor, key: str, lock: bool = False) -> JournalEntry | None:
        suffix = self.dialect.row_lock if lock else ""
        row = sql.execute(
            f"SELECT {COLUMNS} FROM {self.dialect.table} WHERE key = ?{suffix}", (key,)
        ).fetchone()
        return _entry(row) if row else None

    def get(self, key: str) -> JournalEntry | None:
        with self._transaction("read") as sql:
            return self._read(sql, key)

    def claim(self, key: str, content_hash: str, owner: str) -> Claim:
        table = self.dialect.table
        with self._transaction("written") as sql:
            now = self.now()
            entry = self._read(sql, key, lock=True)
            lease_until = now + self.lease
            if entry is None:
                inserted = sql.execute(
                    f"INSERT INTO {table} (key, state, content_hash, owner, lease_until, attempted_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                    (key, JournalState.CLAIMED, content_hash, owner, lease_until, now, now),
                ).rowcount
                if inserted == 1:
                    return Claim(ClaimOutcome.NEW, None)
                entry = self._read(sql, key, lock=True)  # another claimer inserted it just now
            outcome = decide_claim(entry, content_hash, now)
            if outcome == ClaimOutcome.NEW:  # nothing was created: start afresh
                sql.execute(
                    f"UPDATE {table} SET state = ?, content_hash = ?, owner = ?, lease_until = ?, "
                    "attempted_at = ?, sent_at = NULL, pin_id = NULL, detail = NULL, updated_at = ? "
                    "WHERE key = ?",
                    (JournalState.CLAIMED, content_hash, owner, lease_until, now, now, key),
                )
            elif outcome == ClaimOutcome.RECONCILE:  # the state stays: it says a pin may exist
                sql.execute(
                    f"UPDATE {table} SET content_hash = ?, owner = ?, lease_until = ?, updated_at = ? "
                    "WHERE key = ?",
                    (content_hash, owner, lease_until, now, key),
                )
        return Claim(outcome, entry)

    def renew(self, key: str, owner: str) -> bool:
        with self._transaction("written") as sql:
            now = self.now()
            table = self.dialect.table
            changed = sql.execute(
                f"UPDATE {table} SET lease_until = ?, updated_at = ? WHERE key = ? AND owner = ?",
                (now + self.lease, now, key, owner),
            ).rowcount
        return changed == 1

    def begin_create(self, key: str, owner: str, *, board_id: str, fingerprint: str) -> bool:
        with self._transaction("written", durable=True) as sql:
            now = self.now()
            changed = sql.execute(
                f"UPDATE {self.dialect.table} SET state = ?, board_id = ?, fingerprint = ?, sent_at = ?, "
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
        with self._transaction("written") as sql:
            now = self.now()
            changed = sql.execute(
                f"UPDATE {self.dialect.table} SET state = ?, pin_id = ?, detail = ?, updated_at = ?, "
                "lease_until = CASE WHEN owner = ? THEN NULL ELSE lease_until END, "
                "owner = CASE WHEN owner = ? THEN NULL ELSE owner END "
                "WHERE key = ? AND (owner = ? OR (? = ? AND state <> ?))",
                (state, pin_id, detail, now, owner, owner, key, owner, state, JournalState.PUBLISHED,
                 JournalState.PUBLISHED),
            ).rowcount  # fmt: skip
        return changed == 1

    def key_of_pin(self, pin_id: str) -> str | None:
        with self._transaction("read") as sql:
            row = sql.execute(f"SELECT key FROM {self.dialect.table} WHERE pin_id = ?", (pin_id,)).fetchone()
        return str(row[0]) if row else None

    def rivals(self, key: str, fingerprint: str, since: float) -> list[str]:
        with self._transaction("read") as sql:
            table = self.dialect.table
            rows = sql.execute(
                f"SELECT key FROM {table} WHERE fingerprint = ? AND key <> ? AND state IN (?, ?) "
                "AND sent_at >= ? ORDER BY key",
                (fingerprint, key, *MAY_EXIST, since),
            ).fetchall()
        return [str(row[0]) for row in rows]


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    """A JournalEntry from a row in COLUMNS' order (rows are untyped)."""
    key, state, content_hash, owner, lease_until, attempted_at, sent_at, board, pin, print_, detail, at = row
    known = state in JournalState.__members__.values()
    return JournalEntry(
        key=str(key), state=JournalState(state) if known else JournalState.UNKNOWN,
        content_hash=content_hash, owner=owner,
        lease_until=lease_until, attempted_at=attempted_at, sent_at=sent_at, board_id=board,
        pin_id=pin, fingerprint=print_, detail=detail, updated_at=at,
    )  # fmt: skip
