"""The PostgreSQL backend assembled: one database holds the schedule, the media, the publish
journal and the connected accounts, so that a worker on any machine sees what another did."""

from __future__ import annotations

import time

from ._backend import Backend
from ._journal import Entry
from ._postgres import Database, PostgresMedia, PostgresScheduleStore


class PostgresJournal:
    """The publish journal in PostgreSQL (the same records as the SQLite journal)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def close(self) -> None:
        pass  # the database is the backend's

    def get(self, key: str) -> Entry | None:
        with self.database.transaction() as sql:
            row = sql.execute(
                "SELECT key, state, pin_id, board_id, attempted_at FROM pinrules_journal WHERE key = ?",
                (key,),
            ).fetchone()
        return Entry(*row) if row else None

    def record(self, key: str, state: str, board_id: str, pin_id: str | None = None) -> None:
        now = time.time()
        with self.database.transaction() as sql:
            sql.execute(
                "INSERT INTO pinrules_journal (key, state, pin_id, board_id, attempted_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET state = excluded.state, pin_id = excluded.pin_id, "
                "board_id = excluded.board_id, updated_at = excluded.updated_at, "
                "attempted_at = CASE WHEN excluded.state = 'creating' "
                "THEN excluded.attempted_at ELSE pinrules_journal.attempted_at END",
                (key, state, pin_id, board_id, now, now),
            )


def open_postgres(url: str, *, max_size: int = 8) -> Backend:
    database = Database(url, max_size=max_size)
    try:
        database.require_migrated()
    except BaseException:
        database.close()
        raise
    return Backend(
        "postgresql",
        PostgresScheduleStore(database),
        PostgresMedia(database),
        PostgresJournal(database),  # type: ignore[arg-type]
        None,
        database=database,
    )
