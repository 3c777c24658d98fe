"""When and how long to wait before trying a request again.

Exponential backoff with full jitter (a random wait between 0 and the exponential bound)
spreads retries of many clients; a server's Retry-After is honoured when it asks for longer,
up to `max_retry_after`: a server asking for more is not waited for at all (the attempt ends,
rate limited, and says when to come back), so one request never sleeps for minutes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

DEFAULT_MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # in all, the first one included
    base: float = 0.5  # seconds
    cap: float = 30.0  # no single backoff wait is longer
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER  # a longer Retry-After ends the attempt

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """The wait before attempt number `attempt + 1` (attempt counts from 1)."""
        bound = min(self.cap, self.base * 2 ** (attempt - 1))
        jitter = (rng or random).uniform(0, bound)
        if retry_after is not None:
            return max(jitter, min(retry_after, self.max_retry_after))
        return jitter

    def too_long(self, retry_after: float | None) -> bool:
        """A Retry-After beyond `max_retry_after`: not waited for."""
        return retry_after is not None and retry_after > self.max_retry_after


def parse_http_date(value: str | None) -> float | None:
    """An HTTP date (a Date or Retry-After header) as a timestamp; None when it is not one."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = parse_http_date(value)
    if when is None:
        return None
    return max(0.0, when - (now or datetime.now(UTC)).timestamp())
