"""The publisher's SQLite files: a schema version and ordered migrations, created private, and a
clear error (never a fresh start, never a traceback) for a file that cannot be used."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publisher import AccountStore, Journal, JournalState, StoreError

# the schemas as pinrules 0.1.0 created them, before stores had a version
TODAY = {
    "journal": """CREATE TABLE posts (key TEXT PRIMARY KEY, state TEXT NOT NULL, pin_id TEXT,
        board_id TEXT, attempted_at REAL NOT NULL, updated_at REAL NOT NULL)""",
    "accounts": """CREATE TABLE accounts (name TEXT PRIMARY KEY, user_id TEXT NOT NULL,
        username TEXT NOT NULL, scopes TEXT NOT NULL, default_board_id TEXT,
        access_token BLOB NOT NULL, access_expires_at REAL NOT NULL, refresh_token BLOB NOT NULL,
        refresh_expires_at REAL, connected_at REAL NOT NULL)""",
}


def _version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def _open(kind: str, path: Path) -> Journal | AccountStore:
    return Journal(path) if kind == "journal" else AccountStore(path)


@pytest.mark.parametrize("kind", ["journal", "accounts"])
class TestMigrations:
    def test_from_nothing(self, tmp_path: Path, kind: str) -> None:
        """A new store is created 0600 at the newest schema version."""
        path = tmp_path / "new" / f"{kind}.sqlite3"
        _open(kind, path).close()
        assert _version(path) >= 1
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        left = [p.name for p in path.parent.iterdir() if not p.name.endswith(("-wal", "-shm"))]
        assert left == [path.name]  # no temporary left behind

    def test_from_todays_schema_keeping_the_rows(self, tmp_path: Path, kind: str) -> None:
        """A store made before stores had a version is migrated, its rows kept."""
        path = tmp_path / f"{kind}.sqlite3"
        with sqlite3.connect(path) as db:
            db.execute(TODAY[kind])
            if kind == "journal":
                db.execute("INSERT INTO posts VALUES ('id:a', 'published', '99', '1', 1.0, 1.0)")
        store = _open(kind, path)
        try:
            if isinstance(store, Journal):
                entry = store.get("id:a")
                assert entry is not None
                assert entry.pin_id == "99"
            else:
                assert store.all() == []
        finally:
            store.close()
        assert _version(path) >= 1

    def test_a_newer_schema_is_refused(self, tmp_path: Path, kind: str) -> None:
        """A store from a newer pinrules is not touched: upgrade, it says."""
        path = tmp_path / f"{kind}.sqlite3"
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA user_version = 999")
        with pytest.raises(StoreError, match=r"newer pinrules.*upgrade"):
            _open(kind, path)

    @pytest.mark.parametrize(
        ("content", "problem"),
        [(b"", "is empty"), (b"hello, this is not a database" * 10, "not an SQLite file")],
        ids=["empty", "garbage"],
    )
    def test_unusable_files_stop_with_the_file_named(
        self, tmp_path: Path, kind: str, content: bytes, problem: str
    ) -> None:
        """Empty or foreign files are a clear error naming the file, never a new empty store."""
        path = tmp_path / f"{kind}.sqlite3"
        path.write_bytes(content)
        with pytest.raises(StoreError, match=problem) as caught:
            _open(kind, path)
        assert str(path) in str(caught.value)
        assert path.read_bytes() == content  # untouched

    def test_a_truncated_file_stops_with_the_file_named(self, tmp_path: Path, kind: str) -> None:
        """A store cut short (a copy interrupted, a full disk) is named, not a traceback."""
        path = tmp_path / f"{kind}.sqlite3"
        store = _open(kind, path)
        if isinstance(store, Journal):
            for n in range(300):
                store.claim(f"id:{n}", "hash", "test-owner")
                store.finish(f"id:{n}", "test-owner", JournalState.PUBLISHED, pin_id=str(n))
        store.close()
        data = path.read_bytes()
        path.write_bytes(data[: max(len(data) // 2, 150)])
        with pytest.raises(StoreError, match="cannot be used") as caught:
            _open(kind, path)
        assert str(path) in str(caught.value)


def test_two_processes_creating_one_store_make_one(tmp_path: Path) -> None:
    """Processes that open a missing journal at the same moment all succeed, on one file."""
    path = tmp_path / "journal.sqlite3"
    script = (
        "import sys, time; from publisher import Journal; "
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time())); Journal(sys.argv[1]).close()"
    )
    start = str(time.time() + 1.0)
    processes = [subprocess.Popen([sys.executable, "-c", script, str(path), start]) for _ in range(4)]
    assert [p.wait(30) for p in processes] == [0, 0, 0, 0]
    assert _version(path) >= 1
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [path.name]
