"""Online URL checks: 1,000 distinct URLs on a loopback server answering each after 50 ms,
checked concurrently, against the same URLs checked one after another (in the same run)."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from pinrules import NetworkSettings, make_session, probe, probe_all

DELAY = 0.05
COUNT = 1000
SEQUENTIAL_SAMPLE = 40  # one after another takes COUNT * 50 ms; measure a sample and scale


async def _answer(request: web.Request) -> web.Response:
    await asyncio.sleep(DELAY)
    return web.Response(body=b"\xff\xd8\xff" + b"\0" * 61, content_type="image/jpeg")


async def _run() -> list[tuple[str, float, str, bool]]:
    app = web.Application()
    app.router.add_route("*", "/{name}", _answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = runner.addresses[0][1]
    settings = NetworkSettings(allowed_addresses=frozenset({"127.0.0.1"}))
    urls = [f"http://127.0.0.1:{port}/{n}.jpg" for n in range(COUNT)]
    try:
        start = time.perf_counter()
        found = await probe_all(urls, settings)
        concurrent = time.perf_counter() - start
        failed = sum(f.problem is not None for f in found.values())
        async with make_session(settings) as session:
            start = time.perf_counter()
            for url in urls[:SEQUENTIAL_SAMPLE]:
                await probe(session, url, settings)
            sequential = (time.perf_counter() - start) * COUNT / SEQUENTIAL_SAMPLE
    finally:
        await runner.cleanup()
    print(f"{COUNT} URLs, {DELAY * 1000:.0f} ms each: concurrent {concurrent:.2f} s ({failed} failed), "
          f"one after another {sequential:.1f} s (from {SEQUENTIAL_SAMPLE})")  # fmt: skip
    return [
        ("1,000 URLs concurrently, wall time (s)", concurrent, "<= 2 s", concurrent <= 2.0 and failed == 0),
        ("one after another / concurrent (speed-up)", sequential / concurrent, "info", True),
    ]


def main() -> list[tuple[str, float, str, bool]]:
    return asyncio.run(_run())
