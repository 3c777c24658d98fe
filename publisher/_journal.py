"""The publish journal: which posts were published as which pins, in SQLite.

A post is recorded before its pin is created ("creating"), and again with the answer
("published" with the pin id, or "unknown" when no answer came). Publishing the same post
again returns the recorded pin instead of creating a second one.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pinrules import data_file

from ._sqlite import open_store

# the schema, as ordered migration steps (PRAGMA user_version counts those applied)
MIGRATIONS = (
    """CREATE TABLE IF NOT EXISTS posts (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        pin_id TEXT,
        board_id TEXT,
        attempted_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )""",
)


def default_path() -> Path:
    return data_file("journal.sqlite3", "PINRULES_JOURNAL")


def post_key(post: dict[str, Any]) -> str:
    """The post's own `id`, or, without one, a hash of its content (same content, same pin)."""
    post_id = post.get("id")
    if isinstance(post_id, str) and post_id:
        return f"id:{post_id}"
    canonical = json.dumps(post, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    key: str
    state: str  # "creating", "published" or "unknown"
    pin_id: str | None
    board_id: str | None
    attempted_at: float


class Journal:
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self._db = open_store(self.path, MIGRATIONS, "publish journal")  # autocommit: each write lands
        self._db.execute("PRAGMA journal_mode=WAL")
        self._sync = ""

    def close(self) -> None:
        self._db.close()

    def _synchronous(self, level: str) -> None:
        if level != self._sync:
            self._db.execute(f"PRAGMA synchronous={level}")  # one of two fixed words, never input
            self._sync = level

    def get(self, key: str) -> Entry | None:
        row = self._db.execute(
            "SELECT key, state, pin_id, board_id, attempted_at FROM posts WHERE key = ?", (key,)
        ).fetchone()
        return Entry(*row) if row else None

    def record(self, key: str, state: str, board_id: str, pin_id: str | None = None) -> None:
        # Only "creating", written before the create is sent, must survive a power cut: lost, it
        # could become a duplicate pin. Any later record that is lost leaves "creating" behind,
        # which the next run confirms on the board. So one full disk sync per post, not two;
        # WAL with NORMAL still survives a crash of the process.
        self._synchronous("FULL" if state == "creating" else "NORMAL")
        now = time.time()
        self._db.execute(
            "INSERT INTO posts (key, state, pin_id, board_id, attempted_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET state = excluded.state, pin_id = excluded.pin_id, "
            "board_id = excluded.board_id, updated_at = excluded.updated_at, "
            "attempted_at = CASE WHEN excluded.state = 'creating' "
            "THEN excluded.attempted_at ELSE attempted_at END",
            (key, state, pin_id, board_id, now, now),
        )
