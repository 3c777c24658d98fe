"""The scheduled-posts store in SQL, for both backends: SQLite and PostgreSQL differ only in
their `Dialect` (how a transaction starts, how parameters are written, how a row is locked).

Every method is one transaction. `take` picks a row and moves it to `sending` in the same
transaction: SQLite's BEGIN IMMEDIATE holds the whole file's write lock; PostgreSQL locks the
row (FOR UPDATE SKIP LOCKED), so two workers never take one post and never wait on each other.
A dialect may watch each change (`changed`) to keep something in step within the same
transaction: the PostgreSQL backend defers and cancels procrastinate jobs there.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from ._errors import ScheduleError
from ._schedule import (
    CANCELLABLE,
    DEFAULT_WORKSPACE,
    RETRYABLE,
    Exchange,
    Outcome,
    PostState,
    ScheduledPost,
    encode_post,
)

COLUMNS = (
    "workspace, id, post, content_hash, account, due_at, status, attempts, next_attempt_at, "
    "lease_owner, lease_until, taken_over, pin_id, pin_url, diagnostics, created_at, updated_at"
)


Posts = list[ScheduledPost]  # (inside the store, `list` is its method)
Rows = list[Any]
_ID, _STATUS, _NEXT_ATTEMPT = 1, 6, 8  # positions in COLUMNS

# a post a worker may take at `now` (two parameters): due and waiting, or its worker's lease ran out
_WAITING = "status = 'scheduled' AND next_attempt_at <= ?"
_LAPSED = "status = 'sending' AND lease_until <= ?"
_DUE = f"(({_WAITING}) OR ({_LAPSED}))"


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    @property
    def description(self) -> Any: ...  # None: the statement returns no rows

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Executor(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor: ...


class Dialect(Protocol):
    row_lock: str  # appended to a SELECT that picks a row to change
    skip_locked: str  # likewise, for picking any free row: rows another transaction holds are skipped
    watches: bool  # whether `changed` does anything: when not, a finished row is not read back for it

    def transaction(self, *, durable: bool = True) -> AbstractContextManager[Executor]:
        """One transaction; with `durable=False` its commit may be lost in a power cut (never in
        a crash of the process) when that costs nothing but a takeover or a new take (see `take`
        and `finish`)."""

    def changed(self, sql: Executor, item: ScheduledPost) -> None:
        """Called inside the transaction after `item` was added, retried, cancelled or finished."""


def content_hash(post: dict[str, Any]) -> str:
    return hashlib.sha256(encode_post(post).encode()).hexdigest()


def _row(row: Sequence[Any]) -> ScheduledPost:
    (workspace, post_id, post, digest, account, due_at, status, attempts, next_at, owner, until,
     taken_over, pin_id, pin_url, diagnostics, created, updated) = row  # fmt: skip
    return ScheduledPost(
        id=str(post_id),
        post=json.loads(post),
        due_at=float(due_at),
        status=PostState(status),
        workspace=str(workspace),
        account=None if account is None else str(account),
        attempts=int(attempts),
        next_attempt_at=float(next_at),
        lease_owner=None if owner is None else str(owner),
        lease_until=None if until is None else float(until),
        taken_over=bool(taken_over),
        pin_id=None if pin_id is None else str(pin_id),
        pin_url=None if pin_url is None else str(pin_url),
        diagnostics=tuple(json.loads(diagnostics)),
        created_at=float(created),
        updated_at=float(updated),
        content_hash=str(digest),
    )


class SqlScheduleStore:
    """`ScheduleStore` over a dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect

    def _one(
        self, sql: Executor, where: str, parameters: Sequence[Any], lock: bool = False, skip: bool = False
    ) -> ScheduledPost | None:
        rows = self._rows(sql, where, parameters, lock, skip)
        return _row(rows[0]) if rows else None

    def _rows(
        self, sql: Executor, where: str, parameters: Sequence[Any], lock: bool = False, skip: bool = False
    ) -> Rows:
        suffix = (self.dialect.skip_locked if skip else self.dialect.row_lock) if lock else ""
        return sql.execute(f"SELECT {COLUMNS} FROM scheduled_posts {where}{suffix}", parameters).fetchall()

    def add(self, item: ScheduledPost, *, digest: str | None = None) -> ScheduledPost:
        digest = digest or content_hash(item.post)
        now = item.created_at or time.time()
        where = ("WHERE workspace = ? AND id = ?", (item.workspace, item.id))
        with self.dialect.transaction() as sql:
            # one row per id even when another process adds the same id at this moment
            inserted = sql.execute(
                f"INSERT INTO scheduled_posts ({COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, 'scheduled', 0, ?, NULL, NULL, ?, NULL, NULL, '[]', ?, ?) "
                "ON CONFLICT (workspace, id) DO NOTHING",
                (item.workspace, item.id, encode_post(item.post), digest, item.account, item.due_at,
                 item.next_attempt_at or item.due_at, False, now, now),
            ).rowcount  # fmt: skip
            stored = self._one(sql, *where)
            assert stored is not None
            if inserted == 1:
                self.dialect.changed(sql, stored)
                return stored
        if stored.content_hash == digest and stored.status is PostState.SCHEDULED:
            return stored
        raise ScheduleError(
            f"a post with id {item.id!r} is already {stored.status}"
            + (" with other content" if stored.content_hash != digest else "")
            + "; give this post another id"
            + (", or cancel the scheduled one first" if stored.status in CANCELLABLE else "")
        )

    def add_sending(self, item: ScheduledPost, owner: str, until: float) -> ScheduledPost:
        """Store a new post already `sending` under `owner` until `until` (a post published now:
        should its sender die, a worker takes it over and reconciles, as for any other)."""
        now = item.created_at or time.time()
        with self.dialect.transaction() as sql:
            existing = self._one(sql, "WHERE workspace = ? AND id = ?", (item.workspace, item.id), lock=True)
            if existing is not None:
                raise ScheduleError(f"a post with id {item.id!r} is already {existing.status}; "
                                    "give this post another id")  # fmt: skip
            sql.execute(
                f"INSERT INTO scheduled_posts ({COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?, ?, ?, NULL, NULL, '[]', ?, ?)",
                (item.workspace, item.id, encode_post(item.post), content_hash(item.post), item.account,
                 item.due_at, item.due_at, owner, until, False, now, now),
            )  # fmt: skip
            stored = self._one(sql, "WHERE workspace = ? AND id = ?", (item.workspace, item.id))
        assert stored is not None
        return stored

    def get(self, post_id: str, workspace: str = DEFAULT_WORKSPACE) -> ScheduledPost | None:
        with self.dialect.transaction() as sql:
            return self._one(sql, "WHERE workspace = ? AND id = ?", (workspace, post_id))

    def list(
        self,
        workspace: str = DEFAULT_WORKSPACE,
        status: PostState | None = None,
        after: tuple[float, str] | None = None,
        limit: int = 100,
    ) -> list[ScheduledPost]:
        where, parameters = ["workspace = ?"], [workspace]
        if status is not None:
            # a literal (one of PostState's names), not a parameter: SQLite then reads posts
            # waiting or being sent through the partial index that holds only those
            where.append(f"status = '{PostState(status).value}'")
        if after is not None:
            where.append("(due_at > ? OR (due_at = ? AND id > ?))")
            parameters += [after[0], after[0], after[1]]  # type: ignore[list-item]
        with self.dialect.transaction() as sql:
            condition = " AND ".join(where)
            rows = sql.execute(
                f"SELECT {COLUMNS} FROM scheduled_posts WHERE {condition} ORDER BY due_at, id LIMIT ?",
                (*parameters, limit),
            ).fetchall()
        return [_row(row) for row in rows]

    def _change(self, post_id: str, workspace: str, allowed: tuple[PostState, ...], refusal: str,
                *, assignments: str, parameters: Sequence[Any]) -> ScheduledPost:  # fmt: skip
        with self.dialect.transaction() as sql:
            found = self._one(sql, "WHERE workspace = ? AND id = ?", (workspace, post_id), lock=True)
            if found is None:
                raise ScheduleError(f"no scheduled post {post_id!r}")
            if found.status not in allowed:
                raise ScheduleError(f"post {post_id!r} is {found.status}; {refusal}")
            sql.execute(
                f"UPDATE scheduled_posts SET {assignments}, updated_at = ? WHERE workspace = ? AND id = ?",
                (*parameters, time.time(), workspace, post_id),
            )
            return self._read_back(sql, workspace, post_id)

    def cancel(self, post_id: str, workspace: str = DEFAULT_WORKSPACE) -> ScheduledPost:
        return self._change(post_id, workspace, CANCELLABLE, "only a post waiting to go out can be cancelled",
                            assignments="status = 'cancelled'", parameters=())  # fmt: skip

    def retry(self, post_id: str, now: float, workspace: str = DEFAULT_WORKSPACE) -> ScheduledPost:
        return self._change(post_id, workspace, RETRYABLE,
                            "retry applies to failed, unknown, missed or cancelled posts",
                            assignments="status = 'scheduled', due_at = ?, next_attempt_at = ?, attempts = 0",
                            parameters=(now, now))  # fmt: skip

    def take(self, now: float, owner: str, lease: float) -> ScheduledPost | None:
        _, taken = self.finish_and_take((), now, owner, lease, 1)
        return taken[0] if taken else None

    def finish_and_take(
        self,
        finished: Sequence[tuple[ScheduledPost, Outcome]],
        now: float,
        owner: str,
        lease: float,
        limit: int,
    ) -> Exchange:
        # Not synced when only published posts are recorded (one disk sync a post fewer): lost
        # in a power cut, a take leaves the post as it was, and a published post is `sending`
        # again, its takeover finding the pin through the publish journal (whose `sending` record
        # is synced before the create) or the board; the worker asks the journal before calling
        # a late post missed. Any other ending is synced: a takeover would send a missed post
        # late, or a failed one again.
        durable = any(outcome.status is not PostState.PUBLISHED for _, outcome in finished)
        with self.dialect.transaction(durable=durable) as sql:
            kept = [
                self._finish(sql, item.id, item.workspace, owner=owner, outcome=outcome, now=now)
                for item, outcome in finished
            ]
            taken = self._take(sql, self._earliest(sql, now, limit) if limit > 0 else [], now, owner, lease)
        return Exchange(kept, taken)

    def _earliest(self, sql: Executor, now: float, limit: int) -> Rows:
        # one walk per state, each stopping at its first rows in an index's order (a single
        # walk with an OR of both sorts every due row on every take: 10,000 due at once, a sort
        # of 10,000 rows per post sent), in one statement
        lock = self.dialect.skip_locked
        first = f"ORDER BY next_attempt_at, id LIMIT ?{lock}"
        walks = [
            f"SELECT * FROM (SELECT {COLUMNS} FROM scheduled_posts WHERE {state} {first}) AS {name}"
            for name, state in (("waiting", _WAITING), ("lapsed", _LAPSED))
        ]
        query = f"{walks[0]} UNION ALL {walks[1]} ORDER BY next_attempt_at, id LIMIT ?"
        return sql.execute(query, (now, limit, now, limit, limit)).fetchall()

    def take_post(
        self, post_id: str, workspace: str, now: float, owner: str, lease: float
    ) -> ScheduledPost | None:
        """Take one given post, when it is due (or its worker's lease ran out)."""
        where = f"WHERE workspace = ? AND id = ? AND {_DUE}"
        with self.dialect.transaction(durable=False) as sql:  # as `finish_and_take`'s take
            found = self._rows(sql, where, (workspace, post_id, now, now), lock=True, skip=True)
            taken = self._take(sql, found, now, owner, lease)
        return taken[0] if taken else None

    def _take(self, sql: Executor, rows: Rows, now: float, owner: str, lease: float) -> Posts:
        by_workspace: dict[str, list[str]] = {}
        for row in rows:
            by_workspace.setdefault(row[0], []).append(row[_ID])
        for workspace, ids in by_workspace.items():  # one statement for the batch (of a workspace)
            sql.execute(
                "UPDATE scheduled_posts SET status = 'sending', lease_owner = ?, lease_until = ?, "
                "taken_over = (status = 'sending'), attempts = attempts + 1, updated_at = ? "
                f"WHERE workspace = ? AND id IN ({', '.join('?' * len(ids))})",
                (owner, now + lease, now, workspace, *ids),
            )
        taken = []
        for row in rows:
            attempts, taken_over = row[_STATUS + 1], row[_STATUS] == PostState.SENDING
            # the row as it is now (built from its columns: cheaper than a dataclass replace)
            now_row = (*row[:_STATUS], "sending", attempts + 1, row[_NEXT_ATTEMPT], owner, now + lease,
                       taken_over, *row[_NEXT_ATTEMPT + 4 :])  # fmt: skip
            taken.append(_row(now_row))
        return taken

    def release(self, taken: Sequence[ScheduledPost], now: float, owner: str) -> None:
        with self.dialect.transaction() as sql:
            for item in taken:
                sql.execute(
                    "UPDATE scheduled_posts SET attempts = attempts - 1, updated_at = ?, "
                    "status = CASE WHEN taken_over THEN 'sending' ELSE 'scheduled' END, "
                    "lease_until = CASE WHEN taken_over THEN ? ELSE NULL END, "
                    "lease_owner = CASE WHEN taken_over THEN lease_owner ELSE NULL END "
                    "WHERE workspace = ? AND id = ? AND status = 'sending' AND lease_owner = ?",
                    (now, now, item.workspace, item.id, owner),
                )
                if self.dialect.watches:
                    self._read_back(sql, item.workspace, item.id)

    def renew(self, post_id: str, workspace: str, owner: str, until: float) -> bool:
        with self.dialect.transaction(durable=False) as sql:  # lost: a takeover a little early
            cursor = sql.execute(
                "UPDATE scheduled_posts SET lease_until = ? "
                "WHERE workspace = ? AND id = ? AND status = 'sending' AND lease_owner = ?",
                (until, workspace, post_id, owner),
            )
            return cursor.rowcount == 1

    def finish(self, post_id: str, workspace: str, owner: str, outcome: Outcome, now: float) -> bool:
        with self.dialect.transaction(durable=outcome.status is not PostState.PUBLISHED) as sql:
            return self._finish(
                sql, post_id, workspace, owner=owner, outcome=outcome, now=now
            )  # synced: as `finish_and_take`

    def _finish(
        self, sql: Executor, post_id: str, workspace: str, *, owner: str, outcome: Outcome, now: float
    ) -> bool:
        cursor = sql.execute(
            "UPDATE scheduled_posts SET status = ?, pin_id = ?, pin_url = ?, diagnostics = ?, "
            "next_attempt_at = COALESCE(?, next_attempt_at), lease_owner = NULL, lease_until = NULL, "
            "taken_over = ?, updated_at = ? "
            "WHERE workspace = ? AND id = ? AND status = 'sending' AND lease_owner = ?",
            (str(outcome.status), outcome.pin_id, outcome.pin_url, json.dumps(list(outcome.diagnostics)),
             outcome.next_attempt_at, False, now, workspace, post_id, owner),
        )  # fmt: skip
        if cursor.rowcount != 1:
            return False
        if self.dialect.watches:
            self._read_back(sql, workspace, post_id)
        return True

    def _read_back(self, sql: Executor, workspace: str, post_id: str) -> ScheduledPost:
        """The post as the transaction changed it, told to the dialect (`Dialect.changed`)."""
        changed = self._one(sql, "WHERE workspace = ? AND id = ?", (workspace, post_id))
        assert changed is not None
        self.dialect.changed(sql, changed)
        return changed

    def next_due(self) -> float | None:
        with self.dialect.transaction() as sql:  # each an index's first entry, not a walk of all
            row = sql.execute(
                "SELECT (SELECT MIN(next_attempt_at) FROM scheduled_posts WHERE status = 'scheduled'), "
                "(SELECT MIN(lease_until) FROM scheduled_posts WHERE status = 'sending')"
            ).fetchone()
        found = [float(value) for value in row if value is not None]
        return min(found) if found else None

    def rows(self, where: str, parameters: Sequence[Any] = ()) -> Iterator[ScheduledPost]:
        """Rows matching a condition (for a backend's housekeeping)."""
        with self.dialect.transaction() as sql:
            found = sql.execute(f"SELECT {COLUMNS} FROM scheduled_posts {where}", parameters).fetchall()
        return (_row(row) for row in found)
