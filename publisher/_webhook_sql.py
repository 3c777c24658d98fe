"""Webhook subscriptions and their outbox in SQL, once, for both backends.

A backend supplies a `WebhookDialect`: its two tables, how a transaction starts (SQLite: BEGIN
IMMEDIATE, the file's write lock; PostgreSQL: a pooled connection) and two locking clauses.
`take` picks due deliveries and leases them in one transaction; on PostgreSQL the pick locks
the rows it returns and skips the rows another transaction holds (FOR UPDATE SKIP LOCKED), so
deliverers on many machines each take other deliveries and never wait on each other. An event
fans out to the subscriptions it reads with a share lock, so that a subscription removed at
that moment waits for it and then takes its new delivery along (none is left that nobody
sends). SQLite needs neither clause: the transaction holds the whole file.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from ._schedule_sql import Executor
from ._secret import Secret
from ._sqlite import immediate
from ._webhooks import Delivery, Subscription, new_secret


class WebhookDialect(Protocol):
    subscriptions: str  # the subscriptions table
    deliveries: str  # the outbox: one row per delivery
    skip_locked: str  # appended to the pick of due deliveries (the outbox is aliased `d` there)
    share_lock: str  # appended to the read of the subscriptions an event goes to

    def transaction(self) -> AbstractContextManager[Executor]: ...

    def reading(self) -> AbstractContextManager[Executor]:
        """A read of one statement: no write lock (SQLite), no row lock."""


_SUBSCRIPTION_COLUMNS = "id, workspace, url, events, secret, created_at"
_DELIVERY_COLUMNS = (
    "d.id, d.subscription_id, d.workspace, d.event, d.payload, d.status, d.attempts, d.next_attempt_at, "
    "d.last_status, d.last_error, s.url, s.secret"
)


class SqlWebhookStore:
    """`WebhookStore` over a dialect. Every method is one transaction."""

    def __init__(self, dialect: WebhookDialect) -> None:
        self.dialect = dialect

    def subscribe(self, workspace: str, url: str, events: tuple[str, ...], now: float) -> Subscription:
        item = Subscription("whk_" + secrets.token_urlsafe(12), workspace, url, events, new_secret(), now)
        with self.dialect.transaction() as sql:
            sql.execute(
                f"INSERT INTO {self.dialect.subscriptions} ({_SUBSCRIPTION_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (item.id, workspace, url, " ".join(events), item.secret.reveal(), now),
            )
        return item

    def subscriptions(self, workspace: str) -> list[Subscription]:
        with self.dialect.transaction() as sql:
            rows = sql.execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM {self.dialect.subscriptions} WHERE workspace = ? "
                "ORDER BY created_at, id",
                (workspace,),
            ).fetchall()
        return [_subscription(row) for row in rows]

    def get_subscription(self, subscription_id: str, workspace: str) -> Subscription | None:
        with self.dialect.transaction() as sql:
            row = sql.execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM {self.dialect.subscriptions} "
                "WHERE id = ? AND workspace = ?",
                (subscription_id, workspace),
            ).fetchone()
        return _subscription(row) if row else None

    def unsubscribe(self, subscription_id: str, workspace: str) -> bool:
        with self.dialect.transaction() as sql:
            gone = sql.execute(
                f"DELETE FROM {self.dialect.subscriptions} WHERE id = ? AND workspace = ?",
                (subscription_id, workspace),
            ).rowcount
            if gone:
                sql.execute(
                    f"DELETE FROM {self.dialect.deliveries} WHERE subscription_id = ? AND status = 'pending'",
                    (subscription_id,),
                )
        return gone > 0

    def wanted(self, workspace: str) -> frozenset[str]:
        with self.dialect.reading() as sql:
            rows = sql.execute(
                f"SELECT events FROM {self.dialect.subscriptions} WHERE workspace = ?", (workspace,)
            ).fetchall()
        return frozenset(name for (events,) in rows for name in str(events).split())

    def enqueue(self, workspace: str, event: str, event_id: str, payload: str, now: float) -> int:
        queued = 0
        with self.dialect.transaction() as sql:
            subscribed = sql.execute(
                f"SELECT id, events FROM {self.dialect.subscriptions} WHERE workspace = ? "
                f"ORDER BY created_at, id{self.dialect.share_lock}",
                (workspace,),
            ).fetchall()
            for subscription_id, events in subscribed:
                if event not in str(events).split():
                    continue
                queued += sql.execute(
                    f"INSERT INTO {self.dialect.deliveries} (id, subscription_id, workspace, event, "
                    "event_id, payload, status, attempts, next_attempt_at, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) "
                    "ON CONFLICT (subscription_id, event_id) DO NOTHING",
                    ("msg_" + secrets.token_urlsafe(16), subscription_id, workspace, event, event_id, payload,
                     now, now, now),
                ).rowcount  # fmt: skip
        return queued

    def take(self, now: float, owner: str, lease: float, limit: int) -> list[Delivery]:
        with self.dialect.transaction() as sql:
            rows = sql.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM {self._joined} "
                "WHERE d.status = 'pending' AND d.next_attempt_at <= ? "
                "AND (d.lease_until IS NULL OR d.lease_until <= ?) "
                f"ORDER BY d.next_attempt_at, d.id LIMIT ?{self.dialect.skip_locked}",
                (now, now, limit),
            ).fetchall()
            if rows:
                taken = [row[0] for row in rows]
                sql.execute(
                    f"UPDATE {self.dialect.deliveries} SET lease_owner = ?, lease_until = ?, updated_at = ? "
                    f"WHERE id IN ({', '.join('?' * len(taken))})",
                    (owner, now + lease, now, *taken),
                )
        return [_delivery(row) for row in rows]

    def finish(self, delivery_id: str, owner: str, *, status: str, last_status: int | None,
               last_error: str | None, next_attempt_at: float, now: float) -> bool:  # fmt: skip
        with self.dialect.transaction() as sql:
            changed = sql.execute(
                f"UPDATE {self.dialect.deliveries} SET status = ?, attempts = attempts + 1, last_status = ?, "
                "last_error = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? "
                "WHERE id = ? AND lease_owner = ?",
                (status, last_status, last_error, next_attempt_at, now, delivery_id, owner),
            ).rowcount
        return changed == 1

    def deliveries(self, subscription_id: str, workspace: str, limit: int = 50) -> list[Delivery]:
        with self.dialect.transaction() as sql:
            rows = sql.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM {self._joined} "
                "WHERE d.subscription_id = ? AND d.workspace = ? ORDER BY d.created_at DESC, d.id LIMIT ?",
                (subscription_id, workspace, limit),
            ).fetchall()
        return [_delivery(row) for row in rows]

    @property
    def _joined(self) -> str:
        return f"{self.dialect.deliveries} d JOIN {self.dialect.subscriptions} s ON s.id = d.subscription_id"


def _subscription(row: Sequence[Any]) -> Subscription:
    sub_id, workspace, url, events, secret, created = row
    return Subscription(str(sub_id), str(workspace), str(url), tuple(str(events).split()),
                        Secret(str(secret)), float(created))  # fmt: skip


def _delivery(row: Sequence[Any]) -> Delivery:
    (d_id, sub_id, workspace, event, payload, status, attempts, next_at, last_status, last_error, url,
     secret) = row  # fmt: skip
    return Delivery(str(d_id), str(sub_id), str(workspace), str(event), str(payload), str(status),
                    int(attempts), float(next_at), None if last_status is None else int(last_status),
                    None if last_error is None else str(last_error), str(url),
                    Secret(str(secret)))  # fmt: skip


# the SQLite tables: schema step 2 of the scheduler's file (see _schedule_sqlite)
WEBHOOK_MIGRATION = """CREATE TABLE webhook_subscriptions (
        id TEXT PRIMARY KEY,
        workspace TEXT NOT NULL,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX webhook_subscriptions_workspace ON webhook_subscriptions (workspace);
    CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        subscription_id TEXT NOT NULL,
        workspace TEXT NOT NULL,
        event TEXT NOT NULL,
        event_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL,
        lease_owner TEXT,
        lease_until REAL,
        last_status INTEGER,
        last_error TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        UNIQUE (subscription_id, event_id)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)"""


class _SqliteWebhooks:
    """SQLite: one BEGIN IMMEDIATE transaction per call; the write lock makes the rest needless."""

    subscriptions = "webhook_subscriptions"
    deliveries = "webhook_deliveries"
    skip_locked = share_lock = ""

    def __init__(self, database: sqlite3.Connection) -> None:
        self.database = database

    def transaction(self) -> AbstractContextManager[Executor]:
        return immediate(self.database)

    def reading(self) -> AbstractContextManager[Executor]:
        return contextlib.nullcontext(self.database)  # autocommit: one SELECT is its own transaction


class SqliteWebhookStore(SqlWebhookStore):
    """`WebhookStore` in the scheduler's SQLite file (its tables come with schema step 2)."""

    def __init__(self, database: sqlite3.Connection) -> None:
        super().__init__(_SqliteWebhooks(database))
