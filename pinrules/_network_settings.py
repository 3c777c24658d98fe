"""How the online checks (and the publisher's downloads) may use the network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NetworkSettings:
    allow_private_network: bool = False
    timeout: float = 10.0  # whole request, per URL
    connect_timeout: float = 5.0
    max_redirects: int = 5
    limit: int = 100  # connections in total
    limit_per_host: int = 50
    max_bytes: int = 65_536  # the most ever read from one response
    cache_ttl: float = 0.0  # seconds an answer is reused across runs; 0: no on-disk cache
    cache_dir: Path | None = None
    # addresses let through although not public, e.g. a test server on 127.0.0.1 (an explicit,
    # narrow alternative to allow_private_network)
    allowed_addresses: frozenset[str] = frozenset()
