"""Rate limits per account, so that publishing stays under Pinterest's.

The limit is a setting (`--rate-limit`, `[tool.pinrules] rate-limit`, `PublishOptions.rate_limit`),
by default Pinterest's documented limit for the app's access tier (`pinrules.pinterest`): on
Standard access 100 requests a second, counted per account; on Trial access 1,000 a day for the
whole app, so one limiter serves every account (and a run may use the day's quota at once).

One limiter per account in the process, shared by every client of that account (a publish run
makes several clients: the post flows, board lookups, the OAuth callback); they queue on it.
A 429 halves the account's rate (at most once per second; a Retry-After also pauses it); after a
quiet period without one, it creeps back up by a tenth of the limit per period.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections.abc import Callable

from pinrules import UsageError
from pinrules.pinterest import PER_APP_TIERS, RATE_LIMITS, REQUESTS_PER_SECOND

DEFAULT_TIER = "standard"
RECOVERY_SECONDS = 30.0  # the quiet period before a slowed-down rate creeps back up
SLOWEST = 1 / 64  # a 429 never takes the rate below this share of the limit


def _one_second(rate: float) -> int:
    """A burst of one second's requests (at least one)."""
    return 1 if not math.isfinite(rate) else max(1, math.ceil(rate))


class RateLimiter:
    """Allows `rate` requests per second on average, in bursts of up to `burst`; `math.inf`:
    no limit. `slow_down` (on a 429) halves the rate for a while."""

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        recovery: float = RECOVERY_SECONDS,
    ) -> None:
        if not rate > 0:
            raise UsageError(f"a rate limit is a number of requests a second above 0 (got {rate!r})")
        self.limit = rate  # what it was set to
        self.rate = rate  # what it allows now (lower after a 429)
        self.burst = burst if burst is not None else _one_second(rate)
        self.recovery = recovery
        self._clock = clock
        self._tokens = float(self.burst)
        self._updated = clock()
        self._slowed_at = -math.inf  # when a 429 last halved the rate (or it last crept back up)
        self._paused_until = -math.inf  # a Retry-After
        # an asyncio lock belongs to one event loop; the bucket may outlive a loop (asyncio.run twice)
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def set_rate(self, rate: float, burst: int | None = None) -> None:
        """A new limit (and burst), in force from the next request."""
        if not rate > 0:
            raise UsageError(f"a rate limit is a number of requests a second above 0 (got {rate!r})")
        self.limit = self.rate = rate
        self.burst = burst if burst is not None else _one_second(rate)
        self._tokens = min(self._tokens, float(self.burst))

    def slow_down(self, retry_after: float | None = None) -> None:
        """Pinterest answered 429: halve the rate (once for a wave of 429s from requests sent
        together), stop the burst, and pause for `retry_after` seconds when it says so."""
        now = self._clock()
        if retry_after is not None:
            self._paused_until = max(self._paused_until, now + retry_after)
        self._tokens = min(self._tokens, 0.0)
        if math.isinf(self.limit) or now - self._slowed_at < 1.0:
            return
        self.rate = max(self.rate / 2, self.limit * SLOWEST)
        self._slowed_at = now

    def _creep_back(self, now: float) -> None:
        """A tenth of the limit back per quiet period since the last 429."""
        if self.rate >= self.limit:
            return
        periods = math.floor((now - self._slowed_at) / self.recovery)
        if periods > 0:
            self.rate = min(self.limit, self.rate + periods * self.limit / 10)
            self._slowed_at += periods * self.recovery

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def acquire(self) -> None:
        if math.isinf(self.rate) and self._paused_until <= self._clock():
            return  # no limit, nothing to queue for
        async with self._lock():  # first come, first served
            while True:
                now = self._clock()
                if now < self._paused_until:
                    await asyncio.sleep(self._paused_until - now)
                    continue
                self._creep_back(now)
                if math.isinf(self.rate):
                    return
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


class Limiters:
    """One limiter per account (keyed by an opaque account key, never by the token itself); with
    a tier whose limit is the app's (Trial), one limiter for every account.

    `rate` (requests a second) and `burst` default to the tier's documented limit.
    """

    def __init__(
        self,
        rate: float | None = None,
        burst: int | None = None,
        *,
        tier: str = DEFAULT_TIER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._by_account: dict[str, RateLimiter] = {}
        self._own: set[str] = set()  # accounts given a rate of their own
        self.tier, self.rate, self.burst = DEFAULT_TIER, 0.0, 1
        self.configure(rate, burst, tier=tier)

    def configure(
        self, rate: float | None = None, burst: int | None = None, *, tier: str | None = None
    ) -> None:
        """The default for accounts without a rate of their own (theirs change too): `rate`
        requests a second, or the tier's documented limit."""
        self.tier = _known_tier(tier or self.tier)
        self.rate, self.burst = _limits(rate, burst, self.tier)
        for key, limiter in self._by_account.items():
            if key not in self._own:
                limiter.set_rate(self.rate, self.burst)

    def for_account(self, key: str, *, rate: float | None = None, tier: str | None = None) -> RateLimiter:
        """The account's limiter; with `rate` or `tier`, set to that from now on."""
        if (tier or self.tier) in PER_APP_TIERS:
            key = f"app:{tier or self.tier}"  # the app's quota: every account draws on it
        limiter = self._by_account.get(key)
        if rate is None and tier is None:
            if limiter is None:
                limiter = self._by_account[key] = RateLimiter(self.rate, self.burst, self._clock)
            return limiter
        wanted, burst = _limits(rate, None, _known_tier(tier or self.tier))
        if limiter is None:
            limiter = self._by_account[key] = RateLimiter(wanted, burst, self._clock)
        elif (limiter.limit, limiter.burst) != (wanted, burst):
            limiter.set_rate(wanted, burst)
        self._own.add(key)
        return limiter


def _known_tier(tier: str) -> str:
    if tier not in REQUESTS_PER_SECOND:
        raise UsageError(f"unknown access tier {tier!r}; one of {', '.join(REQUESTS_PER_SECOND)}")
    return tier


def _limits(rate: float | None, burst: int | None, tier: str) -> tuple[float, int]:
    """The rate and burst asked for, else the tier's: its requests per second, in bursts of what
    its window allows (a second's on Standard, the day's quota on Trial)."""
    if rate is not None:
        return rate, burst if burst is not None else _one_second(rate)
    requests, _ = RATE_LIMITS[tier]
    return REQUESTS_PER_SECOND[tier], burst if burst is not None else requests


SHARED = Limiters()  # the process's limiters: every client of one account uses the same one


def rate_limiters() -> Limiters:
    """The process's limiters, which every `PinterestClient` without a limiter of its own uses:
    `rate_limiters().configure(rate=math.inf)` lifts the limit (a benchmark against a stand-in)."""
    return SHARED


def limiter_for(key: str, rate: float | None = None, tier: str | None = None) -> RateLimiter:
    """The process's limiter of an account, at `rate` (else the tier's limit, else the default)."""
    return SHARED.for_account(key, rate=rate, tier=tier)


def publish_rate(flag: float | None, setting: float | None) -> float | None:
    """The rate a command publishes at: --rate-limit, else the settings file's, else None (the
    access tier's)."""
    if flag is not None and not flag > 0:
        raise UsageError("--rate-limit takes a number of requests a second above 0")
    return flag if flag is not None else setting
