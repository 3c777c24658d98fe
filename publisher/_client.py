"""A thin aiohttp client for the Pinterest API v5 endpoints pinrules uses.

One session with connection reuse. Requests that cannot take effect twice (every GET) are
retried on 429, 5xx, timeouts and connection errors. A create is retried only on answers that
prove nothing was made (429, and no connection at all); any answer that may mean "created"
(no answer, a timeout after sending, 5xx, 408, 409, a success that is not a pin) is an
`AmbiguousResponse` for the caller to reconcile, never a retry. A Retry-After longer than the
policy's `max_retry_after` is not waited for: the RateLimited error goes to the caller.

Every answer is checked: a body that is not UTF-8 JSON, or not the shape asked for, is a
`MalformedAnswer` (for a create: ambiguous), never an exception from a parser.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pinrules import USER_AGENT

from ._errors import (
    AmbiguousResponse,
    ApiError,
    ConnectionFailed,
    MalformedAnswer,
    RateLimited,
    ServerError,
    Unauthorized,
    api_error,
)
from ._limiter import SHARED, RateLimiter
from ._retry import RetryPolicy, parse_http_date, parse_retry_after
from ._secret import Secret

if TYPE_CHECKING:
    import aiohttp
    from pydantic import BaseModel

    from ._models import Account, Board, Media, MediaUpload, Pin

Model = TypeVar("Model", bound="BaseModel")
DEFAULT_BASE_URL = "https://api.pinterest.com/v5"
# answers to a create that do not prove that nothing was made (besides 5xx)
_MAYBE_CREATED = (408, 409)


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
        # Pinterest's clock minus ours, from the Date header of its answers (None: none seen yet)
        self.server_offset: float | None = None

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
        """POST /pins. Raises AmbiguousResponse for every answer that may mean it was created."""
        from ._models import Pin  # noqa: PLC0415

        answer = await self.request("POST", "/pins", body, idempotent=False)
        try:
            return _answer(Pin, answer, "POST /pins")
        except MalformedAnswer as error:  # a success status, but no pin: it may have been made
            raise AmbiguousResponse(str(error)) from None

    async def register_media(self) -> MediaUpload:
        from ._models import MediaUpload  # noqa: PLC0415

        # registering twice only leaves an unused slot behind: safe to retry
        return _answer(
            MediaUpload, await self.request("POST", "/media", {"media_type": "video"}), "POST /media"
        )

    async def get_media(self, media_id: str) -> Media:
        from ._models import Media  # noqa: PLC0415

        return _answer(Media, await self.request("GET", f"/media/{media_id}"), "GET /media")

    async def get_board(self, board_id: str) -> Board:
        from ._models import Board  # noqa: PLC0415

        return _answer(Board, await self.request("GET", f"/boards/{board_id}"), "GET /boards")

    async def boards(self) -> AsyncIterator[Board]:
        from ._models import Board  # noqa: PLC0415

        async for item in self._pages("/boards"):
            yield _answer(Board, item, "GET /boards")

    async def board_pins(self, board_id: str) -> AsyncIterator[Pin]:
        from ._models import Pin  # noqa: PLC0415

        async for item in self._pages(f"/boards/{board_id}/pins"):
            yield _answer(Pin, item, "GET /boards/{board_id}/pins")

    async def user_account(self) -> Account:
        from ._models import Account  # noqa: PLC0415

        return _answer(Account, await self.request("GET", "/user_account"), "GET /user_account")

    async def _pages(self, path: str, page_size: int = 100) -> AsyncIterator[Any]:
        bookmark: str | None = None
        while True:
            params = {"page_size": str(page_size)} | ({"bookmark": bookmark} if bookmark else {})
            page = await self.request("GET", path, params=params)
            items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise MalformedAnswer(f"GET {path} answered something that is not a page of items")
            for item in items:
                yield item
            bookmark = page.get("bookmark")
            if not isinstance(bookmark, str) or not bookmark:
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
            except ApiError as error:
                if isinstance(error, RateLimited):  # every client of the account slows down
                    # and pauses as asked, unless the wait is longer than this client waits: then
                    # the attempt ends with the wait in its result, and the caller decides
                    asked = None if self.retry.too_long(error.retry_after) else error.retry_after
                    self.limiter.slow_down(asked)
                if not idempotent and (error.status >= 500 or error.status in _MAYBE_CREATED):
                    # it may have been created: the caller reconciles, never a blind retry
                    raise AmbiguousResponse(f"{method} {path}: {error}", error.status) from None
                if not isinstance(error, RateLimited | ServerError) or attempt >= self.retry.attempts:
                    raise
                if isinstance(error, RateLimited) and (
                    error.is_spam or self.retry.too_long(error.retry_after)
                ):
                    raise  # retrying spam makes it worse; a long Retry-After is the caller's to wait
                await self._sleep(self.retry.delay(attempt, getattr(error, "retry_after", None)))
            except (ConnectionFailed, AmbiguousResponse, MalformedAnswer) as error:
                if not idempotent and not isinstance(error, ConnectionFailed):
                    if isinstance(error, MalformedAnswer):  # an answer came: it may mean "created"
                        raise AmbiguousResponse(f"{method} {path}: {error}") from None
                    raise  # it may have been created: the caller reconciles
                if attempt >= self.retry.attempts:
                    raise
                await self._sleep(self.retry.delay(attempt))

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
                raw = await response.read()
                self._note_server_time(response.headers.get("Date"))
                answer = _decode(raw)
                if response.status >= 400:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    refusal = answer if answer is not None else {"message": _snippet(raw)}
                    raise api_error(
                        response.status, refusal, response.headers.get("x-request-id"), retry_after
                    )
                if answer is None:
                    what = f"{response.status} with a body that is not JSON: {_snippet(raw)!r}"
                    raise MalformedAnswer(f"{method} {path} answered {what}")
                return answer
        except aiohttp.ClientConnectorError as error:
            raise ConnectionFailed(
                f"cannot connect to {self.base_url}: {error.os_error.strerror or error}"
            ) from None
        except (TimeoutError, aiohttp.ClientError) as error:
            what = "timed out" if isinstance(error, TimeoutError) else f"failed ({error.__class__.__name__})"
            raise AmbiguousResponse(f"{method} {path} {what} after it was sent") from None

    def _note_server_time(self, date: str | None) -> None:
        when = parse_http_date(date)
        if when is not None:
            self.server_offset = when - time.time()


def _decode(raw: bytes) -> Any:
    """The JSON of an answer's body, or None when it is not UTF-8 JSON (a gateway's HTML page)."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _snippet(raw: bytes) -> str:
    return raw[:200].decode("utf-8", errors="replace").strip()


def _answer(model: type[Model], data: Any, what: str) -> Model:
    """`data` as `model`, or MalformedAnswer saying which field is missing or wrong."""
    from pydantic import ValidationError  # noqa: PLC0415

    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'the answer'}: {e['msg']}" for e in error.errors()[:3]
        )
        raise MalformedAnswer(
            f"{what} answered something that is not a {model.__name__} ({problems})"
        ) from None


__all__ = ["ApiError", "PinterestClient"]
