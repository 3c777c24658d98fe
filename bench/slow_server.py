"""A loopback server for the network benchmark: every path is a small JPEG, answered after a fixed
delay (HEAD too, with its type and length). Run as `python -m bench.slow_server DELAY`; it prints
its port and serves until its standard input closes (so it never outlives the benchmark)."""

from __future__ import annotations

import asyncio
import sys

from aiohttp import web

BODY = b"\xff\xd8\xff" + b"\0" * 61


async def _main(delay: float) -> None:
    async def answer(request: web.Request) -> web.Response:
        await asyncio.sleep(delay)
        return web.Response(body=BODY, content_type="image/jpeg")

    app = web.Application()
    app.router.add_route("*", "/{name:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark closes our input
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(_main(float(sys.argv[1])))
