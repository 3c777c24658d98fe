"""The video flow: register an upload slot, upload the file (downloading a URL first), and wait
until Pinterest has processed it. Its result is the media id a video pin is created with."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pinrules import NetworkSettings

from ._client import PinterestClient
from ._errors import MediaTransferError, PinterestError
from ._flow import FlowError, step_failed
from ._requests import PinPlan

if TYPE_CHECKING:
    from ._models import MediaUpload

Progress = Callable[[str, int, int | None], None]  # stage, done, total


@dataclass(frozen=True)
class VideoSettings:
    network: NetworkSettings
    poll_interval: float
    poll_timeout: float
    stall_timeout: float
    progress: Progress | None = None


async def video_media_id(
    client: PinterestClient, pin: PinPlan, settings: VideoSettings, file: IO[bytes] | None = None
) -> str:
    """The id of the processed media for a video pin: Pinterest's own id as given, or a new
    upload (of the open, checked `file` for a local video; of a download for a URL)."""
    media_id = pin.value if pin.source == "mediaId" else await _upload_video(client, pin, settings, file)
    await _wait_for_processing(client, media_id, settings)
    return media_id


async def _upload_video(
    client: PinterestClient, pin: PinPlan, settings: VideoSettings, file: IO[bytes] | None
) -> str:
    try:
        slot = await client.register_media()
    except PinterestError as error:
        raise step_failed(
            error, "pinterest.media.register_failed", "Pinterest refused to register the upload"
        ) from None
    from ._download import download  # noqa: PLC0415 - the HTTP transfers only when a video moves

    try:
        if file is not None:  # a local video: the open, checked file
            await _upload(client, slot, file, settings, Path(pin.value).name)
        else:  # a video URL
            path = await download(pin.value, settings.network, stall_timeout=settings.stall_timeout)
            try:
                with path.open("rb") as downloaded:
                    await _upload(client, slot, downloaded, settings)
            finally:
                path.unlink(missing_ok=True)  # a failed upload or a cancelled run leaves nothing behind
    except MediaTransferError as error:
        raise FlowError("pinterest.video.upload_failed", str(error)) from None
    except OSError as error:
        raise FlowError(
            "pinterest.video.upload_failed", f"cannot read the video ({error.strerror})"
        ) from None
    return slot.media_id


async def _upload(
    client: PinterestClient, slot: MediaUpload, file: IO[bytes], settings: VideoSettings, name: str = "video"
) -> None:
    from ._upload import upload  # noqa: PLC0415

    progress = settings.progress
    await upload(
        client.session, slot.upload_url, slot.upload_parameters, file, name,
        stall_timeout=settings.stall_timeout,
        progress=(lambda done, total: progress("upload", done, total)) if progress else None,
    )  # fmt: skip


async def _wait_for_processing(client: PinterestClient, media_id: str, settings: VideoSettings) -> None:
    deadline = time.monotonic() + settings.poll_timeout
    while True:
        try:
            media = await client.get_media(media_id)
        except PinterestError as error:
            raise step_failed(  # nothing is known about the video itself: not a transcode failure
                error,
                "pinterest.video.status_unreadable",
                f"the processing status of media {media_id} could not be read",
            ) from None
        if settings.progress:
            settings.progress(f"processing ({media.status})", 0, None)
        if media.status == "succeeded":
            return
        if media.status == "failed":
            raise FlowError(
                "pinterest.video.transcode_failed", f"Pinterest could not process media {media_id}"
            )
        if time.monotonic() + settings.poll_interval > deadline:
            raise FlowError(
                "pinterest.video.transcode_timeout",
                f"media {media_id} was still {media.status} after {settings.poll_timeout:g} s",
            )
        await asyncio.sleep(settings.poll_interval)
