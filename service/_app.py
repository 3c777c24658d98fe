"""The posting service as an aiohttp application: settings, shared state, and the middleware
every request goes through (request id, errors as problem+json, API keys, idempotency).

    app = make_app(ServiceSettings(public_url="https://pins.example.com"))
    web.run_app(app)            # or `pinrules serve`
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from pinrules import NetworkSettings, Preflight, pinterest
from publisher import (
    REAUTH_WINDOW,
    Account,
    Accounts,
    Backend,
    Deliverer,
    DeliverySettings,
    Events,
    OAuthApp,
    OAuthError,
    PublishOptions,
    Senders,
    bridge,
    open_backend,
    watch_accounts,
)

from ._problems import Problem, problem_response, request_id
from ._store import ServiceStore
from ._store_backends import open_service_store

log = logging.getLogger("pinrules.service")
CALLBACK_PATH = "/v1/accounts/connect/pinterest/callback"
IDEMPOTENCY_TTL = 24 * 3600.0
ACCOUNTS_FRESH_FOR = 1.0
_RequestKey: Any = getattr(web, "RequestKey", lambda name, _kind: name)
WORKSPACE = _RequestKey("workspace", str)
PUBLIC_PATHS = ("/healthz", "/v1/openapi.json", CALLBACK_PATH)


@dataclass(frozen=True)
class ServiceSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None  # where Pinterest and browsers reach this service
    database: str | None = None  # as `pinrules worker --database`
    base_url: str | None = None  # the Pinterest API (default: PINTEREST_API_BASE or Pinterest's)
    app_id: str | None = None  # [tool.pinrules] app-id (PINTEREST_APP_ID wins)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    json_limit: int = 1024 * 1024
    image_limit: int = pinterest.IMAGE_MAX_BYTES
    video_limit: int = pinterest.VIDEO_MAX_BYTES
    idempotency_ttl: float = IDEMPOTENCY_TTL
    media_url_lifetime: float = 3600.0  # a signed media URL for a post published now
    publish_lease: float = 300.0  # a post being published now stays the service's this long
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    deliver_webhooks: bool = True
    poll_interval: float = pinterest.MEDIA_POLL_INTERVAL_SECONDS  # of a video's processing
    poll_timeout: float = pinterest.MEDIA_POLL_TIMEOUT_SECONDS


class Service:
    """What the handlers share: settings, stores, preflight, publishers, events.

    The stores are opened by `start` (in the thread and loop that serve the app: SQLite
    connections stay in the thread that made them), unless they are given."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        preflight: Preflight,
        oauth_app: OAuthApp | None,
        clock: Callable[[], float],
        backend: Backend | None = None,
        store: ServiceStore | None = None,
    ) -> None:
        self.settings = settings
        self.preflight = preflight
        self.oauth_app = oauth_app
        self.clock = clock
        self._given = (backend, store)
        self.events = Events()
        self.owner = f"service:{id(self):x}:{int(clock())}"
        self._accounts: list[Account] = []
        self._accounts_read_at = -1.0

    def start(self) -> None:
        settings = self.settings
        given_backend, given_store = self._given
        if self.oauth_app is None:  # the app's credentials refresh tokens; connecting names its own URI
            try:
                self.oauth_app = OAuthApp.from_env(CALLBACK_PATH, settings.base_url, settings.app_id)
            except OAuthError:
                self.oauth_app = None  # publishing for an account will say what is missing
        self.backend = given_backend or open_backend(settings.database, create_accounts=True)
        self.store = given_store or open_service_store(settings.database, backend=self.backend)
        bridge(self.events, self.backend.webhooks, self.backend.accounts)
        options = PublishOptions(
            network=settings.network,
            poll_interval=settings.poll_interval,
            poll_timeout=settings.poll_timeout,
            clock=self.clock,
        )
        self.senders = Senders(
            preflight=self.preflight,
            options=options,
            journal=self.backend.journal,
            accounts=self.backend.accounts,
            app=self.oauth_app,
            base_url=settings.base_url,
            events=self.events,
        )
        self.signing_key = self.store.signing_key()

    async def close(self) -> None:
        await self.senders.close()
        given_backend, given_store = self._given
        if given_backend is None:
            self.backend.close()
        if given_store is None:
            self.store.close()

    def workspace_accounts(self, workspace: str) -> list[Account]:
        """The workspace's accounts, read at most once a second (every post asks; tokens may be
        encrypted): a change made here is seen at once, one from another process within 1 s."""
        now = self.clock()
        if self._accounts_read_at + ACCOUNTS_FRESH_FOR < now or self._accounts_read_at > now:
            self._accounts = self.accounts.all()
            self._accounts_read_at = now
        return [a for a in self._accounts if a.workspace == workspace]

    def accounts_changed(self) -> None:
        self._accounts_read_at = -1.0

    @property
    def accounts(self) -> Accounts:
        assert self.backend.accounts is not None, "the service opens its backend with an account store"
        return self.backend.accounts

    def require_oauth(self, redirect_uri: str) -> OAuthApp:
        """The Pinterest app, with this service's redirect URI; 503 when none is configured."""
        if self.oauth_app is not None:
            from dataclasses import replace  # noqa: PLC0415

            return replace(self.oauth_app, redirect_uri=redirect_uri)
        try:
            return OAuthApp.from_env(redirect_uri, self.settings.base_url, self.settings.app_id)
        except OAuthError as error:
            raise Problem(
                503, "oauth_not_configured", "Connecting accounts is not set up", str(error)
            ) from None


SERVICE = web.AppKey("service", Service)


def workspace_of(request: web.Request) -> str:
    return str(request[WORKSPACE])


class AccessLogger(AbstractAccessLogger):
    """One line per request: method, path (never the query: it carries OAuth codes and URL
    signatures), status, time and request id. Never a header."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.1fms %s",
            request.method,
            request.path,
            response.status,
            time * 1000,
            response.headers.get("X-Request-Id", "-"),
        )


class LogFormatter(logging.Formatter):
    """`time name level message`, the time text made once a second: the access log writes a line
    per request, and strftime was a fifth of that line's cost."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")
        self._second = -1
        self._text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        if second != self._second:
            self._second, self._text = second, time.strftime(self.default_time_format, self.converter(second))
        return f"{self._text},{int(record.msecs):03d}"


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """What every request goes through, in one layer (each aiohttp middleware costs a coroutine
    per request): its request id, its API key, its Idempotency-Key; every error as problem+json,
    every answer with X-Request-Id."""
    rid = request_id(request)
    try:
        if request.path.startswith("/v1/") and not _is_public(request):
            request[WORKSPACE] = _authenticate(request)
        key = request.headers.get("Idempotency-Key")
        if key is not None and request.method == "POST" and WORKSPACE in request:
            response = await _idempotent(request, handler, key)
        else:
            response = await handler(request)
    except Problem as problem:
        response = problem_response(request, problem)
    except web.HTTPException as http:
        if http.status < 400:
            http.headers["X-Request-Id"] = rid
            raise
        response = problem_response(request, _http_problem(http, request.app[SERVICE].settings.json_limit))
        for name in ("Allow", "Retry-After"):
            if name in http.headers:
                response.headers[name] = http.headers[name]
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("request %s %s failed (%s)", request.method, request.path, rid)
        response = problem_response(
            request,
            Problem(
                500, "internal_error", "Internal error", f"the service failed on this request; quote {rid}"
            ),
        )
    response.headers["X-Request-Id"] = rid
    return response


def _http_problem(http: web.HTTPException, json_limit: int) -> Problem:
    """aiohttp's own refusals (no route, wrong method, a body over the limit) as problems."""
    if isinstance(http, web.HTTPRequestEntityTooLarge):
        return Problem(
            413, "body_too_large", "Request body too large", f"a JSON body is at most {json_limit:,} bytes"
        )
    titles = {
        404: ("not_found", "Not found", "no such route"),
        405: ("method_not_allowed", "Method not allowed", "this route does not take this method"),
    }
    code, title, detail = titles.get(http.status, ("http_error", http.reason, http.reason))
    return Problem(http.status, code, title, detail)


def _is_public(request: web.Request) -> bool:
    if request.path in PUBLIC_PATHS:
        return True
    # a signed media content URL (checked by its handler), for Pinterest to fetch
    return (
        request.path.startswith("/v1/media/")
        and request.path.endswith("/content")
        and ("signature" in request.query)
    )


def _authenticate(request: web.Request) -> str:
    """`/v1` needs `Authorization: Bearer <API key>`: the key's workspace, or 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    workspace = request.app[SERVICE].store.authenticate(key.strip()) if scheme.lower() == "bearer" else None
    if workspace is None:
        problem = Problem(
            401,
            "unauthorized",
            "API key missing or not valid",
            "send `Authorization: Bearer <API key>`; make a key with `pinrules apikeys create`",
        )
        problem.headers["WWW-Authenticate"] = 'Bearer realm="pinrules"'
        raise problem
    return workspace


async def _idempotent(request: web.Request, handler: Handler, key: str) -> web.StreamResponse:
    """`Idempotency-Key` on a POST: the first answer is replayed for 24 h; the same key with
    another body is 409 idempotency_conflict; while the first is still at work, 409
    idempotency_in_progress (retry after a second)."""
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise Problem(
            400,
            "idempotency_key_invalid",
            "Idempotency-Key not valid",
            "an Idempotency-Key is 1 to 255 printable characters",
        )
    service = request.app[SERVICE]
    workspace = workspace_of(request)
    claim = service.store.claim(
        workspace,
        key,
        await _fingerprint(request),
        now=service.clock(),
        ttl=service.settings.idempotency_ttl,
        stale_after=service.settings.publish_lease * 2,
    )
    if claim.state == "conflict":
        raise Problem(
            409,
            "idempotency_conflict",
            "Idempotency-Key reused with another request",
            "this key was used with a different request body; use a new key for a new request",
        )
    if claim.state == "in_progress":
        problem = Problem(
            409,
            "idempotency_in_progress",
            "A request with this Idempotency-Key is in progress",
            "the first request with this key has not finished; retry in a moment",
        )
        problem.headers["Retry-After"] = "1"
        raise problem
    if claim.state == "replay":
        assert claim.status is not None
        assert claim.body is not None
        replayed = web.Response(status=claim.status, body=claim.body, headers=claim.headers or {})
        replayed.headers["Idempotent-Replayed"] = "true"
        return replayed
    try:
        response = await handler(request)
    except Problem as problem:
        response = problem_response(request, problem)
    except BaseException:
        service.store.release(workspace, key)
        raise
    body = response.body if isinstance(response, web.Response) else None
    if response.status >= 500 or not isinstance(body, bytes):
        service.store.release(workspace, key)  # not an answer to keep: a retry does the work
        return response
    kept = {k: v for k, v in response.headers.items() if k in ("Content-Type", "Location")}
    service.store.complete(workspace, key, response.status, kept, body)
    return response


async def _fingerprint(request: web.Request) -> str:
    """What makes two requests "the same": method, path, query and the JSON body; for a media
    upload (streamed, not read twice) its declared length and type without the boundary."""
    digest = hashlib.sha256(f"{request.method} {request.path_qs}\n".encode())
    if request.content_type == "multipart/form-data":
        digest.update(f"multipart {request.content_length}".encode())
    else:
        digest.update(await request.read())
    return digest.hexdigest()


def make_app(
    settings: ServiceSettings | None = None,
    *,
    backend: Backend | None = None,
    store: ServiceStore | None = None,
    preflight: Preflight | None = None,
    oauth_app: OAuthApp | None = None,
    clock: Callable[[], float] = time.time,
) -> web.Application:
    """The service as an aiohttp application (also for embedding and tests). Stores not given
    are opened from `settings.database` when the app starts, and closed with it."""
    from ._routes import add_routes  # noqa: PLC0415

    settings = settings or ServiceSettings()
    service = Service(settings, backend=backend, store=store, preflight=preflight or Preflight(),
                      oauth_app=oauth_app, clock=clock)  # fmt: skip
    app = web.Application(middlewares=[middleware], client_max_size=settings.json_limit)
    app[SERVICE] = service
    add_routes(app)

    async def background(_: web.Application) -> AsyncIterator[None]:
        service.start()
        stop = asyncio.Event()
        tasks = []
        if settings.deliver_webhooks:
            deliverer = Deliverer(service.backend.webhooks, settings.network, settings.delivery, clock=clock)
            tasks.append(asyncio.create_task(deliverer.run(stop)))
        if service.backend.accounts is not None:
            watch = watch_accounts(
                service.backend.accounts, service.events, stop, window=REAUTH_WINDOW, clock=clock
            )
            tasks.append(asyncio.create_task(watch))
        yield
        stop.set()
        await asyncio.gather(*tasks)
        await service.close()

    app.cleanup_ctx.append(background)
    return app
