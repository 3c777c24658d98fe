"""When and how long to wait before trying a request again.

Exponential backoff with full jitter (a random wait between 0 and the exponential bound)
spreads retries of many clients; a server's Retry-After is honoured when it asks for longer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # in all, the first one included
    base: float = 0.5  # seconds
    cap: float = 30.0  # no single wait is longer
    max_retry_after: float = 120.0  # a server asking for longer is not waited for

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """The wait before attempt number `attempt + 1` (attempt counts from 1)."""
        bound = min(self.cap, self.base * 2 ** (attempt - 1))
        jitter = (rng or random).uniform(0, bound)
        if retry_after is not None:
            return max(jitter, min(retry_after, self.max_retry_after))
        return jitter


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
