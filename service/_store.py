"""The service's own tables, in SQL once for both backends: API keys, idempotency records, the
key that signs public media URLs, and the OAuth connections waiting for their callback.

A backend supplies a `ServiceDialect` (its table names and how a transaction starts; see
`_store_backends`): SQLite's `service.sqlite3` for one machine, the scheduler's PostgreSQL
database for several `pinrules serve` processes behind a load balancer, which then share keys,
idempotency, signed URLs and connections.

API keys are `prk_<id>_<secret>`: the id finds the row, the SHA-256 of the whole key is what is
stored (the key itself is shown once, when made), compared in constant time. An idempotency key
is claimed by one INSERT ... ON CONFLICT DO NOTHING before the work starts: of two processes
claiming one key at once, exactly one inserts the row and does the work. An OAuth state is kept
as its SHA-256 and taken by one DELETE ... RETURNING: used once, wherever the callback lands.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from pinrules import UsageError
from publisher import DEFAULT_WORKSPACE, Executor, Secret

KEY_PATTERN = re.compile(r"prk_([0-9a-f]{12})_[A-Za-z0-9_-]{20,}")
WORKSPACE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
USED_EVERY = 60.0  # last_used_at is written at most once a minute per key
REMEMBER_FOR = 2.0  # a checked key is trusted this long without a look-up (a revocation from
# another process takes effect within it; one through this store at once)
SWEEP_EVERY = 60.0  # expired idempotency records are deleted at most once a minute per store
CONNECTION_LIFETIME = 600.0  # a consent page left open longer than 10 minutes must start again


class ServiceDialect(Protocol):
    api_keys: str
    idempotency: str
    secrets: str  # named secrets the service makes itself (the media URL signing key)
    connections: str  # OAuth connections started, waiting for their callback
    where: str  # the file or database, for messages (never a password)

    def transaction(self) -> AbstractContextManager[Executor]: ...
    def close(self) -> None: ...


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


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


@dataclass(frozen=True)
class PendingConnection:
    """An OAuth connection started and not yet completed (its state is not kept here)."""

    workspace: str
    account: str  # the name the account gets
    redirect_uri: str  # as sent to the consent page: the code exchange must send it again
    expires_at: float


class ServiceStore:
    """The service's tables over a dialect. Every method is one transaction."""

    def __init__(self, dialect: ServiceDialect) -> None:
        self.dialect = dialect
        self._used: dict[str, float] = {}
        self._checked: dict[str, tuple[str, float]] = {}  # SHA-256 of a key -> workspace, until
        self._swept_at = float("-inf")

    def close(self) -> None:
        self.dialect.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dialect.where!r})"

    # API keys

    def create_key(self, workspace: str = DEFAULT_WORKSPACE, name: str = "") -> tuple[ApiKey, Secret]:
        """A new key of `workspace`: its record, and the key itself (shown once, never stored)."""
        if not WORKSPACE_PATTERN.fullmatch(workspace):
            raise UsageError(f"a workspace is 1-64 letters, digits, '_', '.' or '-' (got {workspace!r})")
        key_id = secrets.token_hex(6)
        key = f"prk_{key_id}_{secrets.token_urlsafe(32)}"
        now = time.time()
        with self.dialect.transaction() as sql:
            sql.execute(
                f"INSERT INTO {self.dialect.api_keys} (id, workspace, name, hash, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (key_id, workspace, name, _hash(key), now),
            )
        return ApiKey(key_id, workspace, name, now, None, None), Secret(key)

    def api_keys(self) -> list[ApiKey]:
        with self.dialect.transaction() as sql:
            rows = sql.execute(
                "SELECT id, workspace, name, created_at, last_used_at, revoked_at "
                f"FROM {self.dialect.api_keys} ORDER BY created_at, id"
            ).fetchall()
        return [ApiKey(str(r[0]), str(r[1]), str(r[2]), float(r[3]), r[4], r[5]) for r in rows]

    def revoke(self, key_id: str) -> bool:
        self._checked.clear()
        with self.dialect.transaction() as sql:
            changed = sql.execute(
                f"UPDATE {self.dialect.api_keys} SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (time.time(), key_id),
            ).rowcount
        return changed == 1

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
        with self.dialect.transaction() as sql:
            row = sql.execute(
                f"SELECT workspace, hash, revoked_at FROM {self.dialect.api_keys} WHERE id = ?",
                (found.group(1),),
            ).fetchone()
        expected = row[1] if row else _hash("")  # compare anyway: no timing difference for unknown ids
        if not hmac.compare_digest(digest, str(expected)) or row is None or row[2] is not None:
            return None
        if len(self._checked) > 10_000:
            self._checked.clear()
        self._checked[digest] = (str(row[0]), now + REMEMBER_FOR)
        if now - self._used.get(found.group(1), 0.0) > USED_EVERY:
            self._used[found.group(1)] = now
            with self.dialect.transaction() as sql:
                sql.execute(
                    f"UPDATE {self.dialect.api_keys} SET last_used_at = ? WHERE id = ?", (now, found.group(1))
                )
        return str(row[0])

    # idempotency

    def claim(
        self, workspace: str, key: str, fingerprint: str, *, now: float, ttl: float, stale_after: float
    ) -> Claim:
        """Claim `key` for a request with this fingerprint. The record is inserted unless one
        exists (one statement: of two claims at once, in any processes, one inserts). A claim
        still in progress after `stale_after` seconds was abandoned (its process died): it is
        taken over (the work itself is keyed too, see `_posts`, so it is not done twice)."""
        table = self.dialect.idempotency
        self._sweep(now)
        with self.dialect.transaction() as sql:
            sql.execute(
                f"DELETE FROM {table} WHERE workspace = ? AND key = ? AND (expires_at <= ? "
                "OR (state = 'in_progress' AND fingerprint = ? AND created_at <= ?))",
                (workspace, key, now, fingerprint, now - stale_after),
            )
            inserted = sql.execute(
                f"INSERT INTO {table} (workspace, key, fingerprint, state, created_at, expires_at) "
                "VALUES (?, ?, ?, 'in_progress', ?, ?) ON CONFLICT (workspace, key) DO NOTHING",
                (workspace, key, fingerprint, now, now + ttl),
            ).rowcount
            if inserted == 1:
                return Claim("new")
            row = sql.execute(
                f"SELECT fingerprint, state, status, headers, body FROM {table} "
                "WHERE workspace = ? AND key = ?",
                (workspace, key),
            ).fetchone()
        if row is None:  # released by its holder between the insert and the read: ask again soon
            return Claim("in_progress")
        if row[0] != fingerprint:
            return Claim("conflict")
        if row[1] != "done":
            return Claim("in_progress")
        return Claim("replay", int(row[2]), json.loads(row[3]), bytes(row[4]))

    def _sweep(self, now: float) -> None:
        """Delete the expired records of every key, now and then (a claim forgets its own key's)."""
        if self._swept_at <= now < self._swept_at + SWEEP_EVERY:
            return
        self._swept_at = now
        with self.dialect.transaction() as sql:
            sql.execute(f"DELETE FROM {self.dialect.idempotency} WHERE expires_at <= ?", (now,))

    def complete(self, workspace: str, key: str, status: int, headers: dict[str, str], body: bytes) -> None:
        with self.dialect.transaction() as sql:
            sql.execute(
                f"UPDATE {self.dialect.idempotency} SET state = 'done', status = ?, headers = ?, body = ? "
                "WHERE workspace = ? AND key = ?",
                (status, json.dumps(headers), body, workspace, key),
            )

    def release(self, workspace: str, key: str) -> None:
        """Forget a claim whose work did not finish (a retry may do it)."""
        with self.dialect.transaction() as sql:
            sql.execute(
                f"DELETE FROM {self.dialect.idempotency} WHERE workspace = ? AND key = ? "
                "AND state = 'in_progress'",
                (workspace, key),
            )

    # the media URL signing key

    def signing_key(self) -> bytes:
        """The key, made by the first process to ask; every other one reads the same."""
        with self.dialect.transaction() as sql:
            sql.execute(
                f"INSERT INTO {self.dialect.secrets} (name, value) VALUES ('media-urls', ?) "
                "ON CONFLICT (name) DO NOTHING",
                (secrets.token_hex(32),),
            )
            row = sql.execute(
                f"SELECT value FROM {self.dialect.secrets} WHERE name = 'media-urls'"
            ).fetchone()
        return bytes.fromhex(str(row[0]))

    # OAuth connections waiting for their callback

    def start_connection(
        self,
        workspace: str,
        account: str,
        redirect_uri: str,
        *,
        now: float,
        lifetime: float = CONNECTION_LIFETIME,
    ) -> tuple[Secret, PendingConnection]:
        """A new one-time OAuth `state` (for the consent page's URL) and what it stands for; only
        the state's SHA-256 is kept. Connections expired by now are forgotten."""
        state = secrets.token_urlsafe(24)
        pending = PendingConnection(workspace, account, redirect_uri, now + lifetime)
        with self.dialect.transaction() as sql:
            sql.execute(f"DELETE FROM {self.dialect.connections} WHERE expires_at <= ?", (now,))
            sql.execute(
                f"INSERT INTO {self.dialect.connections} (state_hash, workspace, account, redirect_uri, "
                "expires_at) VALUES (?, ?, ?, ?, ?)",
                (_hash(state), workspace, account, redirect_uri, pending.expires_at),
            )
        return Secret(state), pending

    def take_connection(self, state: str, *, now: float) -> PendingConnection | None:
        """The connection `state` stands for, removed in the same statement (a state works once,
        in whichever process its callback reaches); None when unknown, used or expired."""
        with self.dialect.transaction() as sql:
            row = sql.execute(
                f"DELETE FROM {self.dialect.connections} WHERE state_hash = ? "
                "RETURNING workspace, account, redirect_uri, expires_at",
                (_hash(state),),
            ).fetchone()
        if row is None or float(row[3]) <= now:
            return None
        return PendingConnection(str(row[0]), str(row[1]), str(row[2]), float(row[3]))
