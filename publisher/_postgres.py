"""The PostgreSQL backend: one database for every worker on every machine.

Our tables (prefixed `pinrules_` where they could meet someone else's) live beside
procrastinate's. A scheduled post is a row of `scheduled_posts` (the truth about it) and a
procrastinate job that wakes a worker for it when it is due: the job is written in the same
transaction as the row (procrastinate's versioned SQL function `procrastinate_defer_jobs_v1`), with
one lock and one queueing lock per post, so that no two jobs of a post run at once and at most
one waits. `pinrules db migrate` applies procrastinate's schema (or its newer migration files)
and ours, each once, recorded in `pinrules_schema_migrations`, under an advisory lock so that
two migrating at once do it once.

psycopg and procrastinate are imported only here, only for this backend.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg_pool import ConnectionPool

from pinrules import SNIFF_BYTES, sniff

from ._errors import MediaError, StoreError
from ._media_store import (
    MEDIA_COLUMNS,
    IncomingMedia,
    SpooledIncoming,
    StoredMedia,
    changed_size,
    new_media_id,
)
from ._schedule import PostState, ScheduledPost
from ._schedule_sql import Cursor, SqlScheduleStore
from ._webhook_sql import SqlWebhookStore

JOB_QUEUE = "pinrules"
PUBLISH_TASK = "pinrules.publish_post"
MEDIA_CHUNK = 8 * 1024 * 1024

# our schema, as named steps applied in order once each
MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_scheduled_posts",
        """CREATE TABLE scheduled_posts (
            workspace text NOT NULL,
            id text NOT NULL,
            post text NOT NULL,
            content_hash text NOT NULL,
            account text,
            due_at double precision NOT NULL,
            status text NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at double precision NOT NULL,
            lease_owner text,
            lease_until double precision,
            taken_over boolean NOT NULL DEFAULT false,
            pin_id text,
            pin_url text,
            diagnostics text NOT NULL DEFAULT '[]',
            created_at double precision NOT NULL,
            updated_at double precision NOT NULL,
            PRIMARY KEY (workspace, id)
        );
        CREATE INDEX scheduled_posts_due ON scheduled_posts (status, next_attempt_at);
        CREATE TABLE pinrules_media (
            id text PRIMARY KEY,
            workspace text NOT NULL,
            kind text NOT NULL,
            mime text,
            size bigint NOT NULL,
            sha256 text NOT NULL,
            filename text,
            created_at double precision NOT NULL
        );
        CREATE TABLE pinrules_media_chunks (
            media_id text NOT NULL REFERENCES pinrules_media (id) ON DELETE CASCADE,
            seq integer NOT NULL,
            data bytea NOT NULL,
            PRIMARY KEY (media_id, seq)
        )""",
    ),
    (
        "0002_journal",
        """CREATE TABLE pinrules_journal (
            key text PRIMARY KEY,
            state text NOT NULL,
            content_hash text,
            owner text,
            lease_until double precision,
            attempted_at double precision,
            sent_at double precision,
            board_id text,
            pin_id text,
            fingerprint text,
            detail text,
            updated_at double precision
        );
        CREATE INDEX pinrules_journal_by_pin ON pinrules_journal (pin_id);
        CREATE INDEX pinrules_journal_by_fingerprint ON pinrules_journal (fingerprint)""",
    ),
    (
        "0003_accounts",
        """CREATE TABLE pinrules_accounts (
            name text PRIMARY KEY,
            user_id text NOT NULL,
            username text NOT NULL,
            scopes text NOT NULL,
            default_board_id text,
            access_token bytea NOT NULL,
            access_expires_at double precision NOT NULL,
            refresh_token bytea NOT NULL,
            refresh_expires_at double precision,
            connected_at double precision NOT NULL,
            workspace text NOT NULL DEFAULT 'default'
        )""",
    ),
    (
        "0004_webhooks",  # subscriptions and their outbox (see _webhook_sql)
        """CREATE TABLE pinrules_webhook_subscriptions (
            id text PRIMARY KEY,
            workspace text NOT NULL,
            url text NOT NULL,
            events text NOT NULL,
            secret text NOT NULL,
            created_at double precision NOT NULL
        );
        CREATE INDEX pinrules_webhook_subscriptions_workspace ON pinrules_webhook_subscriptions (workspace);
        CREATE TABLE pinrules_webhook_deliveries (
            id text PRIMARY KEY,
            subscription_id text NOT NULL,
            workspace text NOT NULL,
            event text NOT NULL,
            event_id text NOT NULL,
            payload text NOT NULL,
            status text NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at double precision NOT NULL,
            lease_owner text,
            lease_until double precision,
            last_status integer,
            last_error text,
            created_at double precision NOT NULL,
            updated_at double precision NOT NULL,
            UNIQUE (subscription_id, event_id)
        );
        CREATE INDEX pinrules_webhook_deliveries_due
            ON pinrules_webhook_deliveries (status, next_attempt_at)""",
    ),
    (
        "0005_service",  # the posting service's own tables (its SQL: service/_store.py)
        """CREATE TABLE pinrules_api_keys (
            id text PRIMARY KEY,
            workspace text NOT NULL,
            name text NOT NULL,
            hash text NOT NULL,
            created_at double precision NOT NULL,
            last_used_at double precision,
            revoked_at double precision
        );
        CREATE TABLE pinrules_idempotency (
            workspace text NOT NULL,
            key text NOT NULL,
            fingerprint text NOT NULL,
            state text NOT NULL,
            status integer,
            headers text,
            body bytea,
            created_at double precision NOT NULL,
            expires_at double precision NOT NULL,
            PRIMARY KEY (workspace, key)
        );
        CREATE INDEX pinrules_idempotency_expiry ON pinrules_idempotency (expires_at);
        CREATE TABLE pinrules_service_secrets (
            name text PRIMARY KEY,
            value text NOT NULL
        );
        CREATE TABLE pinrules_oauth_connections (
            state_hash text PRIMARY KEY,
            workspace text NOT NULL,
            account text NOT NULL,
            redirect_uri text NOT NULL,
            expires_at double precision NOT NULL
        )""",
    ),
)


class Database:
    """A pool of connections to one PostgreSQL database (sized for a worker's concurrency)."""

    def __init__(self, url: str, *, max_size: int = 8) -> None:
        self.url = url
        self.where = _where(url)
        self.pool = ConnectionPool(url, min_size=1, max_size=max_size, open=False,
                                   kwargs={"options": "-c plan_cache_mode=force_custom_plan"})  # fmt: skip
        try:
            self.pool.open(wait=True, timeout=10)
        except psycopg.errors.Error as error:
            self.pool.close()
            raise StoreError(f"cannot use the database at {_where(url)}: {_first_line(error)}") from None
        except Exception as error:  # the pool's own timeout: nothing answered
            self.pool.close()
            raise StoreError(f"cannot reach the database at {_where(url)} ({type(error).__name__})") from None

    def close(self) -> None:
        self.pool.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Executor]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        with self.pool.connection() as connection, connection.cursor() as cursor:
            yield _Executor(cursor)

    def migrate(self) -> list[str]:
        """Apply procrastinate's schema and ours; the names of the steps applied now."""
        from procrastinate.schema import SchemaManager  # noqa: PLC0415

        applied: list[str] = []
        with self.transaction() as sql:
            sql.execute("SELECT pg_advisory_xact_lock(hashtextextended('pinrules:migrate', 0))")
            sql.execute("CREATE TABLE IF NOT EXISTS pinrules_schema_migrations "
                        "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")  # fmt: skip
            done = {row[0] for row in sql.execute("SELECT name FROM pinrules_schema_migrations").fetchall()}
            folder = Path(SchemaManager.get_migrations_path())
            theirs = sorted(p.name for p in folder.glob("*.sql"))
            if sql.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None:
                sql.raw(SchemaManager.get_schema())  # the whole schema: every migration so far
                applied.append("procrastinate/schema.sql")
                done |= {f"procrastinate/{name}" for name in theirs}
                sql.execute("INSERT INTO pinrules_schema_migrations (name) SELECT unnest(?::text[])",
                            ([f"procrastinate/{name}" for name in theirs],))  # fmt: skip
            for name in theirs:
                if f"procrastinate/{name}" not in done:
                    sql.raw((folder / name).read_text(encoding="utf-8"))
                    applied.append(_record(sql, f"procrastinate/{name}"))
            for name, statements in MIGRATIONS:
                if f"pinrules/{name}" not in done:
                    sql.raw(statements)
                    applied.append(_record(sql, f"pinrules/{name}"))
        return applied

    def require_migrated(self) -> None:
        """A clear error unless `pinrules db migrate` has brought the database up to date."""
        with self.transaction() as sql:
            recorded = sql.execute("SELECT to_regclass('pinrules_schema_migrations')").fetchone()[0]
            rows = sql.execute("SELECT name FROM pinrules_schema_migrations").fetchall() if recorded else []
        names = {row[0] for row in rows}
        if any(f"pinrules/{name}" not in names for name, _ in MIGRATIONS):
            raise StoreError(f"the database at {_where(self.url)} is not ready: run `pinrules db migrate "
                             "--database URL` first")  # fmt: skip


def open_database(url: str, *, max_size: int = 2) -> Database:
    """A pool on the PostgreSQL database at `url` (small by default, for a command that needs
    only some of its tables: accounts, the service's API keys); a clear error unless
    `pinrules db migrate` has run."""
    database = Database(url, max_size=max_size)
    try:
        database.require_migrated()
    except BaseException:
        database.close()
        raise
    return database


def _record(sql: _Executor, name: str) -> str:
    sql.execute("INSERT INTO pinrules_schema_migrations (name) VALUES (?)", (name,))
    return name


class _Executor:
    """A psycopg cursor that takes our '?' placeholders (the SQL is shared with SQLite)."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        self._cursor.execute(sql.replace("%", "%%").replace("?", "%s").encode(), tuple(parameters))
        return self._cursor

    def raw(self, sql: str) -> None:
        """A script of several statements, no parameters (migration files)."""
        self._cursor.execute(sql.encode())


def _where(url: str) -> str:
    """The database's host and name, never its password."""
    from urllib.parse import urlsplit  # noqa: PLC0415

    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or ''}"


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def post_lock(workspace: str, post_id: str) -> str:
    return f"pinrules.post:{workspace}:{post_id}"


class _PostgresDialect:
    """PostgreSQL: a pooled connection per transaction; rows locked, taken rows skipped."""

    row_lock = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    watches = True  # procrastinate jobs follow the rows

    def __init__(self, database: Database) -> None:
        self.database = database

    def transaction(self, *, durable: bool = True) -> contextlib.AbstractContextManager[_Executor]:
        return self.database.transaction()  # every commit is durable (synchronous_commit), as the journal's

    def changed(self, sql: Any, item: ScheduledPost) -> None:
        """Keep the post's procrastinate job in step, in the same transaction."""
        lock = post_lock(item.workspace, item.id)
        if item.status is PostState.SCHEDULED:
            defer_job(sql, item.workspace, item.id, item.next_attempt_at)
        elif item.status is PostState.CANCELLED:
            sql.execute("SELECT procrastinate_cancel_job_v1(id, false, false) FROM procrastinate_jobs "
                        "WHERE queueing_lock = ? AND status = 'todo'", (lock,))  # fmt: skip


def defer_job(sql: Any, workspace: str, post_id: str, when: float) -> None:
    """A todo job for the post at `when`, unless one is waiting already (its queueing lock)."""
    lock = post_lock(workspace, post_id)
    args = json.dumps({"workspace": workspace, "post_id": post_id})
    sql.execute("SAVEPOINT pinrules_defer")
    try:
        sql.execute(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(?, ?, 0, ?, ?, ?::jsonb, to_timestamp(?))"
            "::procrastinate_job_to_defer_v1])",
            (JOB_QUEUE, PUBLISH_TASK, lock, lock, args, when),
        )
    except psycopg.errors.UniqueViolation:
        sql.execute("ROLLBACK TO SAVEPOINT pinrules_defer")  # a job is already waiting: it will do
    else:
        sql.execute("RELEASE SAVEPOINT pinrules_defer")


class PostgresScheduleStore(SqlScheduleStore):
    """`ScheduleStore` in PostgreSQL; each scheduled post has its procrastinate job."""

    def __init__(self, database: Database) -> None:
        super().__init__(_PostgresDialect(database))
        self.database = database

    def close(self) -> None:
        pass  # the database is the backend's, closed with it


class _PostgresWebhooks:
    """PostgreSQL: a pooled connection per transaction; due deliveries locked as they are taken
    (taken ones skipped), an event's subscriptions share-locked while it fans out."""

    subscriptions = "pinrules_webhook_subscriptions"
    deliveries = "pinrules_webhook_deliveries"
    skip_locked = " FOR UPDATE OF d SKIP LOCKED"
    share_lock = " FOR SHARE"

    def __init__(self, database: Database) -> None:
        self.database = database

    def transaction(self) -> contextlib.AbstractContextManager[_Executor]:
        return self.database.transaction()

    def reading(self) -> contextlib.AbstractContextManager[_Executor]:
        return self.database.transaction()


class PostgresWebhookStore(SqlWebhookStore):
    """`WebhookStore` in PostgreSQL: a subscription made through the service on one machine is
    delivered by whichever deliverer (service or worker, any machine) takes it first."""

    def __init__(self, database: Database) -> None:
        super().__init__(_PostgresWebhooks(database))


class PostgresMedia:
    """Stored media in the database, in 8 MB chunks, so that any worker on any machine reads them."""

    def __init__(self, database: Database) -> None:
        import tempfile  # noqa: PLC0415

        self.database = database
        self.folder = Path(tempfile.mkdtemp(prefix="pinrules-media-"))  # 0700: the copies `open` makes
        self._open: dict[str, int] = {}  # media id -> how many `open`s hold its copy
        self._opening = threading.Lock()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def receive(self, *, workspace: str, filename: str | None) -> IncomingMedia:
        return SpooledIncoming(self, workspace, filename)

    def add(self, source: IO[bytes], *, workspace: str, kind: str, filename: str | None,
            now: float, limit: int | None = None) -> StoredMedia:  # fmt: skip
        media_id = new_media_id()
        digest, size, head = hashlib.sha256(), 0, b""
        with self.database.transaction() as sql:
            sql.execute(
                "INSERT INTO pinrules_media (id, workspace, kind, size, sha256, filename, created_at) "
                "VALUES (?, ?, ?, 0, '', ?, ?)",
                (media_id, workspace, kind, filename, now),
            )
            seq = 0
            while chunk := source.read(MEDIA_CHUNK):
                size += len(chunk)
                if limit is not None and size > limit:
                    raise MediaError(f"the file is larger than {limit:,} bytes")
                head += chunk[: max(0, SNIFF_BYTES - len(head))]
                digest.update(chunk)
                sql.execute("INSERT INTO pinrules_media_chunks (media_id, seq, data) VALUES (?, ?, ?)",
                            (media_id, seq, chunk))  # fmt: skip
                seq += 1
            mime = sniff(head)
            sql.execute("UPDATE pinrules_media SET size = ?, sha256 = ?, mime = ? WHERE id = ?",
                        (size, digest.hexdigest(), mime, media_id))  # fmt: skip
        return StoredMedia(media_id, workspace, kind, mime, size, digest.hexdigest(), filename, now)

    def get(self, media_id: str, workspace: str) -> StoredMedia | None:
        with self.database.transaction() as sql:
            row = sql.execute(
                f"SELECT {MEDIA_COLUMNS} FROM pinrules_media WHERE id = ? AND workspace = ?",
                (media_id, workspace),
            ).fetchone()
        return None if row is None else StoredMedia.from_row(row)

    def get_many(self, media_ids: Sequence[str], workspace: str) -> dict[str, StoredMedia]:
        if not media_ids:
            return {}
        marks = ", ".join("?" * len(media_ids))
        with self.database.transaction() as sql:
            rows = sql.execute(
                f"SELECT {MEDIA_COLUMNS} FROM pinrules_media WHERE workspace = ? AND id IN ({marks})",
                (workspace, *media_ids),
            ).fetchall()
        return {str(row[0]): StoredMedia.from_row(row) for row in rows}

    @contextlib.contextmanager
    def open(self, media: StoredMedia) -> Iterator[Path]:
        """The bytes as `folder/<id>` for the `with`: the same name in every process, so that a post
        sent from stored media is the same post to the publish journal wherever it is sent. Opened
        twice at once, the item is written once; the last to close deletes it."""
        path = self.folder / media.id
        with self._opening:
            if not self._open.get(media.id):
                self._write(media, path)
            self._open[media.id] = self._open.get(media.id, 0) + 1
        try:
            yield path
        finally:
            with self._opening:
                self._open[media.id] -= 1
                if not self._open[media.id]:
                    del self._open[media.id]
                    path.unlink(missing_ok=True)

    def _write(self, media: StoredMedia, path: Path) -> None:
        import tempfile  # noqa: PLC0415

        descriptor, name = tempfile.mkstemp(dir=self.folder, prefix=".reading-")  # 0600
        try:
            written = 0
            with os.fdopen(descriptor, "wb") as target:
                for seq in range(max(1, -(-media.size // MEDIA_CHUNK))):
                    with self.database.transaction() as sql:
                        row = sql.execute(
                            "SELECT data FROM pinrules_media_chunks WHERE media_id = ? AND seq = ?",
                            (media.id, seq),
                        ).fetchone()
                    if row is None and media.size:
                        raise MediaError(f"media {media.id} is recorded but part {seq} of it is gone")
                    if row is not None:
                        written += target.write(bytes(row[0]))
            if written != media.size:  # what is sent is judged by what was stored (its size, type)
                raise MediaError(changed_size(media, written))
            os.replace(name, path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    def delete(self, media_id: str, workspace: str) -> bool:
        with self.database.transaction() as sql:
            cursor = sql.execute(
                "DELETE FROM pinrules_media WHERE id = ? AND workspace = ?", (media_id, workspace)
            )
            return cursor.rowcount > 0
