"""The publishing rate limit: Pinterest's documented limits by access tier, a setting, and 429s
that slow an account down and let it recover slowly."""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pinrules import UsageError, pinterest
from publisher import Limiters, PinterestClient, PublishOptions, RateLimiter, RetryPolicy, rate_limiters
from publisher.sandbox import Fault

from .helpers import TOKEN, Sandbox, write


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TestPinterestLimits:
    def test_the_documented_limits(self) -> None:
        """Trial: 1,000 requests a day per app; Standard: 100 a second per user per app."""
        assert pinterest.RATE_LIMITS == {"trial": (1000, 86_400.0), "standard": (100, 1.0)}
        assert pinterest.REQUESTS_PER_SECOND == {"trial": 1000 / 86_400, "standard": 100.0}
        assert pinterest.PER_APP_TIERS == ("trial",)

    def test_standard_is_the_default_and_counts_per_account(self) -> None:
        """By default each account may send 100 requests a second, in bursts of a second's worth."""
        limiters = Limiters()
        first, second = limiters.for_account("a"), limiters.for_account("b")
        assert first is not second
        assert (first.limit, first.burst) == (100.0, 100)

    def test_trial_shares_the_day_between_all_accounts(self) -> None:
        """On Trial every account draws on the app's 1,000 requests a day (which a run may use at
        once), so they share one limiter."""
        limiters = Limiters(tier="trial")
        first, second = limiters.for_account("a"), limiters.for_account("b")
        assert first is second
        assert (first.limit, first.burst) == (1000 / 86_400, 1000)

    def test_a_rate_of_its_own_for_one_account(self) -> None:
        """One account can be given its own rate; the process default moves the others only."""
        limiters = Limiters(rate=10)
        slow = limiters.for_account("slow", rate=2)
        other = limiters.for_account("other")
        limiters.configure(rate=50)
        assert (slow.limit, other.limit) == (2, 50)
        assert limiters.for_account("slow") is slow

    def test_nonsense_is_refused(self) -> None:
        """A rate of 0 or less, or an unknown tier, is a usage error naming what is allowed."""
        with pytest.raises(UsageError, match="above 0"):
            RateLimiter(0)
        with pytest.raises(UsageError, match="trial, standard"):
            Limiters(tier="gold")


class TestAdapting:
    def test_a_429_halves_the_rate_once_per_wave(self) -> None:
        """429s of requests sent together halve the rate once; a later one halves it again."""
        clock = Clock()
        limiter = RateLimiter(100, clock=clock)
        limiter.slow_down()
        clock.now = 0.5
        limiter.slow_down()
        assert limiter.rate == 50
        clock.now = 2.0
        limiter.slow_down()
        assert limiter.rate == 25

    def test_it_never_falls_below_a_64th_of_the_limit(self) -> None:
        """However many 429s come, the rate stays at least limit / 64."""
        clock = Clock()
        limiter = RateLimiter(64, clock=clock)
        for second in range(20):
            clock.now = 2.0 * second
            limiter.slow_down()
        assert limiter.rate == 1

    def test_it_creeps_back_after_quiet_periods(self) -> None:
        """Each quiet period (30 s) without a 429 gives back a tenth of the limit, up to it."""
        clock = Clock()
        limiter = RateLimiter(100, clock=clock)
        limiter.slow_down()  # 50
        rates = []
        for now in (29.0, 30.0, 95.0, 1000.0):
            clock.now = now
            asyncio.run(limiter.acquire())  # a bucket refilled by the time that passed: no wait
            rates.append(limiter.rate)
        assert rates == [50, 60, 80, 100]

    def test_retry_after_pauses_the_account(self) -> None:
        """A 429 that says Retry-After: 0.3 holds the account's next request that long."""
        limiter = RateLimiter(1000)
        limiter.slow_down(retry_after=0.3)

        async def next_request() -> float:
            start = time.perf_counter()
            await limiter.acquire()
            return time.perf_counter() - start

        assert asyncio.run(next_request()) >= 0.29

    def test_no_limit_at_all(self) -> None:
        """math.inf lifts the limit: a thousand requests pass without waiting."""
        limiter = RateLimiter(math.inf)

        async def thousand() -> None:
            for _ in range(1000):
                await limiter.acquire()

        start = time.perf_counter()
        asyncio.run(thousand())
        assert time.perf_counter() - start < 1.0

    def test_the_client_slows_the_account_on_a_429(self, sandbox: Sandbox) -> None:
        """Pinterest answering 429 (then 200) makes the request succeed on retry, and every client
        of that account slows down to half its rate."""
        sandbox.state.faults.add("GET /v5/user_account", Fault("status", 429, retry_after=0))
        limiter = RateLimiter(40)

        async def ask() -> str | None:
            async with PinterestClient(
                TOKEN, sandbox.api, limiter=limiter, retry=RetryPolicy(base=0.01)
            ) as client:
                return (await client.user_account()).username

        assert asyncio.run(ask())
        assert limiter.rate == 20


class TestSettings:
    def test_publish_options_and_the_process_default(self) -> None:
        """PublishOptions carries a rate and a tier; rate_limiters() is the process's limiters."""
        assert (PublishOptions().rate_limit, PublishOptions().access_tier) == (None, None)
        assert isinstance(rate_limiters(), Limiters)
        assert rate_limiters() is rate_limiters()

    def test_rate_limit_flag_and_setting_slow_publishing(self, sandbox: Sandbox, tmp_path: Path) -> None:
        """`publish --rate-limit 4` sends at most 4 requests a second after a burst of 4: nine
        requests (a board lookup, eight pins) take at least 1.25 s; `rate-limit = 4` in
        [tool.pinrules] does the same."""
        folder = tmp_path / "posts"
        folder.mkdir()
        (folder / "soup.jpg").write_bytes((sandbox.dir / "soup.jpg").read_bytes())
        image = {"kind": "image", "path": "soup.jpg"}  # beside the posts: media paths stay inside
        for n in range(8):
            post = {"id": f"rate-{n}", "title": "Soup", "media": [image],
                    "options": {"pinterest": {"boardId": "549755885175"}}}  # fmt: skip
            write(folder / f"p{n}.json", post)
        env = {**os.environ, "PINTEREST_ACCESS_TOKEN": TOKEN, "PINTEREST_API_BASE": sandbox.api}
        base = [sys.executable, "-m", "pinrules", "publish", "--allow-private-network", "--format", "json"]

        def publish(*args: str, journal: str) -> float:
            start = time.perf_counter()
            command = [*base, "--journal", str(tmp_path / journal), *args, str(folder)]
            done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
            assert done.returncode == 0, done.stderr
            assert {r["status"] for r in json.loads(done.stdout)} == {"published"}
            return time.perf_counter() - start

        assert publish("--isolated", "--rate-limit", "4", journal="a.sqlite3") >= 1.25
        write(tmp_path / "pyproject.toml", '[tool.pinrules]\nrate-limit = 4\naccess-tier = "standard"\n')
        assert publish(journal="b.sqlite3") >= 1.25

    @pytest.mark.parametrize(
        ("args", "setting", "message"),
        [(["--rate-limit", "0"], "", "--rate-limit takes a number of requests a second above 0"),
         ([], "rate-limit = -1\n", "rate-limit: must be a number of requests a second above 0"),
         ([], 'access-tier = "gold"\n', 'access-tier: must be "trial" or "standard"')],
    )  # fmt: skip
    def test_bad_rate_settings_are_usage_errors(self, tmp_path: Path, args: list[str], setting: str,
                                                message: str) -> None:  # fmt: skip
        """A rate of 0 or less, or an unknown tier, stops with exit 2 and says what is allowed."""
        write(tmp_path / "pyproject.toml", "[tool.pinrules]\n" + setting)
        post = write(tmp_path / "p.json", {"id": "x", "media": [], "options": {}})
        for command in ("publish", "worker"):
            if command == "worker" and not args:
                continue  # the same settings file, read the same way
            files = [str(post)] if command == "publish" else ["--once"]
            done = subprocess.run([sys.executable, "-m", "pinrules", command, *args, *files],
                                  capture_output=True, text=True, cwd=tmp_path, check=False)  # fmt: skip
            assert done.returncode == 2, done.stderr
            assert message in done.stderr
