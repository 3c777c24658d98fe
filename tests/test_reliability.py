"""Backoff, Retry-After, the per-account limiter, and the stand-in's fault endpoint."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp

from publisher import Limiters, PinterestClient, RateLimiter, RetryPolicy, parse_retry_after
from publisher.sandbox import demo_state, make_app

from .media_server import ServerThread


class TestRetryPolicy:
    def test_full_jitter_stays_within_the_exponential_bound(self) -> None:
        """Attempt n waits a random time in [0, min(cap, base * 2^(n-1))]."""
        policy = RetryPolicy(base=0.5, cap=4.0)
        rng = random.Random(7)
        for attempt, bound in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)):
            delays = [policy.delay(attempt, rng=rng) for _ in range(200)]
            assert min(delays) >= 0
            assert max(delays) <= bound
            assert max(delays) > bound * 0.8  # jitter spreads over the whole range

    def test_retry_after_is_honoured_but_capped(self) -> None:
        """A server's Retry-After wins over a shorter jitter, up to max_retry_after."""
        policy = RetryPolicy(base=0.1, max_retry_after=60)
        assert policy.delay(1, retry_after=5) == 5
        assert policy.delay(1, retry_after=3600) == 60

    def test_retry_after_in_seconds_or_as_a_date(self) -> None:
        """Both forms of the header are understood; nonsense is ignored."""
        now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
        assert parse_retry_after("120") == 120
        assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
        assert parse_retry_after("soon") is None
        assert parse_retry_after(None) is None


class TestLimiter:
    def test_burst_then_the_sustained_rate(self) -> None:
        """With 20/s and a burst of 2, six requests take at least (6 - 2) / 20 seconds."""
        limiter = RateLimiter(rate=20, burst=2)

        async def six() -> float:
            start = time.perf_counter()
            for _ in range(6):
                await limiter.acquire()
            return time.perf_counter() - start

        assert asyncio.run(six()) >= 0.19

    def test_one_limiter_per_account(self) -> None:
        """Accounts do not share a bucket; the same account always gets the same one."""
        limiters = Limiters(rate=1, burst=1)
        assert limiters.for_account("a") is limiters.for_account("a")
        assert limiters.for_account("a") is not limiters.for_account("b")


def test_clients_of_one_account_share_one_limiter() -> None:
    """Two clients with one token queue on the same limiter; another token has its own."""
    first, second, other = (PinterestClient(token) for token in ("tok-a", "tok-a", "tok-b"))
    assert first.limiter is second.limiter
    assert first.limiter is not other.limiter


def test_faults_can_be_set_over_http() -> None:
    """POST /_sandbox/faults queues a fault that the next matching request receives once."""
    state = demo_state("tok")
    server = ServerThread(make_app(state))
    base = server.start()

    async def go() -> list[int]:
        async with aiohttp.ClientSession(headers={"Authorization": "Bearer tok"}) as session:
            fault = {"route": "GET /v5/user_account", "kind": "status", "status": 503, "retry_after": 2}
            async with session.post(f"{base}/_sandbox/faults", json=fault) as answer:
                assert answer.status == 200
            statuses = []
            for _ in range(2):
                async with session.get(f"{base}/v5/user_account") as answer:
                    statuses.append(answer.status)
                    if answer.status == 503:
                        assert answer.headers["Retry-After"] == "2"
            return statuses

    try:
        assert asyncio.run(go()) == [503, 200]
    finally:
        server.stop()
