"""A video given by URL is downloaded to a temporary file before it is uploaded: behind the
same address guard as the online checks, capped at Pinterest's video size limit. The file is
removed on every path out but success (a full disk, a stall, a cancelled run included)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

import aiohttp

from pinrules import NetworkSettings, make_session, pinterest

from ._errors import DownloadFailed


async def download(
    url: str, network: NetworkSettings, *, cap: int = pinterest.VIDEO_MAX_BYTES, stall_timeout: float = 60.0
) -> Path:
    """Stream `url` to a temporary file and return its path (the caller deletes it)."""
    try:
        descriptor, name = tempfile.mkstemp(prefix="pinrules-", suffix=".video")
    except OSError as error:
        raise DownloadFailed(f"cannot make a temporary file for {url} ({error.strerror})") from None
    path = Path(name)
    loop = asyncio.get_running_loop()
    try:
        with os.fdopen(descriptor, "wb") as handle:
            async with make_session(network) as session:
                async with asyncio.timeout(stall_timeout) as watchdog:
                    async with session.get(url, timeout=aiohttp.ClientTimeout(total=None)) as response:
                        if response.status >= 300:
                            raise DownloadFailed(f"{url} answered {response.status} {response.reason}")
                        written = 0
                        async for chunk in response.content.iter_chunked(256 * 1024):
                            watchdog.reschedule(loop.time() + stall_timeout)
                            written += len(chunk)
                            if written > cap:
                                raise DownloadFailed(f"{url} is larger than {cap:,} bytes")
                            await loop.run_in_executor(None, handle.write, chunk)
    except BaseException as error:
        path.unlink(missing_ok=True)
        if isinstance(error, TimeoutError):
            raise DownloadFailed(f"downloading {url} stalled for {stall_timeout:g} s") from None
        if isinstance(error, aiohttp.ClientError):
            raise DownloadFailed(f"downloading {url} failed ({error.__class__.__name__})") from None
        if isinstance(error, OSError):  # a full disk, a file size limit
            raise DownloadFailed(f"cannot store the download of {url} ({error.strerror or error})") from None
        raise
    return path
