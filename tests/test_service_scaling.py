"""Two `pinrules serve` processes on one PostgreSQL database, as behind a load balancer: an API
key made once works on both, one Idempotency-Key sent to both at once makes one pin, a signed
media URL of one is good on the other, and an OAuth connection started on one completes
through the other's callback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp

from publisher.sandbox import Fault

from .helpers import APP_ID, APP_SECRET, BOARD, Sandbox, free_port, run
from .media import image


@contextmanager
def serving(database: str, sandbox: Sandbox, count: int) -> Iterator[list[str]]:
    """`count` real `pinrules serve` processes on `database`, each with its own URL as
    --public-url, the stand-in as Pinterest; stopped with SIGTERM, each must exit 0."""
    environment = os.environ | {
        "PINTEREST_APP_ID": APP_ID,
        "PINTEREST_APP_SECRET": APP_SECRET,
        "PINTEREST_OAUTH_URL": f"{sandbox.base}/oauth/",
    }
    sandbox.state.apps[APP_ID] = APP_SECRET
    bases = [f"http://127.0.0.1:{free_port()}" for _ in range(count)]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pinrules",
                "serve",
                "--port",
                base.rsplit(":", 1)[1],
                "--public-url",
                base,
                "--database",
                database,
                "--base-url",
                sandbox.api,
                "--isolated",
                "--allow-private-network",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for base in bases
    ]
    try:
        for base, process in zip(bases, processes, strict=True):
            _wait_healthy(base, process)
        yield bases
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            _out, err = process.communicate(timeout=20)
            assert process.returncode == 0, err[-2000:]


def _wait_healthy(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        assert process.poll() is None, process.communicate()[1][-2000:]
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    raise AssertionError(f"{base} did not answer in time")


async def _call(
    session: aiohttp.ClientSession, method: str, url: str, key: str, **kwargs: Any
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {key}"} | kwargs.pop("headers", {})
    async with session.request(method, url, headers=headers, allow_redirects=False, **kwargs) as answer:
        text = await answer.text()
        try:
            return answer.status, json.loads(text)
        except ValueError:
            return answer.status, text


def test_two_serve_processes_share_one_postgresql_database(postgres_url: str, sandbox: Sandbox) -> None:
    """Keys, idempotency, signed media URLs and OAuth connections hold across two processes."""
    assert run("db", "migrate", "--database", postgres_url).returncode == 0
    made = run("apikeys", "create", "--workspace", "shop", "--database", postgres_url)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    with serving(postgres_url, sandbox, 2) as (first, second):

        async def scenario() -> None:
            async with aiohttp.ClientSession() as session:
                # the key made once is known to both; each process names its answers apart
                ids = []
                for base in (first, second, first, second):
                    async with session.get(
                        f"{base}/v1/posts", headers={"Authorization": f"Bearer {key}"}
                    ) as answer:
                        assert answer.status == 200
                        ids.append(answer.headers["X-Request-Id"])
                assert (len(set(ids)), len({rid[:12] for rid in ids})) == (4, 2), ids

                # an OAuth connection started on the first completes at the second's callback
                status, started = await _call(
                    session, "POST", f"{first}/v1/accounts/connect/pinterest", key, json={"name": "shop"}
                )
                assert status == 201, started
                async with session.get(started["authorizationUrl"], allow_redirects=False) as consent:
                    callback = consent.headers["Location"]
                assert callback.startswith(f"{first}/v1/accounts/connect/pinterest/callback?")
                elsewhere = callback.replace(first, second, 1)
                status, page = await _call(session, "GET", elsewhere, key)
                assert (status, "Pinterest account connected" in page) == (200, True), page
                status, page = await _call(session, "GET", callback, key)  # the state works once
                assert (status, "unknown or expired" in page) == (400, True), page
                listed = (await _call(session, "GET", f"{first}/v1/accounts", key))[1]["items"]
                assert [a["id"] for a in listed] == ["shop"]

                # one Idempotency-Key at both at once: one pin, the other told to retry
                sandbox.state.faults.add("POST /v5/pins", Fault("slow", seconds=0.5))
                post = {
                    "accountId": "shop",
                    "media": [{"kind": "image", "url": sandbox.url("soup.jpg")}],
                    "options": {"pinterest": {"boardId": BOARD}},
                }
                sent = {"json": post, "headers": {"Idempotency-Key": "order-7"}}
                answers = await asyncio.gather(
                    *(_call(session, "POST", f"{base}/v1/posts", key, **sent) for base in (first, second))
                )
                statuses = sorted(status for status, _ in answers)
                assert statuses == [201, 409], answers
                assert len(sandbox.state.pins) == 1
                (made_pin,) = [body for status, body in answers if status == 201]
                for base in (first, second):
                    status, replayed = await _call(session, "POST", f"{base}/v1/posts", key, **sent)
                    assert (status, replayed["pinId"]) == (201, made_pin["pinId"])
                assert len(sandbox.state.pins) == 1

                # a media URL signed by the first is good at the second
                form = aiohttp.FormData()
                form.add_field(
                    "file", image("PNG"), filename="a.png", content_type="application/octet-stream"
                )
                status, media = await _call(session, "POST", f"{second}/v1/media", key, data=form)
                assert status == 201, media
                uploaded = post | {"media": [{"kind": "image", "mediaId": media["mediaId"]}]}
                status, published = await _call(session, "POST", f"{first}/v1/posts", key, json=uploaded)
                assert status == 201, published
                signed = [b for _, path, b in sandbox.state.requests if path == "/v5/pins"][-1]
                url = signed["media_source"]["url"]
                assert url.startswith(f"{first}/v1/media/{media['mediaId']}/content?")
                async with session.get(url.replace(first, second, 1)) as content:
                    assert (content.status, await content.read()) == (200, image("PNG"))

        asyncio.run(scenario())
