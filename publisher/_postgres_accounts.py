"""The connected accounts in the scheduler's PostgreSQL database, beside the schedule and the
publish journal: a worker on any machine publishes for any account, and a token refresh is
done once across all of them (an advisory lock per account, held while it refreshes)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import psycopg

from ._accounts import LOCK_POLL, Accounts
from ._errors import StoreError
from ._postgres import Database, open_database


class PostgresAccounts(Accounts):
    _table = "pinrules_accounts"

    def __init__(self, database: Database, key: str | None = None, *, owns_database: bool = False) -> None:
        super().__init__(key)
        self.database = database
        self.where = database.where
        self._owns_database = owns_database

    def __repr__(self) -> str:
        return f"PostgresAccounts({self.where!r})"

    def close(self) -> None:
        if self._owns_database:  # else the backend's, closed with it
            self.database.close()

    def _execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            with self.database.transaction() as executor:
                cursor = executor.execute(sql, parameters)
                return cursor.fetchall() if cursor.description else []
        except psycopg.Error as error:
            raise StoreError(f"{self.where}: the account store could not be used ({error})") from None

    @contextlib.asynccontextmanager
    async def refreshing(self, name: str) -> AsyncIterator[None]:
        """A transaction-scoped advisory lock on the account, tried until it is free (never a
        blocking wait: the event loop goes on), held until the block ends; if the process dies,
        its connection closes and PostgreSQL lets go."""
        try:
            with self.database.transaction() as executor:
                while not executor.execute(
                    "SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0))", (f"pinrules.refresh:{name}",)
                ).fetchone()[0]:
                    await asyncio.sleep(LOCK_POLL)
                yield
        except psycopg.Error as error:
            raise StoreError(f"{self.where}: the account's refresh lock failed ({error})") from None


def open_postgres_accounts(url: str) -> PostgresAccounts:
    """The accounts of the PostgreSQL database at `url` on a small pool of their own (the
    commands that manage accounts); a clear error unless `pinrules db migrate` has run."""
    return PostgresAccounts(open_database(url), owns_database=True)
