"""How the online checks (and the publisher's downloads) may use the network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NetworkSettings:
    """Timeouts count from when a request has a connection: a URL waiting for a free one (of
    `limit` in all, `limit_per_host` per host) is never timed out for the wait."""

    allow_private_network: bool = False
    connect_timeout: float = 5.0  # to open a connection to the server
    read_timeout: float = 10.0  # the longest the server may send nothing (its answer, or more of it)
    # the most one URL may take in all once it has a connection (a redirect and a fallback GET
    # included), against servers that trickle; None: connect_timeout + 2 * read_timeout
    timeout: float | None = None
    max_redirects: int = 5
    limit: int = 100  # connections in total
    limit_per_host: int = 50
    max_bytes: int = 65_536  # the most ever read from one response
    cache_ttl: float = 0.0  # seconds an answer is reused across runs; 0: no on-disk cache
    cache_dir: Path | None = None
    # addresses let through although not public, e.g. a test server on 127.0.0.1 (an explicit,
    # narrow alternative to allow_private_network)
    allowed_addresses: frozenset[str] = frozenset()

    @property
    def total_timeout(self) -> float:
        """The bound on one URL's whole check, once it has a connection."""
        return self.timeout if self.timeout is not None else self.connect_timeout + 2 * self.read_timeout
