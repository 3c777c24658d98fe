"""Online URL checks against a loopback server (another process) answering each request after a
fixed delay:

- 1,000 distinct URLs at 50 ms, concurrently, against the same URLs one after another;
- 10,000 distinct URLs at 50 ms, through the library (`online_findings`, one post per URL) and
  through `pinrules lint --online` (one file per URL): no URL may be reported unreachable (every
  one is reachable: a timeout would be a false verdict, however long the queue for connections),
  and the wall time is held against the floor the connection limits set (10,000 / 50 per host
  x 50 ms = 10 s; for the command, plus its offline lint of the same files).
"""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import time

from pinrules import NetworkSettings, OnlinePost, make_session, online_findings, probe, probe_all

from .commands import ROOT, pinrules_command

DELAY = 0.05
COUNT = 1000
MANY = 10_000
SEQUENTIAL_SAMPLE = 40  # one after another takes COUNT * 50 ms; measure a sample and scale
FLOOR_GOAL = 1.3
WORK = ROOT / "bench" / ".work" / "online"


class SlowServer:
    """The server process: started with a delay, stopped by closing its standard input."""

    def __init__(self, delay: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.slow_server", str(delay)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


def _post(url: str) -> dict[str, object]:
    return {"id": url.rsplit("/", 1)[1], "media": [{"kind": "image", "url": url}],
            "options": {"pinterest": {"boardId": "549755885175"}}}  # fmt: skip


async def _concurrency(port: int) -> tuple[float, int, float]:
    settings = NetworkSettings(allowed_addresses=frozenset({"127.0.0.1"}))
    urls = [f"http://127.0.0.1:{port}/small-{n}.jpg" for n in range(COUNT)]
    start = time.perf_counter()
    found = await probe_all(urls, settings)
    concurrent = time.perf_counter() - start
    failed = sum(f.problem is not None for f in found.values())
    async with make_session(settings) as session:
        start = time.perf_counter()
        for url in urls[:SEQUENTIAL_SAMPLE]:
            await probe(session, url, settings)
        sequential = (time.perf_counter() - start) * COUNT / SEQUENTIAL_SAMPLE
    return concurrent, failed, sequential


async def _library(port: int, settings: NetworkSettings) -> tuple[float, list[str]]:
    posts = [OnlinePost(_post(f"http://127.0.0.1:{port}/lib-{n}.jpg"), WORK) for n in range(MANY)]
    start = time.perf_counter()
    found = await online_findings(posts, settings)
    seconds = time.perf_counter() - start
    return seconds, [message for findings in found for _, _, message in findings]


def _command(port: int) -> tuple[float, float, list[str]]:
    """The real command over one file per URL; and the same files linted offline."""
    WORK.mkdir(parents=True, exist_ok=True)
    for stale in WORK.glob("*.json"):
        stale.unlink()
    for n in range(MANY):
        (WORK / f"post-{n:05d}.json").write_text(json.dumps(_post(f"http://127.0.0.1:{port}/cli-{n}.jpg")))
    lint = [*pinrules_command(), "lint", "--isolated", "--format", "json", str(WORK)]
    offline = math.inf
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(lint, stdout=subprocess.DEVNULL, check=False)
        offline = min(offline, time.perf_counter() - start)
    start = time.perf_counter()
    done = subprocess.run([*lint, "--online", "--allow-private-network"], capture_output=True, text=True,
                          check=False)  # fmt: skip
    online = time.perf_counter() - start
    return online, offline, [d["message"] for d in json.loads(done.stdout or "[]")]


def main() -> list[tuple[str, float, str, bool]]:
    server = SlowServer(DELAY)
    try:
        concurrent, failed, sequential = asyncio.run(_concurrency(server.port))
        print(f"{COUNT:,} URLs, {DELAY * 1000:.0f} ms each: concurrent {concurrent:.2f} s ({failed} failed), "
              f"one after another {sequential:.1f} s (from {SEQUENTIAL_SAMPLE})")  # fmt: skip
        settings = NetworkSettings(allowed_addresses=frozenset({"127.0.0.1"}))
        floor = math.ceil(MANY / min(settings.limit, settings.limit_per_host)) * DELAY
        library, library_false = asyncio.run(_library(server.port, settings))
        command, offline, command_false = _command(server.port)
    finally:
        server.close()
    print(f"{MANY:,} URLs, {DELAY * 1000:.0f} ms each, {settings.limit_per_host} connections per host "
          f"(floor {floor:.1f} s), per-URL timeout {settings.total_timeout:g} s once connected:")  # fmt: skip
    print(f"  library (online_findings)  {library:6.2f} s, {len(library_false)} reported unreachable")
    print(f"  pinrules lint --online     {command:6.2f} s, {len(command_false)} reported unreachable "
          f"(offline lint of the same files {offline:.2f} s)")  # fmt: skip
    for message in (library_false + command_false)[:3]:
        print(f"    e.g. {message}")
    library_ratio = library / floor
    command_ratio = command / (floor + offline)
    return [
        ("1,000 URLs concurrently, wall time (s)", concurrent, "<= 2 s", concurrent <= 2.0 and failed == 0),
        ("one after another / concurrent (speed-up)", sequential / concurrent, "info", True),
        ("10,000 URLs, library: false verdicts (URLs)", len(library_false), "0", not library_false),
        ("10,000 URLs, library / floor", library_ratio, f"<= {FLOOR_GOAL}x", library_ratio <= FLOOR_GOAL),
        ("10,000 URLs, lint --online: false verdicts (URLs)", len(command_false), "0", not command_false),
        ("10,000 URLs, lint --online / (floor + offline)", command_ratio, f"<= {FLOOR_GOAL}x",
         command_ratio <= FLOOR_GOAL),
    ]  # fmt: skip


if __name__ == "__main__":
    for row in main():
        print(row)
