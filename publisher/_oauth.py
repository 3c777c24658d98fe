"""Connecting a Pinterest account: the OAuth 2.0 authorization-code flow, and token refresh.

flow = OAuthFlow(OAuthApp.from_env(redirect_uri))
url = flow.authorization_url()              # send the person there
account = await flow.complete(code, state, name="acc_main")   # at the redirect
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from pinrules import pinterest

from ._accounts import Account
from ._client import PinterestClient, base_url_from_env
from ._errors import OAuthError
from ._secret import Secret

AUTHORIZE_URL = "https://www.pinterest.com/oauth/"
DEFAULT_SCOPES = pinterest.PUBLISH_SCOPES
SECRET_BOARD_SCOPES = pinterest.SECRET_BOARD_SCOPES
STATE_LIFETIME = 600.0  # a consent page left open longer than 10 minutes must start again


@dataclass(frozen=True)
class OAuthApp:
    client_id: str
    client_secret: Secret
    redirect_uri: str
    authorize_url: str = AUTHORIZE_URL
    base_url: str | None = None  # the API, where /oauth/token lives

    @classmethod
    def from_env(cls, redirect_uri: str, base_url: str | None = None, app_id: str | None = None) -> OAuthApp:
        """Credentials from PINTEREST_APP_ID (else `app_id`, from the config) and PINTEREST_APP_SECRET."""
        client_id = os.environ.get("PINTEREST_APP_ID") or app_id
        secret = os.environ.get("PINTEREST_APP_SECRET")
        if not client_id or not secret:
            raise OAuthError(
                "set PINTEREST_APP_SECRET, and PINTEREST_APP_ID (or app-id in [tool.pinrules]), "
                "to your Pinterest app's credentials"
            )
        authorize = os.environ.get("PINTEREST_OAUTH_URL", AUTHORIZE_URL)
        return cls(client_id, Secret(secret), redirect_uri, authorize, base_url)


@dataclass(frozen=True)
class Tokens:
    access_token: Secret
    refresh_token: Secret | None
    access_expires_at: float
    refresh_expires_at: float | None
    scopes: tuple[str, ...]


@dataclass
class _States:
    """One-time `state` values, each valid for ten minutes."""

    clock: Callable[[], float]
    pending: dict[str, float] = field(default_factory=dict)

    def new(self) -> str:
        state = secrets.token_urlsafe(24)
        self.pending[state] = self.clock() + STATE_LIFETIME
        return state

    def is_pending(self, state: str) -> bool:
        expires = self.pending.get(state)
        return expires is not None and self.clock() <= expires

    def take(self, state: str) -> bool:
        expires = self.pending.pop(state, None)
        return expires is not None and self.clock() <= expires


class OAuthFlow:
    def __init__(self, app: OAuthApp, *, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.clock = clock
        self._states = _States(clock)

    def authorization_url(self, scopes: Iterable[str] = DEFAULT_SCOPES, *, state: str | None = None) -> str:
        """Where to send the person. `state` None: a new one this flow keeps and `complete`
        checks; given: the caller keeps it and checks it itself, then calls `exchange` (a
        service whose callback may reach another process keeps it in its database)."""
        query = {
            "client_id": self.app.client_id,
            "redirect_uri": self.app.redirect_uri,
            "response_type": "code",
            "scope": ",".join(scopes),
            "state": self._states.new() if state is None else state,
        }
        return f"{self.app.authorize_url}?{urlencode(query)}"

    def is_pending(self, state: str) -> bool:
        """Whether `state` is one this flow handed out, not yet used and not expired: an answer
        at the redirect URI with any other state is not the one being waited for."""
        return self._states.is_pending(state)

    async def complete(self, code: str, state: str, name: str) -> Account:
        """Check `state` (one this flow handed out), then `exchange` the code."""
        if not self._states.take(state):
            raise OAuthError("the state does not match a pending connection (expired after 10 minutes, "
                             "or used already): start `pinrules accounts connect` again")  # fmt: skip
        return await self.exchange(code, name)

    async def exchange(self, code: str, name: str) -> Account:
        """Exchange the code for tokens and pin the account to its Pinterest user; the caller
        has checked the state that came with the code (`complete` does both)."""
        tokens = await self._token_request({"grant_type": "authorization_code", "code": code,
                                            "redirect_uri": self.app.redirect_uri,
                                            "continuous_refresh": "true"})  # fmt: skip
        if tokens.refresh_token is None:
            raise OAuthError("Pinterest sent no refresh token")
        async with PinterestClient(tokens.access_token, self.app.base_url) as client:
            user = await client.user_account()
        return Account(
            name=name,
            user_id=str(user.id or user.username),
            username=str(user.username),
            scopes=tokens.scopes,
            access_token=tokens.access_token,
            access_expires_at=tokens.access_expires_at,
            refresh_token=tokens.refresh_token,
            refresh_expires_at=tokens.refresh_expires_at,
            connected_at=self.clock(),
        )

    async def refresh(self, refresh_token: Secret) -> Tokens:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token.reveal(),
            "continuous_refresh": "true",
        }
        return await self._token_request(form)

    async def _token_request(self, form: dict[str, str]) -> Tokens:
        url = base_url_from_env(self.app.base_url) + "/oauth/token"
        credentials = f"{self.app.client_id}:{self.app.client_secret.reveal()}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(credentials).decode("ascii")}
        import aiohttp  # noqa: PLC0415 - only when a token is asked for

        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
                session.post(url, data=form, headers=headers) as response,
            ):
                try:
                    body: Any = await response.json(content_type=None)
                except ValueError:  # a gateway's HTML page: its status says what happened
                    body = None
                if response.status >= 400 or not isinstance(body, dict):
                    message = body.get("message") if isinstance(body, dict) else None
                    reason = body.get("error") if isinstance(body, dict) else None
                    status = response.status if isinstance(body, dict) else None  # else not Pinterest's
                    refusal = f"Pinterest refused the token request: {response.status} {message or ''}"
                    raise OAuthError(refusal.strip(), status=status,
                                     reason=reason if isinstance(reason, str) else None)  # fmt: skip
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise OAuthError(f"the token request failed ({error.__class__.__name__})") from None
        now = self.clock()
        refresh_at = body.get("refresh_token_expires_at")
        if refresh_at is None and body.get("refresh_token_expires_in") is not None:
            refresh_at = now + float(body["refresh_token_expires_in"])
        return Tokens(
            access_token=Secret(str(body["access_token"])),
            refresh_token=Secret(str(body["refresh_token"])) if body.get("refresh_token") else None,
            access_expires_at=now + float(body.get("expires_in", 30 * 86400)),
            refresh_expires_at=float(refresh_at) if refresh_at is not None else None,
            scopes=tuple(str(body.get("scope", "")).replace(",", " ").split()),
        )
