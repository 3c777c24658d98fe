"""A per-account token bucket, so that a bulk publish stays under Pinterest's rate limits.

One limiter per account in the process, shared by every client of that account (a publish run
makes several clients: the post flows, board lookups, the OAuth callback); they queue on it.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable


class RateLimiter:
    """Allows `rate` requests per second on average, in bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()
        # an asyncio lock belongs to one event loop; the bucket may outlive a loop (asyncio.run twice)
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def acquire(self) -> None:
        async with self._lock():  # first come, first served
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


class Limiters:
    """One limiter per account (keyed by an opaque account key, never by the token itself)."""

    def __init__(self, rate: float = 10.0, burst: int = 20) -> None:
        self.rate = rate
        self.burst = burst
        self._by_account: dict[str, RateLimiter] = {}

    def for_account(self, key: str) -> RateLimiter:
        if key not in self._by_account:
            self._by_account[key] = RateLimiter(self.rate, self.burst)
        return self._by_account[key]


SHARED = Limiters()  # the process's limiters: every client of one account uses the same one
