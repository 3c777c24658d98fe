"""Where the service's tables live, chosen by the scheduler's database setting (`--database`,
PINRULES_DATABASE_URL, `[tool.pinrules] database`).

Absent or `sqlite:FOLDER`: `service.sqlite3` beside the scheduler's files (else in the data
folder), shared by the processes of one machine. `postgresql://...`: tables in that database
(`pinrules db migrate` makes them, step 0005_service), shared by every `pinrules serve` on every
machine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pinrules import UsageError, data_file
from publisher import Executor, StoreError, immediate, open_store

from ._store import ServiceStore

if TYPE_CHECKING:
    from publisher import Backend, Database

# service.sqlite3's schema, one step each (the file's user_version counts the steps applied)
MIGRATIONS = (
    """CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        workspace TEXT NOT NULL,
        name TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at REAL NOT NULL,
        last_used_at REAL,
        revoked_at REAL
    );
    CREATE TABLE idempotency (
        workspace TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL,
        status INTEGER,
        headers TEXT,
        body BLOB,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        PRIMARY KEY (workspace, key)
    );
    CREATE TABLE service_secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE oauth_connections (
        state_hash TEXT PRIMARY KEY,
        workspace TEXT NOT NULL,
        account TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        expires_at REAL NOT NULL
    )""",
)


def default_path(database: str | None) -> Path:
    """Beside the scheduler's files for `sqlite:FOLDER`; else in the data folder."""
    if database and database.startswith("sqlite:"):
        return Path(database.removeprefix("sqlite:").removeprefix("//")) / "service.sqlite3"
    return data_file("service.sqlite3", "PINRULES_SERVICE")


class _SqliteTables:
    """SQLite: one BEGIN IMMEDIATE transaction per call (the file's write lock)."""

    api_keys = "api_keys"
    idempotency = "idempotency"
    secrets = "service_secrets"
    connections = "oauth_connections"

    def __init__(self, path: Path) -> None:
        self.where = str(path)
        self.connection = open_store(path, MIGRATIONS, "service store")
        self.connection.execute("PRAGMA journal_mode=WAL")

    def transaction(self) -> contextlib.AbstractContextManager[Executor]:
        return immediate(self.connection)

    def close(self) -> None:
        self.connection.close()


class SqliteServiceStore(ServiceStore):
    """The service's tables in an SQLite file (`service.sqlite3`; older files are brought up to
    date when opened)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        super().__init__(_SqliteTables(self.path))


class _PostgresTables:
    """PostgreSQL: a pooled connection per transaction; the statements lock what they change."""

    api_keys = "pinrules_api_keys"
    idempotency = "pinrules_idempotency"
    secrets = "pinrules_service_secrets"
    connections = "pinrules_oauth_connections"

    def __init__(self, database: Database, owns_database: bool) -> None:
        self.database = database
        self.where = database.where
        self._owns_database = owns_database

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Executor]:
        import psycopg  # noqa: PLC0415 - installed with the PostgreSQL extra, used only here

        try:
            with self.database.transaction() as sql:
                yield sql
        except psycopg.Error as error:
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise StoreError(f"{self.where}: the service store could not be used ({first})") from None

    def close(self) -> None:
        if self._owns_database:  # else the backend's, closed with it
            self.database.close()


class PostgresServiceStore(ServiceStore):
    """The service's tables in the scheduler's PostgreSQL database, shared by every process."""

    def __init__(self, database: Database, *, owns_database: bool = False) -> None:
        super().__init__(_PostgresTables(database, owns_database))


def open_service_store(database: str | None, *, backend: Backend | None = None) -> ServiceStore:
    """The service store of the scheduler's `database` setting. On PostgreSQL it uses the
    pool of `backend` when given (the service's), else a small one of its own."""
    if database is None or database.startswith("sqlite:"):
        return SqliteServiceStore(default_path(database))
    if not database.startswith(("postgresql://", "postgres://")):
        raise UsageError(
            f"--database takes postgresql://... or sqlite:FOLDER (got {database.split(':')[0]}:...)"
        )
    if backend is not None and backend.kind == "postgresql":
        pool: Any = backend.database
        return PostgresServiceStore(pool)
    from publisher import open_database  # noqa: PLC0415 - psycopg only for PostgreSQL

    return PostgresServiceStore(open_database(database), owns_database=True)
