"""A gateway in front of the stand-in, as a proxy or load balancer would sit in front of Pinterest:
it forwards every request, and answers chosen ones its own way, after forwarding them (Pinterest
acted, the answer got lost or mangled on the way back) or instead of forwarding them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from .media_server import ServerThread

_PASSED_ON = ("Content-Type", "Retry-After", "x-request-id", "Date")


@dataclass
class Answer:
    """The gateway's own answer to one request: `forward` first or not."""

    status: int
    body: bytes = b"<html><body><h1>Bad Gateway</h1></body></html>"
    content_type: str = "text/html"
    forward: bool = True


@dataclass
class Gateway:
    upstream: str  # the stand-in's base, without /v5
    answers: dict[str, list[Answer]] = field(default_factory=lambda: defaultdict(list))
    seen: list[str] = field(default_factory=list)  # "POST /v5/pins", in order

    def answer(self, route: str, *answers: Answer) -> None:
        """Answer the next requests of `route` ("POST /v5/pins") these ways, one each, in order."""
        self.answers[route].extend(answers)


GATEWAY = web.AppKey("gateway", Gateway)


async def _relay(request: web.Request) -> web.StreamResponse:
    gateway = request.app[GATEWAY]
    route = f"{request.method} {request.path}"
    gateway.seen.append(route)
    queue = gateway.answers.get(route)
    own = queue.pop(0) if queue else None
    upstream: web.Response | None = None
    if own is None or own.forward:
        headers = {k: v for k, v in request.headers.items() if k in ("Authorization", "Content-Type")}
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method, gateway.upstream + request.path_qs, data=await request.read(), headers=headers
            ) as answer,
        ):
            body = await answer.read()
            kept = {k: answer.headers[k] for k in _PASSED_ON if k in answer.headers}
            upstream = web.Response(status=answer.status, body=body, headers=kept)
    if own is not None:
        return web.Response(status=own.status, body=own.body, content_type=own.content_type)
    assert upstream is not None
    return upstream


@contextmanager
def running_gateway(upstream: str) -> Iterator[tuple[str, Gateway]]:
    """A gateway on a free loopback port in front of `upstream`: its base URL, and its controls."""
    gateway = Gateway(upstream)
    app = web.Application(client_max_size=64 * 1024**2)
    app[GATEWAY] = gateway
    app.router.add_route("*", "/{tail:.*}", _relay)
    server = ServerThread(app)
    base = server.start()
    try:
        yield base, gateway
    finally:
        server.stop()
