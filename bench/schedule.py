"""Scheduler benchmarks (issue 13), against the local Pinterest stand-in in another process:

- throughput: 10,000 image posts due at the same moment, drained by ONE worker as users run it
  (`pinrules worker --once`, SQLite, the embedded default), against publishing the same 10,000
  posts (their scheduledAt passed by then) directly through `Publisher` (one client, a journal
  on disk) in this process: goal >= 0.8x the direct throughput. Both send 4 posts at once (the
  worker's default --concurrency) with the rate limit lifted (`--rate-limit inf`; a
  `RateLimiter(math.inf)`), each against a fresh stand-in; afterwards every post must be
  `published` and the stand-in must hold exactly one pin per post. Rounds alternate which side
  goes first, and the best round of each is compared (every post waits for one disk sync, whose
  time varies by 2x from run to run here). Also printed: each round's own ratio, and the pins
  a second on the stand-in from the first pin to the last (the worker's start-up left out);
- lateness: posts offered at 100 a second (each scheduled by `schedule()` in this process a few
  seconds before it is due, due times 10 ms apart) while one `pinrules worker` runs: for each
  post, when its pin was created on the stand-in minus when it was due; goal p99 under 2 s;
- PostgreSQL: 4 workers in 2 processes (`pinrules worker --once --concurrency 2`, twice, at
  once) draining the same 10,000 posts due at the same moment from a throwaway cluster started
  here (the tests' `tests/postgres.py`, its commits made durable again): throughput, and 0
  duplicate pins. Skipped, saying why, without the PostgreSQL server programs or psycopg.

    python -m bench.schedule [--posts N] [--rounds N] [--offered N] [--postgres-posts N]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pinrules import NetworkSettings, Preflight
from publisher import (
    Backend,
    Journal,
    PinterestClient,
    PostState,
    Publisher,
    PublishOptions,
    RateLimiter,
    ScheduledPost,
    Status,
    open_backend,
    schedule,
)

from . import stand_in
from .commands import ROOT, pinrules_command

PORT = 47835
TOKEN = "bench-token"
BASE = f"http://127.0.0.1:{PORT}"
BOARD = "549755885175"
IMAGE = ROOT / "examples" / "media" / "pumpkin-soup.jpg"
LOCAL = NetworkSettings(allowed_addresses=frozenset({"127.0.0.1"}))
CONCURRENCY = 4  # the worker's default --concurrency; the direct side sends as many at once
POSTS = 10_000
OFFERED_RATE = 100.0  # posts a second
OFFERED = 3_000  # 30 s at 100 a second
LEAD = 6.0  # seconds between scheduling a post and its due time: above the worker's poll interval
POSTGRES_POSTS = POSTS
THROUGHPUT_GOAL = 0.8
ROUNDS = 5
LATENESS_GOAL = 2.0

Row = tuple[str, float, str, bool]


def _post(n: int, due: float | None = None) -> dict[str, Any]:
    post: dict[str, Any] = {
        "id": f"bench-{n}", "title": f"Pin {n}", "text": "Benchmark pin.",
        "media": [{"kind": "image", "path": IMAGE.name}],
        "options": {"pinterest": {"boardId": BOARD}},
    }  # fmt: skip
    if due is not None:
        post["scheduledAt"] = datetime.fromtimestamp(due, UTC).isoformat(timespec="milliseconds")
    return post


def _number(pin: dict[str, Any]) -> int:
    return int(str(pin["title"]).removeprefix("Pin "))


def _environment(data: Path) -> dict[str, str]:
    """The worker's environment: the stand-in's token, and a data folder of its own (no account
    store, settings or journal of the person running the benchmark)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PINRULES_", "PINTEREST_"))}
    return clean | {"PINTEREST_ACCESS_TOKEN": TOKEN, "PINRULES_DATA_DIR": str(data)}


def _worker_command(database: str, *extra: str) -> list[str]:
    return [*pinrules_command(), "worker", "--isolated", "--database", database, "--base-url", f"{BASE}/v5",
            "--rate-limit", "inf", *extra]  # fmt: skip


@contextmanager
def _stand_in() -> Iterator[None]:
    process = stand_in.start(PORT, TOKEN)
    try:
        yield
    finally:
        stand_in.stop(process)


def _check_pins() -> tuple[int, int]:
    """(pins on the stand-in, duplicates: pins beyond the first of each post)."""
    pins, duplicates, _ = _pins_made()
    return pins, duplicates


def _pins_made() -> tuple[int, int, float]:
    """As `_check_pins`, and the pins made a second from the first to the last (a rate that
    leaves out what comes before the first create: a process's start-up, a client's making)."""
    found = stand_in.pins(BASE)
    titles = Counter(pin["title"] for pin in found)
    stamps = [float(pin[stand_in.STAMP]) for pin in found]
    span = max(stamps) - min(stamps) if stamps else 0.0
    rate = (len(stamps) - 1) / span if span > 0 else math.nan
    return sum(titles.values()), sum(n - 1 for n in titles.values()), rate


def _statuses(backend: Backend) -> Counter[str]:
    counts: Counter[str] = Counter()
    after: tuple[float, str] | None = None
    while page := backend.schedule.list(after=after, limit=1000):
        counts.update(str(item.status) for item in page)
        after = (page[-1].due_at, page[-1].id)
    return counts


def _require(condition: bool, what: str) -> None:
    """A benchmark that silently loses or doubles posts is worse than none: stop, saying what."""
    if not condition:
        raise SystemExit(f"bench.schedule: {what}")


async def _enqueue(
    backend: Backend, posts: list[dict[str, Any]], folder: Path, clock: Callable[[], float]
) -> None:
    preflight = Preflight()
    for post in posts:
        result = await schedule(post, store=backend.schedule, media=backend.media, preflight=preflight,
                                base_dir=folder, online=False, clock=clock)  # fmt: skip
        _require(result.status == "scheduled", f"{post['id']} was not scheduled: {result.diagnostics}")


# -- 1. throughput: one worker against Publisher directly -------------------------------------------


async def _direct(posts: list[dict[str, Any]], folder: Path, journal: Path) -> float:
    """Seconds to publish `posts` through one Publisher, CONCURRENCY at once."""
    gate = asyncio.Semaphore(CONCURRENCY)
    book = Journal(journal)
    async with PinterestClient(TOKEN, f"{BASE}/v5", limiter=RateLimiter(math.inf)) as client:
        publisher = Publisher(client, book, Preflight(), PublishOptions(network=LOCAL))

        async def one(post: dict[str, Any]) -> None:
            async with gate:
                result = await publisher.publish(post, base_dir=folder)
                problem = f"{post['id']}: {result.status} {result.diagnostics}"
                _require(result.status == Status.PUBLISHED, problem)

        start = time.perf_counter()
        await asyncio.gather(*(one(post) for post in posts))
        seconds = time.perf_counter() - start
    book.close()
    return seconds


@dataclass
class Drained:
    seconds: float
    cpu: float  # the worker process's user + system CPU seconds
    output: str
    rate: float = math.nan  # pins a second on the stand-in, its first pin to its last


def _drain(database: str, work: Path, *extra: str) -> Drained:
    """Run `pinrules worker --once` until it exits: its wall time and CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = _worker_command(database, "--once", *extra)
    done = subprocess.run(command, cwd=work, env=_environment(work / "data"), capture_output=True, text=True,
                          check=False)  # fmt: skip
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    _require(done.returncode == 0, f"the worker exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Drained(seconds, cpu, done.stdout.strip())


def _direct_round(posts: list[dict[str, Any]], folder: Path, journal: Path) -> tuple[float, float, float]:
    """One direct run on a fresh stand-in: its seconds, CPU seconds, and pins a second while
    publishing (first pin to last)."""
    count = len(posts)
    with _stand_in():
        cpu_before = time.process_time()
        seconds = asyncio.run(_direct(posts, folder, journal))
        cpu = time.process_time() - cpu_before
        pins, duplicates, rate = _pins_made()
    _require(pins == count and duplicates == 0, f"direct: {pins} pins for {count} posts ({duplicates} twice)")
    return seconds, cpu, rate


def _worker_round(count: int, template: Path, store: Path) -> Drained:
    """One worker run on a fresh stand-in, draining a copy of the scheduled posts."""
    shutil.copytree(template, store)
    database = f"sqlite:{store}"
    with _stand_in():
        drained = _drain(database, store.parent)
        pins, duplicates, drained.rate = _pins_made()
    backend = open_backend(database)
    statuses = _statuses(backend)
    backend.close()
    shutil.rmtree(store)
    _require(statuses == {"published": count}, f"worker: the posts ended {dict(statuses)}")
    _require(pins == count and duplicates == 0, f"worker: {pins} pins for {count} posts ({duplicates} twice)")
    return drained


def throughput(count: int, work: Path, rounds: int = ROUNDS) -> tuple[list[Row], float]:
    """Each round publishes the posts directly, then drains them with a worker (each on a fresh
    stand-in); the best round of each side is compared (the disk's sync times vary by 2x on
    this machine from one run to the next, and each post waits for one)."""
    folder = work / "posts"
    folder.mkdir(parents=True)
    shutil.copy(IMAGE, folder / IMAGE.name)
    # the worker's posts: scheduled once by `schedule()` (its clock held at the start, so that
    # posts due in a second are not refused as past while the rest are enqueued), copied per round
    template = work / "scheduled"
    backend = open_backend(f"sqlite:{template}")
    held = time.time()
    posts = [_post(n, held + 1) for n in range(count)]  # the direct side publishes these same posts
    start = time.perf_counter()
    asyncio.run(_enqueue(backend, posts, folder, lambda: held))
    enqueued = time.perf_counter() - start
    backend.close()
    while time.time() < held + 1:
        time.sleep(0.05)
    print(
        f"{count:,} posts due at once, rate limit lifted, {CONCURRENCY} at a time, best of {rounds} rounds:"
    )
    print(
        f"  enqueue (schedule(), files checked and copied): {enqueued:.1f} s, {count / enqueued:,.0f} posts/s"
    )
    direct: list[tuple[float, float, float]] = []  # seconds, CPU seconds, pins a second
    drained: list[Drained] = []
    for n in range(rounds):  # which side goes first alternates: neither always follows the other
        if n % 2:
            drained.append(_worker_round(count, template, work / "store"))
        direct.append(_direct_round(posts, folder, work / f"direct-{n}.sqlite3"))
        if not n % 2:
            drained.append(_worker_round(count, template, work / "store"))
        alone, worker = direct[-1][0], drained[-1].seconds
        print(f"  round {n + 1}: direct {alone:5.1f} s, worker {worker:5.1f} s, {alone / worker:.3f}x")
    # beside the best of each side: each round's ratio, the two sides measured back to back
    paired = statistics.median(d[0] / w.seconds for d, w in zip(direct, drained, strict=True))
    direct_seconds, direct_cpu, _ = min(direct)
    best = min(drained, key=lambda d: d.seconds)
    steady = max(d.rate for d in drained) / max(rate for _, _, rate in direct)
    direct_rate, worker_rate = count / direct_seconds, count / best.seconds
    ratio = worker_rate / direct_rate
    print(f"  direct, Publisher in this process:   {direct_seconds:6.1f} s  {direct_rate:6,.0f} posts/s  "
          f"CPU {direct_cpu / count * 1000:.2f} ms a post")  # fmt: skip
    print(f"  one worker, `pinrules worker --once`: {best.seconds:6.1f} s  {worker_rate:6,.0f} posts/s  "
          f"CPU {best.cpu / count * 1000:.2f} ms a post (start-up included); {best.output}")  # fmt: skip
    print(f"  the rounds' own ratios (worker / direct run beside it): median {paired:.3f}x")
    print(f"  pins a second from the first pin to the last (start-up left out), best of each: "
          f"direct {max(rate for _, _, rate in direct):,.0f}, worker {max(d.rate for d in drained):,.0f}, "
          f"{steady:.3f}x")  # fmt: skip
    print(f"  every round: all {count:,} published, one pin each on the stand-in, no duplicates")
    goal = f">= {THROUGHPUT_GOAL}x"
    rows: list[Row] = [
        ("one worker: throughput (posts/s)", worker_rate, "info", True),
        ("direct Publisher: throughput (posts/s)", direct_rate, "info", True),
        (f"{count:,} due at once: one worker / direct", ratio, goal, ratio >= THROUGHPUT_GOAL),
        ("the same, median of the rounds' own ratios", paired, "info", True),
        ("the same, first pin to last (start-up left out)", steady, "info", True),
    ]
    return rows, direct_rate


# -- 2. lateness at 100 posts a second ----------------------------------------------------------------


async def _offer(backend: Backend, count: int, folder: Path, first_due: float) -> dict[int, float]:
    """Schedule post n LEAD seconds before its due time, first_due + n / OFFERED_RATE: the posts
    arrive at the offered rate. Their due times by number."""
    preflight = Preflight()
    due: dict[int, float] = {}
    for n in range(count):
        due[n] = first_due + n / OFFERED_RATE
        wait = due[n] - LEAD - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        result = await schedule(_post(n, due[n]), store=backend.schedule, media=backend.media,
                                preflight=preflight, base_dir=folder, online=False)  # fmt: skip
        _require(result.status == "scheduled", f"post {n} was not scheduled: {result.diagnostics}")
    return due


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def lateness(count: int, work: Path) -> list[Row]:
    folder = work / "posts"
    database = f"sqlite:{work / 'store'}"
    backend = open_backend(database)  # creates the store before the worker opens it
    with _stand_in():
        worker = subprocess.Popen(_worker_command(database), cwd=work, env=_environment(work / "data"),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            first_due = time.time() + LEAD
            due = asyncio.run(_offer(backend, count, folder, first_due))
            offered = time.time() - (first_due - LEAD)
            # listing every pin costs the stand-in: not while posts are still coming due
            time.sleep(max(0.0, due[count - 1] + 1 - time.time()))
            deadline = due[count - 1] + 60
            while len(pins := stand_in.pins(BASE)) < count and time.time() < deadline:
                time.sleep(0.5)
        finally:
            worker.send_signal(signal.SIGTERM)
            out, err = worker.communicate(timeout=60)
    _require(worker.returncode == 0, f"the worker exited with {worker.returncode}:\n{out}{err}")
    statuses = _statuses(backend)
    records = {int(item.id.removeprefix("bench-")): item for item in _published(backend)}
    backend.close()
    titles = Counter(pin["title"] for pin in pins)
    duplicates = sum(n - 1 for n in titles.values())
    _require(statuses == {"published": count}, f"lateness: the posts ended {dict(statuses)}")
    _require(len(pins) == count and duplicates == 0, f"lateness: {len(pins)} pins, {duplicates} duplicates")
    late_by = {_number(pin): pin[stand_in.STAMP] - due[_number(pin)] for pin in pins}
    late = list(late_by.values())
    recorded = [item.updated_at - due[n] for n, item in records.items()]
    p50, p99, worst = _percentile(late, 0.5), _percentile(late, 0.99), max(late)
    print(f"lateness: {count:,} posts offered at {OFFERED_RATE:.0f} a second ({count / offered:.0f} a second "
          f"kept), each scheduled {LEAD:.0f} s ahead, one worker; {out.strip()}")  # fmt: skip
    print(f"  pin created on the stand-in - due: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
          f"max {worst * 1000:.0f} ms")  # fmt: skip
    print(f"  recorded published in the store - due: p50 {_percentile(recorded, 0.5) * 1000:.0f} ms, "
          f"p99 {_percentile(recorded, 0.99) * 1000:.0f} ms, max {max(recorded) * 1000:.0f} ms")  # fmt: skip
    # one stall (a disk sync that hangs on a busy machine) or a steady lag: when the late ones were due
    stalled = sorted(due[n] - due[0] for n, seconds in late_by.items() if seconds > 1)
    if stalled:
        print(f"  {len(stalled)} posts more than 1 s late, due from {stalled[0]:.1f} s to "
              f"{stalled[-1]:.1f} s after the first")  # fmt: skip
    return [
        ("lateness p50 (s)", p50, "info", True),
        ("lateness p99 at 100 posts/s (s)", p99, f"< {LATENESS_GOAL:g} s", p99 < LATENESS_GOAL),
        ("lateness max (s)", worst, "info", True),
    ]


def _published(backend: Backend) -> Iterator[ScheduledPost]:
    after: tuple[float, str] | None = None
    while page := backend.schedule.list(status=PostState.PUBLISHED, after=after, limit=1000):
        yield from page
        after = (page[-1].due_at, page[-1].id)


# -- 3. PostgreSQL: 4 workers in 2 processes ------------------------------------------------------------


def _skipped(reason: str) -> list[Row]:
    print(f"PostgreSQL: skipped: {reason}")
    return []


def postgres(count: int, work: Path, direct_rate: float) -> list[Row]:
    if count <= 0:
        return _skipped("--postgres-posts 0")
    try:
        import procrastinate  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError:
        return _skipped("psycopg and procrastinate are not installed (pip install 'pinrules[postgresql]')")
    try:
        from tests.postgres import MISSING_REASON, PostgresCluster, find_pg_bin
    except ImportError as error:
        return _skipped(f"the tests' cluster helper does not import ({error})")
    bindir = find_pg_bin()
    if bindir is None:
        return _skipped(MISSING_REASON)
    with PostgresCluster(bindir) as cluster:
        # the tests' cluster trades durability for speed; a user's database syncs each commit
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            cluster.psql(f"ALTER SYSTEM SET {setting} = on")
        cluster.psql("SELECT pg_reload_conf()")
        url = cluster.create_database("bench")
        migrated = subprocess.run([*pinrules_command(), "db", "migrate", "--database", url], cwd=work,
                                  env=_environment(work / "data"), capture_output=True, text=True,
                                  check=False)  # fmt: skip
        _require(migrated.returncode == 0, f"pinrules db migrate failed:\n{migrated.stdout}{migrated.stderr}")
        backend = open_backend(url)
        held = time.time()
        start = time.perf_counter()
        posts = [_post(n, held + 1) for n in range(count)]
        asyncio.run(_enqueue(backend, posts, work / "posts", lambda: held))
        enqueued = time.perf_counter() - start
        while time.time() < held + 1:
            time.sleep(0.05)
        with _stand_in():
            start = time.perf_counter()
            command = _worker_command(url, "--once", "--concurrency", "2")
            piped: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
            environment = _environment(work / "data")
            workers = [subprocess.Popen(command, cwd=work, env=environment, **piped) for _ in range(2)]
            outputs = [worker.communicate(timeout=600) for worker in workers]
            seconds = time.perf_counter() - start
            pins, duplicates = _check_pins()
        for worker, (out, err) in zip(workers, outputs, strict=True):
            _require(worker.returncode == 0, f"a PostgreSQL worker exited {worker.returncode}:\n{out}{err}")
        statuses = _statuses(backend)
        backend.close()
    _require(statuses == {"published": count}, f"PostgreSQL: the posts ended {dict(statuses)}")
    # a post without its pin stops the benchmark; a duplicate is the figure this part reports
    _require(pins - duplicates == count, f"PostgreSQL: {pins - duplicates} posts of {count} have a pin")
    rate = count / seconds
    reports = "; ".join(re.sub(r"\s+", " ", out.strip()) for out, _ in outputs)
    print(f"PostgreSQL ({cluster.server_version_num // 10000}, durable commits), {count:,} posts due at "
          f"once, 2 processes x --concurrency 2:")  # fmt: skip
    print(f"  enqueue: {enqueued:.1f} s, {count / enqueued:,.0f} posts/s")
    print(f"  drained in {seconds:.1f} s: {rate:,.0f} posts/s ({reports}); {pins:,} pins, "
          f"{duplicates} duplicates")  # fmt: skip
    return [
        ("PostgreSQL 4 workers: throughput (posts/s)", rate, "info", True),
        ("PostgreSQL 4 workers / direct", rate / direct_rate, "info", True),
        ("PostgreSQL 4 workers: duplicate pins (n)", duplicates, "0", duplicates == 0),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(prog="python -m bench.schedule", description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=POSTS, help=f"posts due at once (default {POSTS:,})")
    offered = f"posts offered at {OFFERED_RATE:.0f} a second (default {OFFERED:,})"
    parser.add_argument("--offered", type=int, default=OFFERED, help=offered)
    parser.add_argument("--postgres-posts", type=int, default=POSTGRES_POSTS,
                        help=f"posts for the PostgreSQL workers (default {POSTGRES_POSTS:,})")  # fmt: skip
    rounds = f"throughput rounds, the best of each side compared (default {ROUNDS})"
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=rounds)
    args = parser.parse_args([] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="pinrules-bench-") as folder:
        work = Path(folder)
        rows, direct_rate = throughput(args.posts, work / "throughput", args.rounds)
        (work / "lateness").mkdir()
        shutil.copytree(work / "throughput" / "posts", work / "lateness" / "posts")
        rows += lateness(args.offered, work / "lateness")
        (work / "postgres").mkdir()
        shutil.copytree(work / "throughput" / "posts", work / "postgres" / "posts")
        rows += postgres(args.postgres_posts, work / "postgres", direct_rate)
    return rows


if __name__ == "__main__":
    for row in main(sys.argv[1:]):
        print(row)
