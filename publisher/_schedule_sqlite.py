"""Scheduled posts in SQLite: the embedded default, for one machine (any number of worker
processes on it). WAL, one row per (workspace, post id), and `take` as one `BEGIN IMMEDIATE`
transaction, so two processes never take the same post."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from pinrules import data_file

from ._media_store import FolderMedia
from ._schedule import (
    CANCELLABLE,
    DEFAULT_WORKSPACE,
    RETRYABLE,
    Outcome,
    PostState,
    ScheduledPost,
    ScheduleError,
    encode_post,
)
from ._sqlite import open_store
from ._webhooks import WEBHOOK_MIGRATION, SqliteWebhookStore

MIGRATIONS = (
    """CREATE TABLE scheduled_posts (
        workspace TEXT NOT NULL,
        id TEXT NOT NULL,
        post TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        account TEXT,
        due_at REAL NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL,
        lease_owner TEXT,
        lease_until REAL,
        taken_over INTEGER NOT NULL DEFAULT 0,
        pin_id TEXT,
        pin_url TEXT,
        diagnostics TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (workspace, id)
    );
    CREATE INDEX scheduled_posts_due ON scheduled_posts (status, next_attempt_at);
    CREATE INDEX scheduled_posts_lease ON scheduled_posts (status, lease_until);
    CREATE TABLE media (
        id TEXT PRIMARY KEY,
        workspace TEXT NOT NULL,
        kind TEXT NOT NULL,
        mime TEXT,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        filename TEXT,
        created_at REAL NOT NULL
    )""",
    WEBHOOK_MIGRATION,  # webhook subscriptions and their outbox (see _webhooks)
)
_COLUMNS = (
    "workspace, id, post, content_hash, account, due_at, status, attempts, next_attempt_at, "
    "lease_owner, lease_until, taken_over, pin_id, pin_url, diagnostics, created_at, updated_at"
)


def default_path() -> Path:
    return data_file("schedule.sqlite3", "PINRULES_SCHEDULE")


def content_hash(post: dict[str, Any]) -> str:
    return hashlib.sha256(encode_post(post).encode()).hexdigest()


def _row(row: tuple[Any, ...]) -> ScheduledPost:
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


class SqliteScheduleStore:
    """`ScheduleStore` in one SQLite file (default: schedule.sqlite3 in the data folder)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._db = open_store(self.path, MIGRATIONS, "schedule")
        self._db.execute("PRAGMA journal_mode=WAL")
        self.media = FolderMedia(self.path.parent / f"{self.path.stem}-media", self._db)
        self.webhooks = SqliteWebhookStore(self._db)

    def __repr__(self) -> str:
        return f"SqliteScheduleStore({str(self.path)!r})"

    def close(self) -> None:
        self._db.close()

    def _one(self, sql: str, parameters: tuple[Any, ...]) -> ScheduledPost | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM scheduled_posts {sql}", parameters).fetchone()
        return _row(row) if row else None

    def _transaction(self) -> _Immediate:
        return _Immediate(self._db)

    def add(self, item: ScheduledPost) -> ScheduledPost:
        digest = content_hash(item.post)
        now = item.created_at or time.time()
        with self._transaction():
            existing = self._one("WHERE workspace = ? AND id = ?", (item.workspace, item.id))
            if existing is not None:
                if existing.content_hash == digest and existing.status is PostState.SCHEDULED:
                    return existing
                raise ScheduleError(
                    f"a post with id {item.id!r} is already {existing.status}"
                    + (" with other content" if existing.content_hash != digest else "")
                    + "; give this post another id"
                    + (", or cancel the scheduled one first" if existing.status in CANCELLABLE else "")
                )
            self._db.execute(
                f"INSERT INTO scheduled_posts ({_COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, 'scheduled', 0, ?, NULL, NULL, 0, NULL, NULL, '[]', ?, ?)",
                (item.workspace, item.id, encode_post(item.post), digest, item.account, item.due_at,
                 item.next_attempt_at or item.due_at, now, now),
            )  # fmt: skip
        stored = self.get(item.id, item.workspace)
        assert stored is not None
        return stored

    def add_sending(self, item: ScheduledPost, owner: str, until: float) -> ScheduledPost:
        now = item.created_at or time.time()
        with self._transaction():
            existing = self._one("WHERE workspace = ? AND id = ?", (item.workspace, item.id))
            if existing is not None:
                raise ScheduleError(f"a post with id {item.id!r} is already {existing.status}; "
                                    "give this post another id")  # fmt: skip
            self._db.execute(
                f"INSERT INTO scheduled_posts ({_COLUMNS}) VALUES "
                "(?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?, ?, 0, NULL, NULL, '[]', ?, ?)",
                (item.workspace, item.id, encode_post(item.post), content_hash(item.post), item.account,
                 item.due_at, item.due_at, owner, until, now, now),
            )  # fmt: skip
        stored = self.get(item.id, item.workspace)
        assert stored is not None
        return stored

    def get(self, post_id: str, workspace: str = DEFAULT_WORKSPACE) -> ScheduledPost | None:
        return self._one("WHERE workspace = ? AND id = ?", (workspace, post_id))

    def list(
        self,
        workspace: str = DEFAULT_WORKSPACE,
        status: PostState | None = None,
        after: tuple[float, str] | None = None,
        limit: int = 100,
    ) -> list[ScheduledPost]:
        where, parameters = ["workspace = ?"], [workspace]
        if status is not None:
            where.append("status = ?")
            parameters.append(str(status))
        if after is not None:
            where.append("(due_at > ? OR (due_at = ? AND id > ?))")
            parameters += [after[0], after[0], after[1]]  # type: ignore[list-item]
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM scheduled_posts WHERE {' AND '.join(where)} ORDER BY due_at, id LIMIT ?",
            (*parameters, limit),
        )
        return [_row(row) for row in rows]

    def _require(self, post_id: str, workspace: str) -> ScheduledPost:
        found = self.get(post_id, workspace)
        if found is None:
            raise ScheduleError(f"no scheduled post {post_id!r}")
        return found

    def cancel(self, post_id: str, workspace: str = DEFAULT_WORKSPACE) -> ScheduledPost:
        with self._transaction():
            found = self._require(post_id, workspace)
            if found.status not in CANCELLABLE:
                raise ScheduleError(
                    f"post {post_id!r} is {found.status}; only a post waiting to go out can be cancelled"
                )
            self._set(found, "status = 'cancelled'", ())
        return self._require(post_id, workspace)

    def retry(self, post_id: str, now: float, workspace: str = DEFAULT_WORKSPACE) -> ScheduledPost:
        with self._transaction():
            found = self._require(post_id, workspace)
            if found.status not in RETRYABLE:
                raise ScheduleError(f"post {post_id!r} is {found.status}; retry applies to failed, unknown, "
                                    "missed or cancelled posts")  # fmt: skip
            self._set(
                found, "status = 'scheduled', due_at = ?, next_attempt_at = ?, attempts = 0", (now, now)
            )
        return self._require(post_id, workspace)

    def _set(self, item: ScheduledPost, assignments: str, parameters: tuple[Any, ...]) -> None:
        self._db.execute(
            f"UPDATE scheduled_posts SET {assignments}, updated_at = ? WHERE workspace = ? AND id = ?",
            (*parameters, time.time(), item.workspace, item.id),
        )

    def take(self, now: float, owner: str, lease: float) -> ScheduledPost | None:
        with self._transaction():
            found = self._one(
                "WHERE (status = 'scheduled' AND next_attempt_at <= ?) "
                "OR (status = 'sending' AND lease_until <= ?) ORDER BY next_attempt_at, id LIMIT 1",
                (now, now),
            )
            if found is None:
                return None
            taken_over = found.status is PostState.SENDING
            self._db.execute(
                "UPDATE scheduled_posts SET status = 'sending', lease_owner = ?, lease_until = ?, "
                "taken_over = ?, attempts = attempts + 1, updated_at = ? WHERE workspace = ? AND id = ?",
                (owner, now + lease, int(taken_over), now, found.workspace, found.id),
            )
        return found.with_changes(status=PostState.SENDING, lease_owner=owner, lease_until=now + lease,
                                  taken_over=taken_over, attempts=found.attempts + 1)  # fmt: skip

    def renew(self, post_id: str, workspace: str, owner: str, until: float) -> bool:
        cursor = self._db.execute(
            "UPDATE scheduled_posts SET lease_until = ? "
            "WHERE workspace = ? AND id = ? AND status = 'sending' AND lease_owner = ?",
            (until, workspace, post_id, owner),
        )
        return cursor.rowcount == 1

    def finish(self, post_id: str, workspace: str, owner: str, outcome: Outcome, now: float) -> bool:
        cursor = self._db.execute(
            "UPDATE scheduled_posts SET status = ?, pin_id = ?, pin_url = ?, diagnostics = ?, "
            "next_attempt_at = COALESCE(?, next_attempt_at), lease_owner = NULL, lease_until = NULL, "
            "taken_over = 0, updated_at = ? "
            "WHERE workspace = ? AND id = ? AND status = 'sending' AND lease_owner = ?",
            (str(outcome.status), outcome.pin_id, outcome.pin_url, json.dumps(list(outcome.diagnostics)),
             outcome.next_attempt_at, now, workspace, post_id, owner),
        )  # fmt: skip
        return cursor.rowcount == 1

    def next_due(self) -> float | None:
        row = self._db.execute(
            "SELECT MIN(CASE status WHEN 'scheduled' THEN next_attempt_at ELSE lease_until END) "
            "FROM scheduled_posts WHERE status IN ('scheduled', 'sending')"
        ).fetchone()
        return None if row[0] is None else float(row[0])


class _Immediate:
    """`with`: one BEGIN IMMEDIATE transaction (the write lock first: no lost updates)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
