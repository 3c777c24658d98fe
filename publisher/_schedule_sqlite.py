"""Scheduled posts in SQLite: the embedded default, for one machine (any number of worker
processes on it). WAL, one row per (workspace, post id), every change one `BEGIN IMMEDIATE`
transaction, so two processes never take the same post (the SQL is shared: `_schedule_sql`)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from pinrules import data_file

from ._media_store import FolderMedia
from ._schedule import ScheduledPost
from ._schedule_sql import Executor, SqlScheduleStore
from ._sqlite import immediate, open_store
from ._webhook_sql import WEBHOOK_MIGRATION, SqliteWebhookStore

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
    # `take` walks the due posts in its order, due time then id: posts due at the same moment
    # (thousands, scheduled together) need no sort to find the first
    """DROP INDEX scheduled_posts_due;
    CREATE INDEX scheduled_posts_due ON scheduled_posts (status, next_attempt_at, id)""",
    # only the posts waiting (or being sent) are in the indexes that find them: a post that
    # ended leaves them, so they stay as small as the work still to do, and a take or an ending
    # changes fewer pages (a worker writes about a third fewer pages a post)
    """DROP INDEX scheduled_posts_due;
    DROP INDEX scheduled_posts_lease;
    CREATE INDEX scheduled_posts_due ON scheduled_posts (next_attempt_at, id) WHERE status = 'scheduled';
    CREATE INDEX scheduled_posts_lease ON scheduled_posts (lease_until) WHERE status = 'sending'""",
    # listing a workspace's waiting posts (`schedule list --status scheduled`, the service's
    # GET /v1/posts?status=scheduled) walks them in due order, not the whole workspace
    """CREATE INDEX scheduled_posts_waiting ON scheduled_posts (workspace, due_at, id)
    WHERE status = 'scheduled'""",
)


def default_path() -> Path:
    return data_file("schedule.sqlite3", "PINRULES_SCHEDULE")


class _SqliteDialect:
    """SQLite: one BEGIN IMMEDIATE transaction per call (the file's write lock first); each
    commit synced to disk (synchronous FULL) unless the transaction is not `durable` (NORMAL:
    WAL still keeps it through a crash of the process, not through a power cut)."""

    row_lock = skip_locked = ""  # the transaction already holds the file's write lock
    watches = False  # nothing to keep in step: workers poll the table

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def transaction(self, *, durable: bool = True) -> contextlib.AbstractContextManager[Executor]:
        return immediate(self.db, durable=durable)

    def changed(self, sql: Executor, item: ScheduledPost) -> None:
        pass  # nothing to keep in step (see `watches`)


class SqliteScheduleStore(SqlScheduleStore):
    """`ScheduleStore` in one SQLite file (default: schedule.sqlite3 in the data folder), and the
    stored media in a folder beside it."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._db = open_store(self.path, MIGRATIONS, "schedule")
        self._db.execute("PRAGMA journal_mode=WAL")
        super().__init__(_SqliteDialect(self._db))
        self.media = FolderMedia(self.path.parent / f"{self.path.stem}-media", self._db)
        self.webhooks = SqliteWebhookStore(self._db)

    def __repr__(self) -> str:
        return f"SqliteScheduleStore({str(self.path)!r})"

    def close(self) -> None:
        self._db.close()
