"""The video upload: a multipart POST to the presigned URL Pinterest returns.

Presigned S3 POSTs refuse chunked transfer encoding, so the body is sent with an exact
Content-Length, and streamed from disk so that memory stays flat for a 2 GB file. aiohttp's
multipart writer frames the parts (so a field or file name with a quote or CR/LF cannot break
a part header); the file part is our own payload, which reads from an open handle in a worker
thread, reports progress and feeds the watchdog. There is no total timeout (a large file on a
slow line takes long) but a watchdog: when no bytes have moved for `stall_timeout` seconds,
the upload is abandoned.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import IO, Any

import aiohttp
from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import Payload

from ._errors import UploadFailed

CHUNK = 256 * 1024
Progress = Callable[[int, int], None]


class _FilePart(Payload):
    """An open file's remaining bytes as a multipart part, of a known size, read off the loop."""

    def __init__(self, handle: IO[bytes], filename: str, on_chunk: Callable[[int], None]) -> None:
        super().__init__(handle, content_type="application/octet-stream")
        self._handle = handle
        self._length = os.fstat(handle.fileno()).st_size - handle.tell()
        self._size = self._length  # what aiohttp reads as the part's size
        self._on_chunk = on_chunk
        self.set_content_disposition("form-data", name="file", filename=filename)

    async def write(self, writer: AbstractStreamWriter) -> None:
        loop = asyncio.get_running_loop()
        left = self._length
        while left > 0:
            chunk = await loop.run_in_executor(None, self._handle.read, min(CHUNK, left))
            if not chunk:  # the file shrank while it was sent: the length would lie
                raise UploadFailed("the file got shorter while it was uploaded")
            left -= len(chunk)
            self._on_chunk(len(chunk))
            await writer.write(chunk)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return f"<{self._length:,} bytes of a file>"  # for reprs: the bytes are never text


async def upload(
    session: aiohttp.ClientSession,
    url: str,
    fields: dict[str, str],
    handle: IO[bytes],
    filename: str,
    *,
    stall_timeout: float = 60.0,
    progress: Progress | None = None,
) -> None:
    """POST `fields` and then the bytes of the open file `handle` as multipart/form-data, streamed.

    The caller opens the file (the same handle that was checked is the one that is sent)."""
    loop = asyncio.get_running_loop()
    sent = 0
    watchdog: asyncio.Timeout | None = None

    def moved(count: int) -> None:
        nonlocal sent
        sent += count
        if watchdog is not None:
            watchdog.reschedule(loop.time() + stall_timeout)  # bytes moved: not stalled
        if progress:
            progress(sent, part.size or 0)

    form = aiohttp.MultipartWriter("form-data")
    for name, value in fields.items():
        form.append(value).set_content_disposition("form-data", name=name)
    part = _FilePart(handle, filename, moved)
    form.append_payload(part)
    headers: dict[str, Any] = {"Content-Length": str(form.size)}
    try:
        async with asyncio.timeout(stall_timeout) as watchdog:
            async with session.post(
                url, data=form, headers=headers, timeout=aiohttp.ClientTimeout(total=None)
            ) as response:
                watchdog.reschedule(loop.time() + stall_timeout)
                if response.status >= 300:
                    text = (await response.text(errors="replace"))[:200]
                    raise UploadFailed(
                        f"the upload was refused: {response.status} {response.reason} {text}".strip()
                    )
    except TimeoutError:
        raise UploadFailed(f"the upload stalled: no progress for {stall_timeout:g} s") from None
    except aiohttp.ClientError as error:
        raise UploadFailed(f"the upload failed ({error.__class__.__name__})") from None
    except OSError as error:  # reading the file (a full or failing disk, a vanished mount)
        raise UploadFailed(f"the file could not be read ({error.strerror or error})") from None
