"""Where the scheduler keeps its records, chosen by one setting.

    --database (or PINRULES_DATABASE_URL, or [tool.pinrules] database)
      absent              SQLite files in the data folder: the embedded default, one machine
      sqlite:FOLDER       SQLite files in FOLDER
      postgresql://...    one PostgreSQL database for every worker on every machine

A backend bundles the stores a worker needs: scheduled posts, their media, the publish journal,
the connected accounts, and the webhook subscriptions with their outbox. Both kinds implement
the same interfaces.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pinrules import UsageError, data_dir

from ._accounts import Accounts, AccountStore
from ._claims import LEASE_SECONDS, PublishJournal
from ._journal import Journal
from ._media_store import MediaStore
from ._schedule import ScheduleStore
from ._schedule_sqlite import SqliteScheduleStore
from ._webhooks import WebhookStore

DATABASE_VARIABLE = "PINRULES_DATABASE_URL"


@dataclass
class Backend:
    kind: str  # "sqlite" or "postgresql"
    schedule: ScheduleStore
    media: MediaStore
    journal: PublishJournal
    accounts: Accounts | None  # None until an account is connected (SQLite) or migrated
    webhooks: WebhookStore  # subscriptions and their outbox, beside the schedule
    database: Any = None  # PostgreSQL: the connection pool the stores share

    def close(self) -> None:
        self.media.close()
        self.schedule.close()
        self.journal.close()
        if self.accounts is not None:
            self.accounts.close()
        if self.database is not None:
            self.database.close()


def database_url(given: str | None, configured: str | None = None) -> str | None:
    """The flag, else the environment, else the settings file; None: SQLite in the data folder."""
    return given or os.environ.get(DATABASE_VARIABLE) or configured


def migrate(database: str | None) -> str:
    """Create or update the stores' tables; what was done, in words."""
    if database is not None and database.startswith(("postgresql://", "postgres://")):
        from ._postgres import Database  # noqa: PLC0415

        pool = Database(database)
        try:
            applied = pool.migrate()
        finally:
            pool.close()
        return f"applied {', '.join(applied)}" if applied else "the PostgreSQL database is up to date"
    open_backend(database).close()  # SQLite files migrate when they are opened
    return "the SQLite files are up to date"


def open_backend(
    database: str | None, *, lease: float = LEASE_SECONDS, create_accounts: bool = False
) -> Backend:
    """The stores of `database`. `lease` is how long a claim in the publish journal lives (a
    worker's claims should live as long as its hold on a scheduled post); `create_accounts`
    makes the account store when there is none yet (the posting service connects accounts)."""
    if database is None or database.startswith("sqlite:"):
        folder = Path(database.removeprefix("sqlite:").removeprefix("//")) if database else None
        return _sqlite(folder, lease, create_accounts)
    if database.startswith(("postgresql://", "postgres://")):
        from ._postgres_backend import open_postgres  # noqa: PLC0415 - psycopg only for PostgreSQL

        backend: Backend = open_postgres(database, lease=lease)
        return backend
    raise UsageError(f"--database takes postgresql://... or sqlite:FOLDER (got {database.split(':')[0]}:...)")


def _sqlite(folder: Path | None, lease: float, create_accounts: bool) -> Backend:
    """The SQLite files: in `folder`, else each where its variable or the data folder says."""
    schedule = SqliteScheduleStore(folder / "schedule.sqlite3" if folder else None)
    journal = Journal(folder / "journal.sqlite3" if folder else None, lease=lease)
    accounts_path = folder / "accounts.sqlite3" if folder else None
    default_accounts = accounts_path or Path(
        os.environ.get("PINRULES_ACCOUNTS") or data_dir() / "accounts.sqlite3"
    )
    accounts = AccountStore(default_accounts) if create_accounts or default_accounts.exists() else None
    return Backend("sqlite", schedule, schedule.media, journal, accounts, schedule.webhooks)
