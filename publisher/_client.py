"""A thin aiohttp client for the Pinterest API v5 endpoints pinrules uses.

One session with connection reuse. Requests that cannot take effect twice (every GET) are
retried on 429, 5xx and connection errors; a create is retried only when Pinterest said no
(429, 5xx) or when no connection was made, never after it may have arrived.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pinrules import USER_AGENT

from ._errors import (
    AmbiguousResponse,
    ApiError,
    ConnectionFailed,
    RateLimited,
    ServerError,
    Unauthorized,
    api_error,
)
from ._limiter import SHARED, RateLimiter
from ._retry import RetryPolicy, parse_retry_after
from ._secret import Secret

if TYPE_CHECKING:
    import aiohttp

    from ._models import Account, Board, Media, MediaUpload, Pin

DEFAULT_BASE_URL = "https://api.pinterest.com/v5"


def base_url_from_env(base_url: str | None = None) -> str:
    """The API base URL: the argument, else PINTEREST_API_BASE, else Pinterest's."""
    return (base_url or os.environ.get("PINTEREST_API_BASE") or DEFAULT_BASE_URL).rstrip("/")


def account_key(token: Secret) -> str:
    """An opaque key for an account's limiter and logs: a hash, never the token."""
    return hashlib.sha256(token.reveal().encode()).hexdigest()[:12]


class PinterestClient:
    """`async with PinterestClient(token) as client: await client.create_pin(body)`."""

    def __init__(
        self,
        token: Secret | str,
        base_url: str | None = None,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
        timeout: float = 30.0,
        token_source: Callable[[], Awaitable[Secret]] | None = None,
        on_unauthorized: Callable[[Secret], Awaitable[Secret]] | None = None,
    ) -> None:
        """`token_source` supplies a fresh token per request (a connected account);
        `on_unauthorized` is asked once for a new token when Pinterest answers 401."""
        self.token = token if isinstance(token, Secret) else Secret(token)
        self._token_source = token_source
        self._on_unauthorized = on_unauthorized
        self.base_url = base_url_from_env(base_url)
        self.retry = retry or RetryPolicy()
        self.limiter = limiter if limiter is not None else SHARED.for_account(account_key(self.token))
        self._sleep = sleep
        self._own_session = session is None
        self._session = session
        self._timeout = timeout
        self.sent: list[tuple[str, str, Any]] = []  # method, path, JSON body: for dry runs and tests

    def __repr__(self) -> str:
        return f"PinterestClient(base_url={self.base_url!r}, token={self.token!r})"

    async def __aenter__(self) -> PinterestClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session, made on first use: a dry run never imports aiohttp."""
        if self._session is None:
            import aiohttp  # noqa: PLC0415

            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout), headers={"User-Agent": USER_AGENT}
            )
        return self._session

    # --- endpoints -------------------------------------------------------------------------

    # answers are validated with pydantic, imported on the first real answer (not for dry runs)

    async def create_pin(self, body: dict[str, Any]) -> Pin:
        from ._models import Pin  # noqa: PLC0415

        return Pin.model_validate(await self.request("POST", "/pins", body, idempotent=False))

    async def register_media(self) -> MediaUpload:
        from ._models import MediaUpload  # noqa: PLC0415

        # registering twice only leaves an unused slot behind: safe to retry
        return MediaUpload.model_validate(await self.request("POST", "/media", {"media_type": "video"}))

    async def get_media(self, media_id: str) -> Media:
        from ._models import Media  # noqa: PLC0415

        return Media.model_validate(await self.request("GET", f"/media/{media_id}"))

    async def get_board(self, board_id: str) -> Board:
        from ._models import Board  # noqa: PLC0415

        return Board.model_validate(await self.request("GET", f"/boards/{board_id}"))

    async def boards(self) -> AsyncIterator[Board]:
        from ._models import Board  # noqa: PLC0415

        async for item in self._pages("/boards"):
            yield Board.model_validate(item)

    async def board_pins(self, board_id: str) -> AsyncIterator[Pin]:
        from ._models import Pin  # noqa: PLC0415

        async for item in self._pages(f"/boards/{board_id}/pins"):
            yield Pin.model_validate(item)

    async def user_account(self) -> Account:
        from ._models import Account  # noqa: PLC0415

        return Account.model_validate(await self.request("GET", "/user_account"))

    async def _pages(self, path: str, page_size: int = 100) -> AsyncIterator[Any]:
        bookmark: str | None = None
        while True:
            params = {"page_size": str(page_size)} | ({"bookmark": bookmark} if bookmark else {})
            page = await self.request("GET", path, params=params)
            for item in page.get("items", []):
                yield item
            bookmark = page.get("bookmark")
            if not bookmark:
                return

    # --- transport -------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
        idempotent: bool = True,
    ) -> Any:
        """Send one API request with retries; return the decoded JSON answer."""
        attempt = 0
        reauthorised = False
        while True:
            attempt += 1
            await self.limiter.acquire()
            token = await self._token_source() if self._token_source else self.token
            try:
                return await self._send(method, path, body, params, token)
            except Unauthorized:
                if self._on_unauthorized is None or reauthorised:
                    raise
                reauthorised = True  # once: a token refreshed a moment ago that is refused is final
                self.token = await self._on_unauthorized(token)
                attempt -= 1
            except (RateLimited, ServerError, ConnectionFailed, AmbiguousResponse) as error:
                if isinstance(error, RateLimited):  # every client of the account slows down
                    self.limiter.slow_down(error.retry_after)
                if isinstance(error, AmbiguousResponse) and not idempotent:
                    raise  # it may have been created: the caller reconciles
                if isinstance(error, RateLimited) and error.is_spam:
                    raise
                if attempt >= self.retry.attempts:
                    raise
                retry_after = error.retry_after if isinstance(error, RateLimited) else None
                await self._sleep(self.retry.delay(attempt, retry_after))

    async def _send(
        self, method: str, path: str, body: Any, params: dict[str, str] | None, token: Secret
    ) -> Any:
        import aiohttp  # noqa: PLC0415 - loaded with the session, before the first request

        self.sent.append((method, path, body))
        headers = {"Authorization": f"Bearer {token.reveal()}"}
        try:
            async with self.session.request(
                method, self.base_url + path, json=body, params=params, headers=headers
            ) as response:
                answer = await _json(response)
                if response.status >= 400:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    raise api_error(
                        response.status, answer, response.headers.get("x-request-id"), retry_after
                    )
                return answer
        except aiohttp.ClientConnectorError as error:
            raise ConnectionFailed(
                f"cannot connect to {self.base_url}: {error.os_error.strerror or error}"
            ) from None
        except (TimeoutError, aiohttp.ClientError) as error:
            what = "timed out" if isinstance(error, TimeoutError) else f"failed ({error.__class__.__name__})"
            raise AmbiguousResponse(f"{method} {path} {what} after it was sent") from None


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return {"message": (await response.text())[:200]}


__all__ = ["ApiError", "PinterestClient"]
