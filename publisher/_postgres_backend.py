"""The PostgreSQL backend assembled: one database holds the schedule, the media, the publish
journal, the webhook subscriptions with their outbox, and the connected accounts, so that a
worker on any machine sees what another did."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

import psycopg

from ._backend import Backend
from ._claims import LEASE_SECONDS
from ._journal_sql import SqlJournal
from ._postgres import Database, PostgresMedia, PostgresScheduleStore, PostgresWebhookStore, open_database
from ._postgres_accounts import PostgresAccounts
from ._schedule_sql import Executor


class _PostgresJournal:
    """The journal's PostgreSQL dialect: the claim's read locks the row (FOR UPDATE)."""

    table = "pinrules_journal"
    row_lock = " FOR UPDATE"
    errors: tuple[type[BaseException], ...] = (psycopg.Error,)

    def __init__(self, database: Database) -> None:
        self.database = database
        self.where = database.where

    @contextlib.contextmanager
    def transaction(self, *, durable: bool) -> Iterator[Executor]:
        with self.database.transaction() as sql:  # commits are durable (synchronous_commit)
            yield sql


class PostgresJournal(SqlJournal):
    """`PublishJournal` in PostgreSQL, shared by every worker on every machine."""

    def __init__(self, database: Database, *, clock: Callable[[], float] = time.time,
                 lease: float = LEASE_SECONDS) -> None:  # fmt: skip
        super().__init__(_PostgresJournal(database), clock=clock, lease=lease)

    def close(self) -> None:
        pass  # the database is the backend's


def open_postgres(url: str, *, max_size: int = 8, lease: float = LEASE_SECONDS) -> Backend:
    database = open_database(url, max_size=max_size)
    return Backend(
        "postgresql",
        PostgresScheduleStore(database),
        PostgresMedia(database),
        PostgresJournal(database, lease=lease),
        PostgresAccounts(database),
        PostgresWebhookStore(database),
        database=database,
    )
