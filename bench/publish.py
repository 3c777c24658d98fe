"""Publishing benchmarks, each against a baseline measured in the same run:

- peak memory of a process uploading a 1 GB video to the stand-in (in another process),
  above the same process's memory before the upload: goal under 64 MB;
- 1,000 image pins through `Publisher` (preflight, journal, client) with the rate limit lifted,
  against 1,000 bare aiohttp POSTs of the same bodies to the same stand-in: goal <= 1.5x the
  time; the journal on disk against the same journal in memory (tmpfs: its syncs cost nothing),
  which is what the durable write of each post costs;
- the same 1,000 pins at the default limit (Standard access: 100 requests a second per account),
  against the floor that limit sets.
"""

from __future__ import annotations

import asyncio
import base64
import math
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from pinrules import MediaFolders, NetworkSettings, Preflight
from publisher import Journal, Limiters, PinterestClient, Publisher, PublishOptions, RateLimiter, Status

from .commands import pinrules_command

PORT = 47831
TOKEN = "bench-token"
BASE = f"http://127.0.0.1:{PORT}"
PINS = 1000


LOCAL = NetworkSettings(allowed_addresses=frozenset({"127.0.0.1"}))
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "media"


def _start_sandbox() -> subprocess.Popen[bytes]:
    command = [*pinrules_command(), "sandbox", "--port", str(PORT), "--token", TOKEN,
               "--files", str(EXAMPLES)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    time.sleep(1.0)
    return process


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _upload_gigabyte(path: Path) -> tuple[float, float]:
    """Publish a video post of the 1 GB file through Publisher (register, upload, poll, create)."""
    post = {
        "id": "bench-video", "title": "Big video",
        "media": [{"kind": "video", "path": str(path)}],
        "options": {"pinterest": {"boardId": "549755885175",
                                  "coverImageUrl": f"{BASE}/files/knife-skills-cover.jpg"}},
    }  # fmt: skip
    # the file lies in a temporary folder: allowed explicitly, as `media-folders` would
    options = PublishOptions(network=LOCAL, poll_interval=0.2, media=MediaFolders(allowed=(path.parent,)))
    async with PinterestClient(TOKEN, f"{BASE}/v5") as client:
        publisher = Publisher(client, None, Preflight(), options)
        before = _rss_mb()
        peak = before
        done = asyncio.Event()

        async def watch() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _rss_mb())
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch())
        result = await publisher.publish(post)
        done.set()
        await watcher
        assert result.status == Status.PUBLISHED, result.diagnostics
        return before, max(peak, _rss_mb())


async def _pins(posts: list[dict[str, Any]], journals: dict[str, Path]) -> dict[str, float]:
    """Best time of bare POSTs and of Publisher with each journal, the sides taking turns."""
    unlimited = RateLimiter(math.inf)  # Pinterest's limit would dominate every side
    options = PublishOptions(network=LOCAL)
    preflight = Preflight()
    data = base64.b64encode(Path(posts[0]["media"][0]["path"]).read_bytes()).decode("ascii")
    bodies = [
        {"board_id": "549755885175", "title": p["title"], "description": p["text"],
         "media_source": {"source_type": "image_base64", "content_type": "image/jpeg", "data": data}}
        for p in posts
    ]  # fmt: skip
    gate = asyncio.Semaphore(8)
    best = dict.fromkeys(["bare", *journals], math.inf)
    async with PinterestClient(TOKEN, f"{BASE}/v5", limiter=unlimited) as client:
        books = {name: Journal(path) for name, path in journals.items()}
        publishers = {name: Publisher(client, book, preflight, options) for name, book in books.items()}
        async with aiohttp.ClientSession() as session:
            headers = {"Authorization": f"Bearer {TOKEN}"}

            async def bare(body: dict[str, Any]) -> None:
                async with gate, session.post(f"{BASE}/v5/pins", json=body, headers=headers) as answer:
                    assert answer.status == 201
                    await answer.read()

            async def ours(publisher: Publisher, post: dict[str, Any]) -> None:
                async with gate:
                    result = await publisher.publish(post)
                    assert result.status == Status.PUBLISHED, result.diagnostics

            # the sides take turns, three rounds, and each keeps its best: no side gets a warmer
            # server, and the stand-in (another process on the same two cores) adds noise to each run
            for round_ in range(3):
                start = time.perf_counter()
                await asyncio.gather(*(bare(b) for b in bodies))
                best["bare"] = min(best["bare"], time.perf_counter() - start)
                for name, publisher in publishers.items():
                    fresh = [{**p, "id": f"{p['id']}-{name}-{round_}"} for p in posts]  # not journal replays
                    start = time.perf_counter()
                    await asyncio.gather(*(ours(publisher, p) for p in fresh))
                    best[name] = min(best[name], time.perf_counter() - start)
        for book in books.values():
            book.close()
    return best


async def _at_the_default_limit(posts: list[dict[str, Any]], journal: Path) -> float:
    """The same pins through a client with the process's default limiter (Standard access)."""
    gate = asyncio.Semaphore(8)
    book = Journal(journal)
    async with PinterestClient(TOKEN, f"{BASE}/v5") as client:
        publisher = Publisher(client, book, Preflight(), PublishOptions(network=LOCAL))

        async def one(post: dict[str, Any]) -> None:
            async with gate:
                result = await publisher.publish({**post, "id": f"{post['id']}-limited"})
                assert result.status == Status.PUBLISHED, result.diagnostics

        start = time.perf_counter()
        await asyncio.gather(*(one(p) for p in posts))
        seconds = time.perf_counter() - start
    book.close()
    return seconds


def main() -> list[tuple[str, float, str, bool]]:
    sandbox = _start_sandbox()
    try:
        with tempfile.TemporaryDirectory() as work:
            video = Path(work) / "big.mp4"
            with video.open("wb") as file:
                file.write(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 12)
                file.truncate(1_000_000_000)
            start = time.perf_counter()
            before, peak = asyncio.run(_upload_gigabyte(video))
            seconds = time.perf_counter() - start
            print(f"upload 1 GB: {seconds:.1f} s, memory {before:.0f} MB before, peak {peak:.0f} MB")
            # local images: one request per pin on both sides (no URL probe, no DNS)
            image = EXAMPLES / "pumpkin-soup.jpg"
            posts = [
                {"id": f"bench-{n}", "title": f"Pin {n}", "text": "Benchmark pin.",
                 "media": [{"kind": "image", "path": str(image)}],
                 "options": {"pinterest": {"boardId": "549755885175"}}}
                for n in range(PINS)
            ]  # fmt: skip
            memory = Path("/dev/shm")
            in_memory = Path(tempfile.mkdtemp(dir=memory)) if memory.is_dir() else None
            journals = {"disk": Path(work) / "journal.sqlite3"}
            if in_memory is not None:
                journals["memory"] = in_memory / "journal.sqlite3"
            try:
                best = asyncio.run(_pins(posts, journals))
            finally:
                if in_memory is not None:
                    shutil.rmtree(in_memory)
            limited = asyncio.run(_at_the_default_limit(posts, Path(work) / "limited.sqlite3"))
    finally:
        sandbox.terminate()
        sandbox.wait(10)
    growth = peak - before
    baseline, measured = best["bare"], best["disk"]
    print(f"{PINS} image pins, rate limit lifted: Publisher {measured:.2f} s (journal on disk), "
          f"bare aiohttp POSTs {baseline:.2f} s")  # fmt: skip
    results = [
        ("upload 1 GB: memory above baseline (MB)", growth, "< 64 MB", growth < 64),
        ("1,000 pins: Publisher / bare POSTs", measured / baseline, "<= 1.5x", measured / baseline <= 1.5),
    ]
    if "memory" in best:
        durable = (best["disk"] - best["memory"]) / PINS * 1000
        print(f"  journal in memory (tmpfs) {best['memory']:.2f} s: the durable write costs {durable:.2f} ms "
              "a post (one synced write per post)")  # fmt: skip
        ratio = best["disk"] / best["memory"]
        results.append(("1,000 pins: journal on disk / in memory", ratio, "info", True))
    requests = PINS + 1  # the board is looked up once
    rate, burst = Limiters().rate, Limiters().burst
    floor = (requests - burst) / rate
    print(f"{PINS} image pins at the default limit ({rate:.0f} requests a second per account, bursts of "
          f"{burst}): {limited:.2f} s, floor {floor:.2f} s")  # fmt: skip
    results.append(
        ("1,000 pins at the default limit / its floor", limited / floor, "<= 1.3x", limited / floor <= 1.3)
    )
    return results


if __name__ == "__main__":
    for row in main():
        print(row)
    os._exit(0)
