"""Keeping an account's access token fresh.

Access tokens last 30 days; they are refreshed about 24 hours before they expire (and once
when Pinterest answers 401), and concurrent publishes for one account wait for a single refresh,
in this process and in every other one using the same store (`Accounts.refreshing`: a lock file
beside a SQLite store, an advisory lock in PostgreSQL). Pinterest rotates the refresh token on
every refresh, so the new pair is written to the account store before anything uses it. When that
write fails, the pair is kept in memory (`unsaved`): every later call tries the write again first,
never the refresh, and raises `TokensUnsaved` until the write succeeds, so that the run stops
without losing the account.

When the refresh token itself is inside its re-authorisation window, `token.expiring` tells
subscribers. A refresh that Pinterest refuses for the grant itself (revoked, expired) is
`ReauthRequired` with `account.reauth_required`; one that fails for any other reason (the
network, a 5xx, the app's credentials) is `RefreshFailed`, and the account needs nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from ._accounts import Account, Accounts
from ._errors import OAuthError, ReauthRequired, RefreshFailed, StoreError, TokensUnsaved
from ._events import Event, Events
from ._oauth import OAuthFlow
from ._secret import Secret

REFRESH_BEFORE = 24 * 3600.0
REAUTH_WINDOW = 14 * 24 * 3600.0


class TokenManager:
    def __init__(
        self,
        store: Accounts,
        flow: OAuthFlow,
        events: Events | None = None,
        *,
        clock: Callable[[], float] = time.time,
        refresh_before: float = REFRESH_BEFORE,
        reauth_window: float = REAUTH_WINDOW,
    ) -> None:
        self.store = store
        self.flow = flow
        self.events = events or Events()
        self.clock = clock
        self.refresh_before = refresh_before
        self.reauth_window = reauth_window
        self._locks: dict[str, asyncio.Lock] = {}
        # refreshed accounts whose new tokens could not be stored yet (never lost: see `save_unsaved`)
        self.unsaved: dict[str, Account] = {}

    async def token(self, name: str) -> Secret:
        """A valid access token for the account, refreshed first when it is close to expiry."""
        account = self._stored(name)
        self._check_reauth_window(account)
        if account.access_expires_at - self.clock() > self.refresh_before:
            return account.access_token
        return (await self.refresh(name, stale=account.access_token)).access_token

    async def refresh(self, name: str, stale: Secret | None = None) -> Account:
        """Refresh once; callers that waited on the same stale token get the new one."""
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock, self.store.refreshing(name):
            account = self._stored(name)
            if stale is not None and account.access_token != stale:
                return account  # refreshed by someone else while we waited
            try:
                tokens = await self.flow.refresh(account.refresh_token)
            except OAuthError as error:
                if not error.grant_refused:
                    raise RefreshFailed(name, str(error)) from None
                self.events.emit(Event("account.reauth_required", name, {"reason": str(error)}))
                raise ReauthRequired(name, str(error)) from None
            updated = replace(
                account,
                access_token=tokens.access_token,
                access_expires_at=tokens.access_expires_at,
                refresh_token=tokens.refresh_token or account.refresh_token,
                refresh_expires_at=tokens.refresh_expires_at or account.refresh_expires_at,
                scopes=tokens.scopes or account.scopes,
            )
            self.unsaved[name] = updated  # from here on, these are the only tokens that work
            self._save(name)
            self.events.emit(Event("token.refreshed", name, {"expires_at": updated.access_expires_at}))
            return updated

    def save_unsaved(self) -> None:
        """Write every refreshed pair that could not be stored yet; TokensUnsaved if one still fails."""
        for name in list(self.unsaved):
            self._save(name)

    def _stored(self, name: str) -> Account:
        """The account as it must be used: its unsaved new tokens written first, else the store's."""
        if name in self.unsaved:
            self._save(name)
        return self.store.require(name)

    def _save(self, name: str) -> None:
        try:
            self.store.save(self.unsaved[name])
        except StoreError as error:
            raise TokensUnsaved(
                f"account {name!r} was refreshed, but its new tokens could not be stored ({error}); "
                "they are kept in memory and the write is tried again before anything is sent. Free "
                "disk space or fix the file; if this process ends first, run "
                f"`pinrules accounts connect --name {name}`"
            ) from None
        del self.unsaved[name]

    def _check_reauth_window(self, account: Account) -> None:
        if account.refresh_expires_at is None:
            return
        left = account.refresh_expires_at - self.clock()
        if left <= self.reauth_window:
            self.events.emit(
                Event("token.expiring", account.name, {"refresh_expires_in_days": round(left / 86400, 1)})
            )

    def client_auth(
        self, name: str
    ) -> tuple[Callable[[], Awaitable[Secret]], Callable[[Secret], Awaitable[Secret]]]:
        """The token source and 401 handler a PinterestClient uses for this account."""

        async def source() -> Secret:
            return await self.token(name)

        async def unauthorized(used: Secret) -> Secret:
            return (await self.refresh(name, stale=used)).access_token

        return source, unauthorized
