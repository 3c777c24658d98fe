"""The service's own tables, in `service.sqlite3`: API keys, idempotency records, and the key
that signs public media URLs.

API keys are `prk_<id>_<secret>`: the id finds the row, the SHA-256 of the whole key is what is
stored (the key itself is shown once, when made), compared in constant time. An idempotency
record is claimed in one transaction before the work starts, so one key never does the work
twice at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pinrules import UsageError, data_file
from publisher import DEFAULT_WORKSPACE, Secret, open_store

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
)
KEY_PATTERN = re.compile(r"prk_([0-9a-f]{12})_[A-Za-z0-9_-]{20,}")
WORKSPACE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
USED_EVERY = 60.0  # last_used_at is written at most once a minute per key
REMEMBER_FOR = 2.0  # a checked key is trusted this long without a look-up (a revocation from
# another process takes effect within it; one through this store at once)


def default_path(database: str | None) -> Path:
    """Beside the scheduler's files for `sqlite:FOLDER`; else in the data folder."""
    if database and database.startswith("sqlite:"):
        return Path(database.removeprefix("sqlite:").removeprefix("//")) / "service.sqlite3"
    return data_file("service.sqlite3", "PINRULES_SERVICE")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    id: str
    workspace: str
    name: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "workspace": self.workspace,
            "name": self.name,
            "createdAt": self.created_at,
            "lastUsedAt": self.last_used_at,
            "revoked": self.revoked_at is not None,
        }


@dataclass(frozen=True)
class Claim:
    """What claiming an idempotency key found."""

    state: str  # "new" (do the work), "replay", "conflict" (other body), "in_progress"
    status: int | None = None
    headers: dict[str, str] | None = None
    body: bytes | None = None


class ServiceStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._db = open_store(self.path, MIGRATIONS, "service store")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._used: dict[str, float] = {}
        self._checked: dict[str, tuple[str, float]] = {}  # SHA-256 of a key -> workspace, until

    def close(self) -> None:
        self._db.close()

    def __repr__(self) -> str:
        return f"ServiceStore({str(self.path)!r})"

    # API keys

    def create_key(self, workspace: str = DEFAULT_WORKSPACE, name: str = "") -> tuple[ApiKey, Secret]:
        """A new key of `workspace`: its record, and the key itself (shown once, never stored)."""
        if not WORKSPACE_PATTERN.fullmatch(workspace):
            raise UsageError(f"a workspace is 1-64 letters, digits, '_', '.' or '-' (got {workspace!r})")
        key_id = secrets.token_hex(6)
        key = f"prk_{key_id}_{secrets.token_urlsafe(32)}"
        now = time.time()
        self._db.execute(
            "INSERT INTO api_keys (id, workspace, name, hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (key_id, workspace, name, _hash(key), now),
        )
        return ApiKey(key_id, workspace, name, now, None, None), Secret(key)

    def api_keys(self) -> list[ApiKey]:
        rows = self._db.execute(
            "SELECT id, workspace, name, created_at, last_used_at, revoked_at FROM api_keys "
            "ORDER BY created_at"
        )
        return [ApiKey(str(r[0]), str(r[1]), str(r[2]), float(r[3]), r[4], r[5]) for r in rows]

    def revoke(self, key_id: str) -> bool:
        self._checked.clear()
        cursor = self._db.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (time.time(), key_id)
        )
        return cursor.rowcount == 1

    def authenticate(self, key: str) -> str | None:
        """The workspace of a valid, unrevoked key; None for anything else."""
        found = KEY_PATTERN.fullmatch(key)
        if found is None:
            return None
        digest = _hash(key)
        now = time.time()
        remembered = self._checked.get(digest)
        if remembered is not None and remembered[1] > now:
            return remembered[0]
        row = self._db.execute(
            "SELECT workspace, hash, revoked_at FROM api_keys WHERE id = ?", (found.group(1),)
        ).fetchone()
        expected = row[1] if row else _hash("")  # compare anyway: no timing difference for unknown ids
        if not hmac.compare_digest(digest, str(expected)) or row is None or row[2] is not None:
            return None
        if len(self._checked) > 10_000:
            self._checked.clear()
        self._checked[digest] = (str(row[0]), now + REMEMBER_FOR)
        if now - self._used.get(found.group(1), 0.0) > USED_EVERY:
            self._used[found.group(1)] = now
            self._db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (now, found.group(1)))
        return str(row[0])

    # idempotency

    def claim(
        self, workspace: str, key: str, fingerprint: str, *, now: float, ttl: float, stale_after: float
    ) -> Claim:
        """Claim `key` for a request with this fingerprint, in one transaction. A claim still in
        progress after `stale_after` seconds was abandoned (its process died): it is taken over
        (the work itself is keyed too, see `_posts`, so it is not done twice)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("DELETE FROM idempotency WHERE expires_at <= ?", (now,))
            self._db.execute(
                "DELETE FROM idempotency WHERE workspace = ? AND key = ? AND fingerprint = ? "
                "AND state = 'in_progress' AND created_at <= ?",
                (workspace, key, fingerprint, now - stale_after),
            )
            row = self._db.execute(
                "SELECT fingerprint, state, status, headers, body FROM idempotency "
                "WHERE workspace = ? AND key = ?",
                (workspace, key),
            ).fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO idempotency (workspace, key, fingerprint, state, created_at, expires_at) "
                    "VALUES (?, ?, ?, 'in_progress', ?, ?)",
                    (workspace, key, fingerprint, now, now + ttl),
                )
                claim = Claim("new")
            elif row[0] != fingerprint:
                claim = Claim("conflict")
            elif row[1] != "done":
                claim = Claim("in_progress")
            else:
                claim = Claim("replay", int(row[2]), json.loads(row[3]), bytes(row[4]))
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return claim

    def complete(self, workspace: str, key: str, status: int, headers: dict[str, str], body: bytes) -> None:
        self._db.execute(
            "UPDATE idempotency SET state = 'done', status = ?, headers = ?, body = ? "
            "WHERE workspace = ? AND key = ?",
            (status, json.dumps(headers), body, workspace, key),
        )

    def release(self, workspace: str, key: str) -> None:
        """Forget a claim whose work did not finish (a retry may do it)."""
        self._db.execute(
            "DELETE FROM idempotency WHERE workspace = ? AND key = ? AND state = 'in_progress'",
            (workspace, key),
        )

    # the media URL signing key

    def signing_key(self) -> bytes:
        self._db.execute(
            "INSERT INTO service_secrets (name, value) VALUES ('media-urls', ?) "
            "ON CONFLICT (name) DO NOTHING",
            (secrets.token_hex(32),),
        )
        row = self._db.execute("SELECT value FROM service_secrets WHERE name = 'media-urls'").fetchone()
        return bytes.fromhex(str(row[0]))
