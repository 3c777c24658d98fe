"""Posting service benchmarks, each against a baseline measured in the same run:

- `POST /v1/posts/validate` (static preflight) with 50 concurrent clients against the
  in-process preflight of the same posts: requests per second and the ratio; and what the
  service adds per request at p50: one client on one kept-alive connection, the round trip's
  p50 minus the in-process check's p50, goal under 0.5 ms. The client for that figure is a
  plain blocking socket sending bytes made once (a few microseconds of its own), because
  aiohttp's client spends about 0.2 ms per request on these same two cores and that is not the
  service's; the aiohttp client's figure is printed beside it. `GET /healthz` (no key, no body)
  is timed the same way to show how much of it is HTTP alone;
- the service process's memory while it receives a 1 GB media upload (streamed to disk),
  above its memory before: goal under 64 MB.

`pinrules serve` runs in its own process (SQLite in a temporary folder); the clients run here,
on the same two cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from pinrules import Preflight

PORT = 47833
BASE = f"http://127.0.0.1:{PORT}"
REQUESTS = 5000
CONCURRENCY = 50
SEQUENTIAL = 2000
POST = {
    "id": "bench-validate",
    "title": "Pumpkin soup",
    "text": "A warming soup for autumn evenings.",
    "media": [{"kind": "image", "url": "https://cdn.example.com/soup.jpg", "mimeType": "image/jpeg"}],
    "options": {"pinterest": {"boardId": "549755885175", "altText": "A bowl of soup"}},
}


def _pinrules(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pinrules", *args, "--database", f"sqlite:{database}"],
                          capture_output=True, text=True, check=True)  # fmt: skip


def _start(database: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "pinrules", "serve", "--port", str(PORT), "--isolated",
               "--database", f"sqlite:{database}"]  # fmt: skip
    environment = os.environ | {"PINRULES_DATA_DIR": str(database)}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the service did not start")


def _cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far (robust to other load on the machine)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _validate(key: str, pid: int) -> tuple[float, list[float], list[float], float, float]:
    """REQUESTS validations by CONCURRENCY clients (the seconds), then SEQUENTIAL by one client
    (each one's latency), then as many GET /healthz; and the service's CPU seconds per request
    for each (validate, healthz)."""
    # the body encoded once: the client's own JSON encoding is not the service's time
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = json.dumps(POST).encode()
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def one() -> None:
            async with session.post(f"{BASE}/v1/posts/validate", data=body) as answer:
                assert answer.status == 200, await answer.text()
                await answer.read()

        for _ in range(200):  # warm up
            await one()
        queue = iter(range(REQUESTS))

        async def client() -> None:
            for _ in queue:
                await one()

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
        concurrent = time.perf_counter() - start
        latencies = []
        cpu = _cpu_seconds(pid)
        for _ in range(SEQUENTIAL):
            start = time.perf_counter()
            await one()
            latencies.append(time.perf_counter() - start)
        validate_cpu = (_cpu_seconds(pid) - cpu) / SEQUENTIAL
        cpu = _cpu_seconds(pid)
        health = []
        for _ in range(SEQUENTIAL):
            start = time.perf_counter()
            async with session.get(f"{BASE}/healthz") as answer:
                await answer.read()
            health.append(time.perf_counter() - start)
        health_cpu = (_cpu_seconds(pid) - cpu) / SEQUENTIAL
    return concurrent, latencies, health, validate_cpu, health_cpu


def _round_trips(request: bytes, count: int) -> list[float]:
    """`count` round trips of one request on one kept-alive connection, each one's seconds."""
    latencies = []
    with socket.create_connection(("127.0.0.1", PORT)) as connection:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(count):
            start = time.perf_counter()
            connection.sendall(request)
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += connection.recv(65536)
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 "), head
            length = next(
                int(line[15:]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")
            )
            while len(body) < length:
                body += connection.recv(65536)
            latencies.append(time.perf_counter() - start)
    return latencies


def _lean_client(key: str) -> tuple[list[float], list[float]]:
    """The p50 figures with a client that costs next to nothing: validate, then GET /healthz."""
    body = json.dumps(POST).encode()
    head = (
        f"POST /v1/posts/validate HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    validate = head.encode() + body
    health = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\n\r\n".encode()
    _round_trips(validate, 200)  # warm up
    return _round_trips(validate, SEQUENTIAL), _round_trips(health, SEQUENTIAL)


def _in_process() -> tuple[float, list[float]]:
    preflight = Preflight()
    for _ in range(200):
        preflight.check(POST)
    start = time.perf_counter()
    for _ in range(REQUESTS):
        preflight.check(POST)
    total = time.perf_counter() - start
    latencies = []
    for _ in range(SEQUENTIAL):
        start = time.perf_counter()
        preflight.check(POST)
        latencies.append(time.perf_counter() - start)
    return total, latencies


async def _upload(key: str, pid: int, size: int) -> tuple[float, float, dict[str, Any]]:
    """Stream `size` bytes of a video to POST /v1/media; the service's RSS before and at peak."""

    async def body() -> AsyncIterator[bytes]:
        head = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 12
        yield head
        chunk = b"\x00" * (1024 * 1024)
        sent = len(head)
        while sent < size:
            piece = chunk[: min(len(chunk), size - sent)]
            sent += len(piece)
            yield piece

    before = _rss_mb(pid)
    peak = before
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_mb(pid))
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch())
    form = aiohttp.FormData()
    form.add_field("file", body(), filename="big.mp4", content_type="video/mp4")
    timeout = aiohttp.ClientTimeout(total=600)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(f"{BASE}/v1/media", data=form, headers={"Authorization": f"Bearer {key}"}) as answer,
    ):
        result = await answer.json()
        assert answer.status == 201, result
    done.set()
    await watcher
    return before, max(peak, _rss_mb(pid)), result


def _p50_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> list[tuple[str, float, str, bool]]:
    with tempfile.TemporaryDirectory() as work:
        database = Path(work)
        key = _pinrules("apikeys", "create", "--workspace", "bench", database=database).stdout.strip()
        service = _start(database)
        try:
            timings = asyncio.run(_validate(key, service.pid))
            concurrent, latencies, health, validate_cpu, health_cpu = timings
            lean, lean_health = _lean_client(key)
            local_total, local_latencies = _in_process()
            start = time.perf_counter()
            before, peak, media = asyncio.run(_upload(key, service.pid, 1_000_000_000))
            upload_seconds = time.perf_counter() - start
        finally:
            service.terminate()
            service.wait(10)
    served, local = REQUESTS / concurrent, REQUESTS / local_total
    added = _p50_ms(lean) - _p50_ms(local_latencies)
    print(f"validate, {CONCURRENCY} clients: {served:,.0f} requests/s; in-process {local:,.0f} posts/s")
    print(f"validate, one client: p50 {_p50_ms(lean):.3f} ms; in-process check p50 "
          f"{_p50_ms(local_latencies):.3f} ms; the service adds {added:.3f} ms "
          f"(GET /healthz p50 {_p50_ms(lean_health):.3f} ms: the HTTP round trip alone)")  # fmt: skip
    print(f"the same with aiohttp's client: validate p50 {_p50_ms(latencies):.3f} ms, "
          f"GET /healthz p50 {_p50_ms(health):.3f} ms")  # fmt: skip
    cpu = f"validate {validate_cpu * 1000:.3f} ms, GET /healthz {health_cpu * 1000:.3f} ms"
    print(f"service CPU per request: {cpu}")
    print(f"upload 1 GB: {upload_seconds:.1f} s ({media['sizeBytes']:,} bytes stored), service memory "
          f"{before:.0f} MB before, peak {peak:.0f} MB")  # fmt: skip
    growth = peak - before
    return [
        ("validate: in-process / service throughput", local / served, "(report)", True),
        ("validate: added per request at p50 (ms)", added, "< 0.5 ms", added < 0.5),
        ("service upload 1 GB: memory above base (MB)", growth, "< 64 MB", growth < 64),
    ]


if __name__ == "__main__":
    for row in main():
        print(row)
