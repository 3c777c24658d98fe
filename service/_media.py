"""`/v1/media`: streamed uploads, their records, and their bytes for Pinterest.

An upload is written to disk as it arrives (never held in memory), its type judged by its
first bytes, and the size limit of its kind enforced while receiving: at the limit the service
stops reading and answers 413. `GET /v1/media/{id}/content` serves the bytes to a caller with
an API key of the workspace, or to anyone holding a signed URL (HMAC-SHA256 over the workspace,
id and expiry time with a key kept in the service store): the URLs the service gives Pinterest
as `image_url` when it runs with --public-url. They stop working when they expire.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import BodyPartReader, web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http_exceptions import HttpProcessingError

from pinrules import pinterest
from publisher import StoredMedia

from ._app import SERVICE, Service, workspace_of
from ._problems import Problem, problem_response, request_id

MEDIA_KINDS = {
    **dict.fromkeys(pinterest.IMAGE_TYPES, "image"),
    **dict.fromkeys(pinterest.VIDEO_TYPES, "video"),
}
CHUNK = 256 * 1024
MULTIPART_SLACK = 64 * 1024  # headers and boundaries around the file in a multipart body


def _signature(key: bytes, workspace: str, media_id: str, expires: int) -> str:
    mac = hmac.new(key, f"{workspace}\n{media_id}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def signed_url(service: Service, base: str, workspace: str, media_id: str, expires: int) -> str:
    """A URL of the media's bytes that needs no API key until `expires` (UTC seconds)."""
    query = urlencode(
        {
            "workspace": workspace,
            "expires": expires,
            "signature": _signature(service.signing_key, workspace, media_id, expires),
        }
    )
    return f"{base.rstrip('/')}/v1/media/{media_id}/content?{query}"


def media_view(service: Service, request: web.Request, media: StoredMedia) -> dict[str, Any]:
    view = media.summary() | {"mediaId": media.id}
    if service.settings.public_url:
        expires = int(service.clock() + service.settings.media_url_lifetime)
        view["contentUrl"] = signed_url(
            service, service.settings.public_url, media.workspace, media.id, expires
        )
    return view


async def upload(request: web.Request) -> web.Response:
    """POST /v1/media: one multipart part named `file` (an image or a video)."""
    service = request.app[SERVICE]
    settings = service.settings
    workspace = workspace_of(request)
    largest = max(settings.image_limit, settings.video_limit)
    if request.content_length is not None and request.content_length > largest + MULTIPART_SLACK:
        return await _refuse_and_hang_up(request, _too_large(largest))
    if request.content_type != "multipart/form-data":
        raise Problem(
            415,
            "unsupported_media_type",
            "Send multipart/form-data",
            "upload the file as multipart/form-data, in a part named 'file'",
        )
    try:
        reader = await request.multipart()
        part = await reader.next()
        while part is not None and not (isinstance(part, BodyPartReader) and part.name == "file"):
            await part.release()
            part = await reader.next()
    except (ValueError, AssertionError, HttpProcessingError) as error:
        raise _malformed(str(error)) from None
    if not isinstance(part, BodyPartReader):
        raise _malformed("no part named 'file'")
    incoming = service.backend.media.receive(workspace=workspace, filename=part.filename)
    kept = False
    try:
        limit = largest
        kind: str | None = None
        while True:
            try:
                chunk = await part.read_chunk(CHUNK)
            except (ValueError, AssertionError, HttpProcessingError) as error:
                raise _malformed(str(error)) from None
            if not chunk:
                break
            incoming.write(chunk)
            if kind is None and len(incoming.head) >= 64:
                kind = _kind(incoming.head)
                limit = settings.image_limit if kind == "image" else settings.video_limit
            if incoming.size > limit:
                return await _refuse_and_hang_up(request, _too_large(limit, kind))
        kind = kind or _kind(incoming.head)
        limit = settings.image_limit if kind == "image" else settings.video_limit
        if incoming.size > limit:
            raise _too_large(limit, kind)
        if incoming.size == 0:
            raise _malformed("the file is empty")
        media = incoming.keep(kind, service.clock())
        kept = True
    finally:
        if not kept:
            incoming.discard()
    return web.json_response(
        media_view(service, request, media), status=201, headers={"Location": f"/v1/media/{media.id}"}
    )


def _kind(head: bytes) -> str:
    from pinrules import sniff  # noqa: PLC0415

    found = sniff(head)
    kind = MEDIA_KINDS.get(found or "")
    if kind is None:
        allowed = pinterest.type_names(pinterest.IMAGE_TYPES | pinterest.VIDEO_TYPES)
        raise Problem(
            415,
            "unsupported_media_type",
            "Not an image or video Pinterest takes",
            f"the file's content is {found or 'of an unknown type'}; upload {allowed}",
        )
    return kind


def _too_large(limit: int, kind: str | None = None) -> Problem:
    what = f"an {kind}" if kind == "image" else f"a {kind}" if kind else "a media file"
    problem = Problem(413, "media_too_large", "Media too large", f"{what} is at most {limit:,} bytes")
    problem.headers["Connection"] = "close"
    return problem


async def _refuse_and_hang_up(request: web.Request, problem: Problem) -> web.Response:
    """Answer now and close the connection: the rest of the body is never read (aiohttp would
    otherwise read and discard it for up to ten seconds)."""
    response = problem_response(request, problem)
    response.headers["X-Request-Id"] = request_id(request)
    await response.prepare(request)
    await response.write_eof()
    request.protocol.force_close()
    return response


def _malformed(why: str) -> Problem:
    return Problem(
        400,
        "malformed_upload",
        "Malformed upload",
        f"the multipart body could not be read ({why}); send one part named 'file'",
    )


def _find(service: Service, request: web.Request, workspace: str) -> StoredMedia:
    media_id = request.match_info["media_id"]
    found = service.backend.media.get(media_id, workspace)
    if found is None:
        raise Problem(404, "media_not_found", "No such media", f"no upload {media_id} in this workspace")
    return found


async def get_media(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    return web.json_response(media_view(service, request, _find(service, request, workspace_of(request))))


async def content(request: web.Request) -> web.StreamResponse:
    """The bytes: with an API key of the workspace, or a valid signed URL."""
    service = request.app[SERVICE]
    if "signature" in request.query:
        workspace = request.query.get("workspace", "")
        try:
            expires = int(request.query.get("expires", ""))
        except ValueError:
            expires = 0
        expected = _signature(service.signing_key, workspace, request.match_info["media_id"], expires)
        given = request.query["signature"].encode()  # bytes: any character a link may carry is compared
        if not hmac.compare_digest(expected.encode(), given) or expires < service.clock():
            raise Problem(
                403, "signature_invalid", "Link not valid", "this media link is not valid or has expired"
            )
    else:
        workspace = workspace_of(request)
    media = _find(service, request, workspace)
    held = contextlib.ExitStack()  # a database's media are a temporary copy: kept until sent
    path = held.enter_context(service.backend.media.open(media))
    mime = media.mime or "application/octet-stream"
    return _FileThenRelease(
        path, held, headers={"Content-Type": mime, "Cache-Control": "private, max-age=300"}
    )


class _FileThenRelease(web.FileResponse):
    """A file response that lets go of its file (`held`) once it has been sent, or has failed."""

    def __init__(self, path: Path, held: contextlib.ExitStack, *, headers: dict[str, str]) -> None:
        super().__init__(path, headers=headers)
        self._held = held

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        try:
            return await super().prepare(request)  # the whole file is written before it returns
        finally:
            self._held.close()
