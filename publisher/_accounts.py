"""The account store: connected Pinterest accounts and their tokens.

`AccountStore` keeps them in a SQLite file, created readable by its owner only (0600);
`PostgresAccounts` (in `_postgres_accounts`) in the scheduler's PostgreSQL database, for workers
on several machines. Both are `Accounts`: the same SQL, and a refresh lock (`refreshing`) that
holds across processes and machines, because Pinterest rotates the refresh token on every
refresh: two refreshing at once would leave one of them with a token that no longer works.

Tokens are secrets: `Account` holds them as `Secret`, and with PINRULES_TOKEN_KEY set (a Fernet
key: `pinrules accounts key`) they are encrypted at rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pinrules import data_file

from ._errors import StoreError
from ._schedule import DEFAULT_WORKSPACE
from ._secret import Secret
from ._sqlite import open_store

KEY_VARIABLE = "PINRULES_TOKEN_KEY"
LOCK_POLL = 0.02  # seconds between tries for a refresh lock another process holds
# the schema, as ordered migration steps (PRAGMA user_version counts those applied)
MIGRATIONS = (
    """CREATE TABLE IF NOT EXISTS accounts (
        name TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        username TEXT NOT NULL,
        scopes TEXT NOT NULL,
        default_board_id TEXT,
        access_token BLOB NOT NULL,
        access_expires_at REAL NOT NULL,
        refresh_token BLOB NOT NULL,
        refresh_expires_at REAL,
        connected_at REAL NOT NULL
    )""",
    # the workspace an account belongs to (the posting service's API keys see only their own)
    "ALTER TABLE accounts ADD COLUMN workspace TEXT NOT NULL DEFAULT 'default'",
)
_COLUMNS = (
    "name, user_id, username, scopes, default_board_id, access_token, access_expires_at, "
    "refresh_token, refresh_expires_at, connected_at, workspace"
)


@dataclass(frozen=True)
class Account:
    name: str
    user_id: str
    username: str
    scopes: tuple[str, ...]
    access_token: Secret
    access_expires_at: float
    refresh_token: Secret
    refresh_expires_at: float | None = None
    default_board_id: str | None = None
    connected_at: float = 0.0
    workspace: str = DEFAULT_WORKSPACE

    def summary(self, now: float | None = None) -> dict[str, object]:
        """Everything about the account but its tokens."""
        now = time.time() if now is None else now
        return {
            "name": self.name,
            "pinterest_user": self.username,
            "pinterest_user_id": self.user_id,
            "scopes": list(self.scopes),
            "default_board_id": self.default_board_id,
            "access_token_expires_in_hours": round((self.access_expires_at - now) / 3600, 1),
            "refresh_token_expires_in_days": None
            if self.refresh_expires_at is None
            else round((self.refresh_expires_at - now) / 86400, 1),
        }


def default_path() -> Path:
    return data_file("accounts.sqlite3", "PINRULES_ACCOUNTS")


class _Cipher:
    """Fernet encryption of tokens when a key is configured; plain text otherwise."""

    def __init__(self, key: str | None) -> None:
        self._fernet = None
        if key:
            try:
                from cryptography.fernet import Fernet  # noqa: PLC0415 - only with a key
            except ImportError:
                raise StoreError(f"{KEY_VARIABLE} is set but 'cryptography' is not installed: "
                                 "pip install 'pinrules[encryption]'") from None  # fmt: skip
            try:
                self._fernet = Fernet(key.encode())
            except ValueError:
                raise StoreError(
                    f"{KEY_VARIABLE} is not a Fernet key; make one with `pinrules accounts key`"
                ) from None

    def seal(self, secret: Secret) -> bytes:
        data = secret.reveal().encode()
        return b"fernet:" + self._fernet.encrypt(data) if self._fernet else b"plain:" + data

    def open(self, blob: bytes) -> Secret:
        kind, _, data = bytes(blob).partition(b":")
        if kind == b"plain":
            return Secret(data.decode())
        if self._fernet is None:
            raise StoreError(
                f"the stored tokens are encrypted: set {KEY_VARIABLE} to the key they were stored with"
            )
        from cryptography.fernet import InvalidToken  # noqa: PLC0415

        try:
            return Secret(self._fernet.decrypt(data).decode())
        except InvalidToken:
            raise StoreError(
                f"{KEY_VARIABLE} does not decrypt the stored tokens (a different key?)"
            ) from None


class Accounts:
    """The connected accounts, wherever they are kept: every query, written once.

    A subclass supplies `_execute` (one statement, its own transaction; the backend's errors
    become StoreError), `refreshing` (the cross-process refresh lock) and `close`."""

    where: str  # the store, for messages
    _table = "accounts"

    def __init__(self, key: str | None) -> None:
        self._cipher = _Cipher(key if key is not None else os.environ.get(KEY_VARIABLE))

    def _execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def refreshing(self, name: str) -> AbstractAsyncContextManager[None]:
        """Hold the account's refresh lock: one refresh at a time, across processes and machines.
        The holder reads the account again inside it (another may have refreshed meanwhile)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def save(self, account: Account) -> None:
        """Write the account (durably: a lost write of rotated tokens would cost the connection)."""
        row = (
            account.name, account.user_id, account.username, " ".join(account.scopes),
            account.default_board_id, self._cipher.seal(account.access_token), account.access_expires_at,
            self._cipher.seal(account.refresh_token), account.refresh_expires_at,
            account.connected_at or time.time(), account.workspace,
        )  # fmt: skip
        updates = ", ".join(f"{column} = excluded.{column}" for column in _COLUMNS.split(", ")[1:])
        self._execute(
            f"INSERT INTO {self._table} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            f"ON CONFLICT (name) DO UPDATE SET {updates}",
            row,
        )

    def get(self, name: str) -> Account | None:
        rows = self._execute(f"SELECT {_COLUMNS} FROM {self._table} WHERE name = ?", (name,))
        return self._account(rows[0]) if rows else None

    def require(self, name: str) -> Account:
        account = self.get(name)
        if account is None:
            known = ", ".join(a.name for a in self.all()) or "none yet"
            raise StoreError(f"no account {name!r} (connected: {known}); connect it with "
                             f"`pinrules accounts connect --name {name}`")  # fmt: skip
        return account

    def all(self) -> list[Account]:
        return [
            self._account(row) for row in self._execute(f"SELECT {_COLUMNS} FROM {self._table} ORDER BY name")
        ]

    def delete(self, name: str) -> bool:
        return bool(self._execute(f"DELETE FROM {self._table} WHERE name = ? RETURNING name", (name,)))

    def set_default_board(self, name: str, board_id: str | None) -> Account:
        """The board the account's posts without a boardId go to (None: no default board)."""
        if board_id is not None and not (board_id.isascii() and board_id.isdigit()):
            raise StoreError(
                f"a default board is a board id, digits only (got {board_id!r}); "
                f"`pinrules boards {name}` lists the account's boards"
            )
        account = replace(self.require(name), default_board_id=board_id)
        self.save(account)
        return account

    def _account(self, row: tuple[Any, ...]) -> Account:
        """An Account from a row, columns in _COLUMNS' order (sqlite rows are untyped)."""
        name, user_id, username, scopes, board, access, access_at, refresh, refresh_at, connected, space = row
        return Account(
            name=str(name), user_id=str(user_id), username=str(username), scopes=tuple(str(scopes).split()),
            default_board_id=None if board is None else str(board),
            access_token=self._cipher.open(access), access_expires_at=float(access_at),
            refresh_token=self._cipher.open(refresh),
            refresh_expires_at=None if refresh_at is None else float(refresh_at),
            connected_at=float(connected), workspace=str(space),
        )  # fmt: skip


class AccountStore(Accounts):
    """The accounts in a SQLite file (default: `accounts.sqlite3` in the data folder)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, key: str | None = None) -> None:
        super().__init__(key)
        self.path = Path(path) if path is not None else default_path()
        self.where = str(self.path)
        self._db = open_store(self.path, MIGRATIONS, "account store")
        os.chmod(self.path, 0o600)  # also a store made by an older pinrules, or copied in

    def close(self) -> None:
        self._db.close()

    def __repr__(self) -> str:
        return f"AccountStore({str(self.path)!r})"

    def _execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, parameters).fetchall()  # a transaction of its own
        except sqlite3.Error as error:  # a full disk, a read-only or damaged file
            raise StoreError(f"{self.path}: the account store could not be used ({error})") from None

    @contextlib.asynccontextmanager
    async def refreshing(self, name: str) -> AsyncIterator[None]:
        """An exclusive lock on a file beside the store (`accounts.sqlite3.refresh-lock`), for every
        account of the store at once (refreshes are rare); the kernel lets go if the process dies."""
        import fcntl  # noqa: PLC0415

        lock = self.path.with_name(self.path.name + ".refresh-lock")
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(LOCK_POLL)  # another process refreshes: wait, never block the loop
            yield
        finally:
            os.close(descriptor)  # also releases the lock
