"""The service's own tables (API keys, idempotency, the URL signing key, OAuth connections
waiting for their callback): one contract for both backends, each test seen from two stores
as two processes see it; SQLite files from before the OAuth table; the PostgreSQL step."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher import StoreError, open_store
from service import ServiceStore, SqliteServiceStore, open_service_store

from .helpers import run

START = 2_000_000_000.0  # the injected "now": 2033-05-18


@contextlib.contextmanager
def opened(database: str) -> Iterator[ServiceStore]:
    store = open_service_store(database)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def stores(database: str) -> Iterator[tuple[ServiceStore, ServiceStore]]:
    """Two stores on one database, as two service processes have them."""
    with opened(database) as first, opened(database) as second:
        yield first, second


class TestApiKeys:
    def test_a_key_made_in_one_works_in_the_other_until_revoked(
        self, stores: tuple[ServiceStore, ServiceStore], database: str
    ) -> None:
        """A key made through one store is its workspace's in the other; listed without the key;
        revoked through the other, a third store refuses it at once."""
        first, second = stores
        record, key = first.create_key("shop", "web")
        assert second.authenticate(key.reveal()) == "shop"
        assert second.authenticate(key.reveal()[:-2] + "xx") is None
        assert [(k.id, k.workspace, k.name, k.revoked_at) for k in second.api_keys()] == [
            (record.id, "shop", "web", None)
        ]
        assert key.reveal() not in repr(second.api_keys())
        assert second.revoke(record.id)
        assert not first.revoke(record.id)
        with opened(database) as third:
            assert third.authenticate(key.reveal()) is None


class TestIdempotency:
    def test_a_claim_is_new_then_in_progress_then_replayed(
        self, stores: tuple[ServiceStore, ServiceStore]
    ) -> None:
        """The first claim does the work; meanwhile the other store is told in_progress (same
        body) or conflict (another); once completed it replays the answer, bytes and headers."""
        first, second = stores
        claim = {"now": START, "ttl": 3600.0, "stale_after": 600.0}
        assert first.claim("shop", "k1", "fp", **claim).state == "new"
        assert second.claim("shop", "k1", "fp", **claim).state == "in_progress"
        assert second.claim("shop", "k1", "other", **claim).state == "conflict"
        assert second.claim("team", "k1", "fp", **claim).state == "new"  # keys are per workspace
        first.complete("shop", "k1", 201, {"Location": "/v1/posts/a"}, b"\x00{}")
        replay = second.claim("shop", "k1", "fp", **claim)
        assert (replay.state, replay.status, replay.headers, replay.body) == (
            "replay", 201, {"Location": "/v1/posts/a"}, b"\x00{}",
        )  # fmt: skip
        second.release("shop", "k1")  # a finished answer stays
        assert first.claim("shop", "k1", "fp", **claim).state == "replay"

    def test_released_abandoned_and_expired_claims(self, stores: tuple[ServiceStore, ServiceStore]) -> None:
        """A released claim may be claimed again; one left in progress past `stale_after` is
        taken over (same body only); a record past its time to live is forgotten."""
        first, second = stores
        assert first.claim("shop", "r", "fp", now=START, ttl=3600, stale_after=60).state == "new"
        first.release("shop", "r")
        assert second.claim("shop", "r", "fp", now=START, ttl=3600, stale_after=60).state == "new"
        later = START + 61
        assert first.claim("shop", "r", "other", now=later, ttl=3600, stale_after=60).state == "conflict"
        assert first.claim("shop", "r", "fp", now=later, ttl=3600, stale_after=60).state == "new"
        first.complete("shop", "r", 200, {}, b"{}")
        expired = START + 61 + 3600
        assert second.claim("shop", "r", "other", now=expired, ttl=3600, stale_after=60).state == "new"

    def test_one_claim_wins_among_many_at_once(self, database: str) -> None:
        """Four stores (threads, each its own connection) claim one key at the same moment:
        exactly one is told to do the work."""
        barrier = threading.Barrier(4)
        states: list[str] = []

        def claim() -> None:
            with opened(database) as store:
                barrier.wait()
                states.append(store.claim("shop", "race", "fp", now=START, ttl=3600, stale_after=600).state)

        threads = [threading.Thread(target=claim) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(states) == ["in_progress"] * 3 + ["new"]


class TestSharedSecrets:
    def test_the_signing_key_is_one_for_all(self, stores: tuple[ServiceStore, ServiceStore]) -> None:
        """The media URL signing key: made by the first store to ask, the same for the other."""
        first, second = stores
        key = second.signing_key()
        assert len(key) == 32
        assert first.signing_key() == key == second.signing_key()

    def test_an_oauth_connection_is_completed_once_anywhere(
        self, stores: tuple[ServiceStore, ServiceStore]
    ) -> None:
        """A connection started through one store is taken through the other, once; an unknown
        or expired state finds nothing; no state appears in a repr."""
        first, second = stores
        state, pending = first.start_connection("shop", "acc", "https://pins.example/cb", now=START)
        assert pending.expires_at == START + 600
        assert second.take_connection(state.reveal(), now=START + 599) == pending
        assert first.take_connection(state.reveal(), now=START + 1) is None
        late, _ = first.start_connection("shop", "acc2", "https://pins.example/cb", now=START)
        assert second.take_connection(late.reveal(), now=START + 600) is None
        assert second.take_connection("forged", now=START) is None
        for shown in (repr(first), repr(pending), repr(state), str(state)):
            assert state.reveal() not in shown

    def test_a_connection_outlives_the_process_that_started_it(self, database: str) -> None:
        """Started through a store that is then closed (its process restarted), the connection is
        completed through a store opened afterwards."""
        with opened(database) as before:
            state, pending = before.start_connection("shop", "acc", "http://127.0.0.1:1/cb", now=START)
        with opened(database) as after:
            assert after.take_connection(state.reveal(), now=START + 1) == pending


# service.sqlite3 as the first release made it (schema step 1), for the upgrade test
VERSION_1 = """CREATE TABLE api_keys (id TEXT PRIMARY KEY, workspace TEXT NOT NULL, name TEXT NOT NULL,
        hash TEXT NOT NULL, created_at REAL NOT NULL, last_used_at REAL, revoked_at REAL);
    CREATE TABLE idempotency (workspace TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
        state TEXT NOT NULL, status INTEGER, headers TEXT, body BLOB, created_at REAL NOT NULL,
        expires_at REAL NOT NULL, PRIMARY KEY (workspace, key));
    CREATE TABLE service_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)"""


def test_an_older_service_file_is_brought_up_to_date(tmp_path: Path) -> None:
    """A service.sqlite3 from before OAuth connections were kept: opened, it gains their table
    and keeps its keys and signing key."""
    path = tmp_path / "service.sqlite3"
    key = "prk_0123456789ab_" + "k" * 43
    open_store(path, (VERSION_1,), "service store").executescript(
        "INSERT INTO api_keys (id, workspace, name, hash, created_at) "
        f"VALUES ('0123456789ab', 'shop', 'old', '{hashlib.sha256(key.encode()).hexdigest()}', 1);"
        f"INSERT INTO service_secrets VALUES ('media-urls', '{'ab' * 32}')"
    )
    store = SqliteServiceStore(path)
    try:
        assert store.authenticate(key) == "shop"
        assert store.signing_key() == bytes.fromhex("ab" * 32)
        state, pending = store.start_connection("shop", "acc", "http://127.0.0.1:1/cb", now=START)
        assert store.take_connection(state.reveal(), now=START) == pending
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2


def test_postgresql_gets_the_tables_from_db_migrate(postgres_url: str) -> None:
    """Before `pinrules db migrate` the service's commands say to run it; it applies the
    service's step once; then `pinrules apikeys` keeps keys in the database."""
    with pytest.raises(StoreError, match="pinrules db migrate"):
        open_service_store(postgres_url)
    before = run("apikeys", "list", "--database", postgres_url)
    assert (before.returncode, before.stdout) == (2, ""), before.stderr
    assert "pinrules db migrate" in before.stderr
    migrated = run("db", "migrate", "--database", postgres_url)
    assert "pinrules/0005_service" in migrated.stdout, migrated.stderr
    assert "up to date" in run("db", "migrate", "--database", postgres_url).stdout
    made = run("apikeys", "create", "--workspace", "shop", "--database", postgres_url)
    assert made.returncode == 0, made.stderr
    with opened(postgres_url) as store:
        assert store.authenticate(made.stdout.strip()) == "shop"
