"""A real aiohttp server on 127.0.0.1 that serves media well and badly, run in a thread so
that both library tests and the real command can use it."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

from .media import image, video

HTML = b"<!DOCTYPE html><html><body>Please log in</body></html>"
HITS = web.AppKey("hits", Counter[str])


def _ranged(request: web.Request, body: bytes, content_type: str) -> web.Response:
    """Honour `Range: bytes=a-b` with a 206 and Content-Range, as CDNs do."""
    spec = request.headers.get("Range", "")
    if spec.startswith("bytes="):
        first, _, last = spec[6:].partition("-")
        start, end = int(first), min(int(last or len(body) - 1), len(body) - 1)
        if start >= len(body):
            return web.Response(status=416, headers={"Content-Range": f"bytes */{len(body)}"})
        return web.Response(
            status=206,
            body=body[start : end + 1],
            content_type=content_type,
            headers={"Content-Range": f"bytes {start}-{end}/{len(body)}"},
        )
    return web.Response(body=body, content_type=content_type)


async def trickle(request: web.Request) -> web.StreamResponse:
    """Headers at once, then one byte every 50 ms: never silent, never done."""
    response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
    await response.prepare(request)
    if request.method == "GET":
        for _ in range(200):
            await response.write(b"\0")
            await asyncio.sleep(0.05)
    await response.write_eof()
    return response


def make_app() -> web.Application:
    hits: Counter[str] = Counter()
    app = web.Application()
    app[HITS] = hits

    def serve(body: bytes, content_type: str, *, head: bool = True):
        async def handler(request: web.Request) -> web.StreamResponse:
            hits[request.path] += 1
            if request.method == "HEAD" and not head:
                return web.Response(status=405)
            return _ranged(request, body, content_type)

        return handler

    async def status(request: web.Request) -> web.Response:
        hits[request.path] += 1
        return web.Response(status=int(request.match_info["code"]), text="no")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query.get("s", "3")))
        return web.Response(body=image("JPEG"), content_type="image/jpeg")

    async def redirect(request: web.Request) -> web.Response:
        hits[request.path] += 1
        raise web.HTTPFound(request.query["to"])

    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"/loop/{int(request.match_info['n']) + 1}")

    async def no_length(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        if request.method == "GET":
            for _ in range(100):
                await response.write(image("JPEG"))
        await response.write_eof()
        return response

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        response.content_length = 50_000_000
        await response.prepare(request)
        if request.method == "GET":
            await response.write(image("JPEG"))  # then hang up: nobody should read 50 MB
        return response

    async def delayed(request: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return web.Response(body=image("JPEG")[:64], content_type="image/jpeg",
                            headers={"Content-Length": "64"} if request.method == "HEAD" else {})  # fmt: skip

    app.router.add_route("*", "/img.jpg", serve(image("JPEG"), "image/jpeg"))
    app.router.add_route("*", "/trickle.jpg", trickle)
    app.router.add_route("*", "/photo.png", serve(image("PNG"), "image/png"))
    app.router.add_route("*", "/photo.webp", serve(image("WEBP"), "image/webp"))
    app.router.add_route("*", "/anim.gif", serve(image("GIF"), "image/gif"))
    app.router.add_route("*", "/login", serve(HTML, "text/html"))
    app.router.add_route("*", "/no-head.jpg", serve(image("JPEG"), "image/jpeg", head=False))
    app.router.add_route("*", "/png-named.jpg", serve(image("PNG"), "application/octet-stream", head=False))
    app.router.add_route("*", "/clip.mp4", serve(video("mp4"), "video/mp4"))
    app.router.add_route("*", "/clip.webm", serve(video("webm"), "video/webm", head=False))
    app.router.add_route("*", "/status/{code}", status)
    app.router.add_route("*", "/slow", slow)
    app.router.add_route("*", "/redirect", redirect)
    app.router.add_route("*", "/loop/{n}", loop)
    app.router.add_route("*", "/no-length.jpg", no_length)
    app.router.add_route("*", "/huge.jpg", huge)
    app.router.add_route("*", "/delayed/{n}", delayed)
    return app


class ServerThread:
    """An aiohttp app on 127.0.0.1 and a free port, served from its own thread and loop."""

    def __init__(self, app: web.Application, port: int = 0, **runner: object) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner = web.AppRunner(app, **({"access_log": None} | runner))  # type: ignore[arg-type]
        self.port = port

    def start(self) -> str:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return f"http://127.0.0.1:{self.port}"

    async def _start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self.runner.addresses[0][1]

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@contextmanager
def media_server() -> Iterator[tuple[str, web.Application]]:
    server = ServerThread(make_app())
    base = server.start()
    try:
        yield base, server.app
    finally:
        server.stop()
