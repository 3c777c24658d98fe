"""The video upload: a multipart POST to the presigned URL Pinterest returns.

Presigned S3 POSTs refuse chunked transfer encoding, so the body is sent with an exact
Content-Length, and streamed from disk so that memory stays flat for a 2 GB file. There is no
total timeout (a large file on a slow line takes long) but a watchdog: when no bytes have
moved for `stall_timeout` seconds, the upload is abandoned.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp

CHUNK = 256 * 1024
Progress = Callable[[int, int], None]


class UploadFailed(Exception):
    """The upload did not complete; the message says why (never with a credential)."""


def _part_header(boundary: str, name: str, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    lines = [f"--{boundary}", f"Content-Disposition: {disposition}"]
    if filename:
        lines.append("Content-Type: application/octet-stream")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def multipart_frame(fields: dict[str, str], boundary: str, filename: str) -> tuple[bytes, bytes]:
    """The bytes before the file (every field, then the file part's header) and after it."""
    head = b"".join(_part_header(boundary, name) + value.encode() + b"\r\n" for name, value in fields.items())
    head += _part_header(boundary, "file", filename)
    return head, f"\r\n--{boundary}--\r\n".encode()


async def upload(
    session: aiohttp.ClientSession,
    url: str,
    fields: dict[str, str],
    path: Path,
    *,
    stall_timeout: float = 60.0,
    progress: Progress | None = None,
) -> None:
    """POST `fields` and then the file at `path` as multipart/form-data, streamed."""
    boundary = uuid.uuid4().hex
    head, tail = multipart_frame(fields, boundary, path.name)
    size = path.stat().st_size
    total = len(head) + size + len(tail)
    loop = asyncio.get_running_loop()

    async def body(watchdog: asyncio.Timeout) -> AsyncIterator[bytes]:
        yield head
        sent = 0
        with path.open("rb") as file:
            while chunk := await loop.run_in_executor(None, file.read, CHUNK):
                watchdog.reschedule(loop.time() + stall_timeout)  # bytes moved: not stalled
                sent += len(chunk)
                if progress:
                    progress(sent, size)
                yield chunk
        yield tail

    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(total)}
    try:
        async with asyncio.timeout(stall_timeout) as watchdog:
            async with session.post(
                url, data=body(watchdog), headers=headers, timeout=aiohttp.ClientTimeout(total=None)
            ) as response:
                watchdog.reschedule(loop.time() + stall_timeout)
                if response.status >= 300:
                    text = (await response.text())[:200]
                    raise UploadFailed(
                        f"the upload was refused: {response.status} {response.reason} {text}".strip()
                    )
    except TimeoutError:
        raise UploadFailed(f"the upload stalled: no progress for {stall_timeout:g} s") from None
    except aiohttp.ClientError as error:
        raise UploadFailed(f"the upload failed ({error.__class__.__name__})") from None
