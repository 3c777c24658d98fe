"""The network phase: is a media URL reachable, what does it serve, how large is it.

HEAD first; when HEAD is refused or says too little, a ranged GET of the first bytes with
compression off, to sniff the type and read the size from Content-Range. A whole body is
never downloaded: at most `max_bytes` are read from any response.

All URLs of a run are checked concurrently over one session, each distinct URL once, at most
`limit` at a time (and `limit_per_host` per host), as many as the connector has connections:
a URL waits for its turn before its clock starts, so a long queue never turns into "timed out".
The clock also stops should a request still wait for a free connection (a redirect to a busy
host). Once connected: `connect_timeout` to connect, `read_timeout` of silence, and
`total_timeout` for the whole check. Connections go through the address guard unless the caller
allows private networks.

    ClientError (aiohttp)
    └── the failures a probe names: refused, unreachable, timed out, redirects, bad status
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import socket
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from ._atomic import write_atomic
from ._errors import BlockedAddressError
from ._folders import cache_dir
from ._guard import check_address
from ._network_settings import NetworkSettings
from ._sniff import SNIFF_BYTES, sniff
from ._version import USER_AGENT


@dataclass(frozen=True)
class UrlFacts:
    """What a URL answered: `problem` when it could not be fetched, else status, type, size."""

    url: str
    problem: str | None = None
    status: int | None = None
    mime: str | None = None  # sniffed from the bytes when there were bytes, else the header's
    size: int | None = None


def _guarded_sockets(allowed: frozenset[str]) -> Callable[[Any], socket.socket]:
    """A socket factory for the connector that checks each address before connecting to it."""

    def factory(addr_info: Any) -> socket.socket:
        family, kind, proto, _, address = addr_info
        if address[0] not in allowed:
            check_address(address[0])
        return socket.socket(family, kind, proto)

    return factory


def make_session(settings: NetworkSettings) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=settings.limit,
        limit_per_host=settings.limit_per_host,
        socket_factory=None
        if settings.allow_private_network
        else _guarded_sockets(settings.allowed_addresses),
    )
    # no total or pool timeout here: `probe` bounds the whole check, with its clock stopped
    # while the request waits for a connection
    timeout = aiohttp.ClientTimeout(
        total=None, connect=None, sock_connect=settings.connect_timeout, sock_read=settings.read_timeout
    )
    queue = aiohttp.TraceConfig()
    queue.on_connection_queued_start.append(_queued)
    queue.on_connection_queued_end.append(_dequeued)
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        auto_decompress=False,
        trace_configs=[queue],
    )


class _Clock:
    """The time a probe has left, stopped while one of its requests waits for a connection."""

    def __init__(self, deadline: asyncio.Timeout) -> None:
        self.deadline = deadline
        self.left: float | None = None

    def stop(self) -> None:
        when = self.deadline.when()
        if when is not None and self.left is None:
            self.left = when - asyncio.get_running_loop().time()
            self.deadline.reschedule(None)

    def restart(self) -> None:
        if self.left is not None:
            self.deadline.reschedule(asyncio.get_running_loop().time() + self.left)
            self.left = None


async def _queued(session: Any, context: Any, params: Any) -> None:
    if isinstance(context.trace_request_ctx, _Clock):
        context.trace_request_ctx.stop()


async def _dequeued(session: Any, context: Any, params: Any) -> None:
    if isinstance(context.trace_request_ctx, _Clock):
        context.trace_request_ctx.restart()


def _media_type(response: aiohttp.ClientResponse) -> str | None:
    value = response.headers.get("Content-Type")
    return value.split(";", 1)[0].strip().lower() or None if value else None


def _size(response: aiohttp.ClientResponse) -> int | None:
    """The full size: Content-Range's total for a partial answer, else Content-Length."""
    if response.status == 206:
        total = response.headers.get("Content-Range", "").rpartition("/")[2]
        return int(total) if total.isdigit() else None
    length = response.headers.get("Content-Length", "")
    return int(length) if length.isdigit() else None


def _status_problem(response: aiohttp.ClientResponse) -> str:
    return f"{response.status} {response.reason or ''}".strip()


async def _read_head(response: aiohttp.ClientResponse, limit: int) -> bytes:
    head = b""
    while len(head) < SNIFF_BYTES:
        chunk = await response.content.read(min(limit, 4096) - len(head))
        if not chunk:
            break
        head += chunk
    return head


async def probe(session: aiohttp.ClientSession, url: str, settings: NetworkSettings) -> UrlFacts:
    """Fetch as little as possible of `url` to learn status, type and size, within
    `settings.total_timeout` (not counting any wait for a free connection)."""
    try:
        async with asyncio.timeout(settings.total_timeout) as deadline:
            return await _probe(session, url, settings, _Clock(deadline))
    except aiohttp.ConnectionTimeoutError:
        return UrlFacts(url, problem=f"could not connect within {settings.connect_timeout:g} s")
    except aiohttp.SocketTimeoutError:
        return UrlFacts(url, problem=f"the server sent nothing for {settings.read_timeout:g} s")
    except TimeoutError:
        return UrlFacts(url, problem=f"timed out after {settings.total_timeout:g} s")
    except aiohttp.TooManyRedirects:
        return UrlFacts(url, problem=f"more than {settings.max_redirects} redirects")
    except aiohttp.NonHttpUrlRedirectClientError as error:
        return UrlFacts(url, problem=f"redirects to a URL that is not http(s): {error}")
    except aiohttp.ClientConnectorDNSError:
        return UrlFacts(url, problem="the host name does not resolve")
    except aiohttp.ClientConnectorError as error:
        return UrlFacts(url, problem=_connect_problem(error))
    except (aiohttp.ClientError, ValueError) as error:
        return UrlFacts(
            url, problem=f"the request failed ({error.__class__.__name__}: {error})".rstrip(": )") + ")"
        )


async def _probe(
    session: aiohttp.ClientSession, url: str, settings: NetworkSettings, clock: _Clock
) -> UrlFacts:
    async with session.head(
        url, allow_redirects=True, max_redirects=settings.max_redirects, trace_request_ctx=clock
    ) as head:
        if 200 <= head.status < 300 and _media_type(head) and _size(head) is not None:
            return UrlFacts(url, status=head.status, mime=_media_type(head), size=_size(head))
    # HEAD refused, failed or vague: ask for the first bytes instead
    headers = {"Range": f"bytes=0-{SNIFF_BYTES - 1}"}
    async with session.get(
        url,
        headers=headers,
        allow_redirects=True,
        max_redirects=settings.max_redirects,
        trace_request_ctx=clock,
    ) as response:
        if response.status == 416:
            return UrlFacts(url, status=response.status, size=0, mime=_media_type(response))
        if not 200 <= response.status < 300:
            return UrlFacts(url, problem=_status_problem(response), status=response.status)
        first = await _read_head(response, settings.max_bytes)
        return UrlFacts(
            url, status=response.status, mime=sniff(first) or _media_type(response), size=_size(response)
        )


def _connect_problem(error: aiohttp.ClientConnectorError) -> str:
    """What went wrong connecting, in words (the guard's refusal says how to lift it)."""
    failure = error.os_error
    text = str(failure)
    if isinstance(failure, BlockedAddressError) or "refused to connect to" in text:
        # with several addresses (IPv6 and IPv4) the happy-eyeballs error lists them all: name the first
        first = text.removeprefix("Multiple exceptions: ").split("; ")[0]
        return f"{first} (pass --allow-private-network for local testing)"
    if isinstance(failure, ConnectionRefusedError) or failure.errno == errno.ECONNREFUSED:
        return "connection refused"
    return f"cannot connect ({failure.strerror or text})"


class _Turns:
    """Turns to check a URL: at most `limit` at once in this event loop, and `limit_per_host`
    per host, as the connector has connections; shared by the concurrent runs of a loop (many
    `check_online` calls gathered wait for each other, not for timeouts)."""

    def __init__(self, limit: int, per_host: int) -> None:
        self.total = asyncio.Semaphore(limit)
        self.per_host_limit = per_host
        # per host: its semaphore and how many probes hold or wait for it
        self.per_host: dict[tuple[str, str, int | None], tuple[asyncio.Semaphore, list[int]]] = {}

    @classmethod
    def of(cls, settings: NetworkSettings) -> _Turns:
        shared = _TURNS.setdefault(asyncio.get_running_loop(), {})
        limits = (settings.limit, settings.limit_per_host)
        if limits not in shared:
            shared[limits] = cls(*limits)
        return shared[limits]

    @contextlib.asynccontextmanager
    async def turn(self, url: str) -> AsyncIterator[None]:
        try:
            parts = urlsplit(url)
            host = (parts.scheme, parts.hostname or "", parts.port)
        except ValueError:
            host = ("", url, None)  # refused by the request itself
        if host not in self.per_host:
            self.per_host[host] = (asyncio.Semaphore(self.per_host_limit), [0])
        gate, users = self.per_host[host]
        users[0] += 1
        try:
            # the host's turn first, holding nothing else: a busy host never blocks the others
            async with gate, self.total:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self.per_host[host]  # nobody holds or waits for it: memory stays flat


_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, int], _Turns]] = (
    weakref.WeakKeyDictionary()
)


async def probe_all(urls: Iterable[str], settings: NetworkSettings) -> dict[str, UrlFacts]:
    """Every distinct URL once, concurrently; answers from the on-disk cache when fresh."""
    wanted = list(dict.fromkeys(urls))
    cache = _Cache(settings)
    found = {url: facts for url in wanted if (facts := cache.get(url)) is not None}
    missing = [url for url in wanted if url not in found]
    if missing:
        turns = _Turns.of(settings)

        async def checked(url: str) -> UrlFacts:
            async with turns.turn(url):
                return await probe(session, url, settings)

        async with make_session(settings) as session:
            answers = await asyncio.gather(*(checked(url) for url in missing))
        found.update(zip(missing, answers, strict=True))
        cache.save([f for f in answers if f.problem is None])
    return found


class _Cache:
    """Answers of earlier runs (successful ones only), for a short time, for pre-commit loops."""

    def __init__(self, settings: NetworkSettings) -> None:
        self.ttl = settings.cache_ttl
        self.path = (settings.cache_dir or cache_dir()) / "pinrules-urls.json"
        self.entries: dict[str, Any] = {}
        if self.ttl > 0:
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):
                loaded = {}
            self.entries = loaded if isinstance(loaded, dict) else {}  # an edited file is no cache

    def _fresh(self, entry: Any, now: float) -> bool:
        at = entry.get("at") if isinstance(entry, dict) else None
        return isinstance(at, int | float) and 0 <= now - at <= self.ttl

    def get(self, url: str) -> UrlFacts | None:
        entry = self.entries.get(url)
        if self.ttl <= 0 or not isinstance(entry, dict) or not self._fresh(entry, time.time()):
            return None
        try:
            facts = UrlFacts(**entry["facts"])
        except (TypeError, KeyError):
            return None
        return facts if facts.url == url else None

    def save(self, facts: list[UrlFacts]) -> None:
        if self.ttl <= 0 or not facts:
            return
        now = time.time()
        fresh = {k: v for k, v in self.entries.items() if self._fresh(v, now)}
        fresh.update({f.url: {"at": now, "facts": asdict(f)} for f in facts})
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(fresh).encode(), mode=0o600)
        except OSError:
            pass  # no cache is only slower
