"""One refresh across processes and machines: Pinterest rotates the refresh token on every
refresh, so two processes refreshing one account at once would leave one of them (and the store,
if it wrote last) with a token that no longer works. The account store's refresh lock holds
across processes: a lock file beside a SQLite store, an advisory lock in PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from dataclasses import replace

from publisher import open_backend

from .helpers import APP_ID, APP_SECRET, Sandbox, connect_through_oauth, refresh_requests

# a process asking for the account's token from 10 tasks at once, all starting at one moment
_ASKER = f"""
import asyncio, hashlib, json, sys, time
from publisher import OAuthApp, OAuthFlow, Secret, TokenManager, open_backend
database, base, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
backend = open_backend(database)
app = OAuthApp({APP_ID!r}, Secret({APP_SECRET!r}), "http://127.0.0.1:9/cb", base + "/oauth/", base + "/v5")
manager = TokenManager(backend.accounts, OAuthFlow(app))

async def ask():
    await asyncio.sleep(max(0.0, start_at - time.time()))
    return await asyncio.gather(*(manager.token("acc") for _ in range(10)))

tokens = asyncio.run(ask())
print(json.dumps(sorted({{hashlib.sha256(t.reveal().encode()).hexdigest() for t in tokens}})))
backend.close()
"""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def test_twenty_refreshes_in_two_processes_make_one(sandbox: Sandbox, database: str) -> None:
    """Two processes, ten tasks each, ask at the same moment for the token of an account that is
    due a refresh: exactly one refresh request reaches Pinterest, every task gets the new token,
    and the store keeps the refresh token Pinterest issued last (the only one that still works)."""
    account = connect_through_oauth(sandbox)
    backend = open_backend(database, create_accounts=True)
    assert backend.accounts is not None
    backend.accounts.save(replace(account, access_expires_at=time.time() + 3600))  # a refresh is due
    start_at = f"{time.time() + 2.0:.3f}"
    askers = [
        subprocess.Popen(
            [sys.executable, "-c", _ASKER, database, sandbox.base, start_at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    answers = [asker.communicate(timeout=60) for asker in askers]
    assert [asker.returncode for asker in askers] == [0, 0], [err for _, err in answers]
    assert refresh_requests(sandbox.state) == 1
    stored = backend.accounts.require("acc")
    seen = [json.loads(out) for out, _ in answers]
    assert seen == [[_digest(stored.access_token.reveal())]] * 2
    assert stored.access_token != account.access_token
    assert set(sandbox.state.refresh_tokens) == {stored.refresh_token.reveal()}
    backend.close()


def test_a_process_killed_holding_the_lock_does_not_block_the_next(sandbox: Sandbox, database: str) -> None:
    """The refresh lock dies with its holder: a process killed (SIGKILL) while it holds the lock
    leaves nothing behind, and the next refresh goes ahead."""
    account = connect_through_oauth(sandbox)
    backend = open_backend(database, create_accounts=True)
    assert backend.accounts is not None
    backend.accounts.save(replace(account, access_expires_at=time.time() + 3600))
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, database], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "holding\n"
    holder.kill()
    holder.communicate(timeout=30)
    asker = subprocess.run(
        [sys.executable, "-c", _ASKER, database, sandbox.base, "0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert asker.returncode == 0, asker.stderr
    assert refresh_requests(sandbox.state) == 1
    backend.close()


# a process that takes the account's refresh lock and keeps it until it is killed
_HOLDER = """
import asyncio, sys
from publisher import open_backend
backend = open_backend(sys.argv[1])

async def hold():
    async with backend.accounts.refreshing("acc"):
        print("holding", flush=True)
        await asyncio.sleep(3600)

asyncio.run(hold())
"""
